using System.Globalization;
using System.Text;

namespace CompiledNets;

/// <summary>
/// Maps the labels a data set uses to the classes <c>0..ClassCount-1</c> a network outputs, and back: Sign Language
/// MNIST labels its 24 letters 0-24 without 9 (J needs motion), so label 10 is class 9. What scikit-learn's
/// <c>LabelEncoder</c> and <c>LabelBinarizer</c> do before one-hot encoding.
/// </summary>
public sealed class LabelMap
{
    private readonly int[] _labels;
    private readonly Dictionary<int, int> _classes;

    /// <summary>Class <c>i</c> is <c>labels[i]</c>.</summary>
    /// <exception cref="ArgumentException">No labels, or a label given twice.</exception>
    public LabelMap(IEnumerable<int> labels)
    {
        ArgumentNullException.ThrowIfNull(labels);
        _labels = labels.ToArray();
        if (_labels.Length == 0) throw new ArgumentException("A label map needs at least one label.", nameof(labels));
        _classes = new Dictionary<int, int>(_labels.Length);
        for (int i = 0; i < _labels.Length; i++)
            if (!_classes.TryAdd(_labels[i], i))
                throw new ArgumentException($"Label {_labels[i]} is given twice (classes {_classes[_labels[i]]} and {i}); each label is one class.", nameof(labels));
    }

    /// <summary>The distinct labels that occur, in ascending order: the smallest is class 0.</summary>
    /// <exception cref="ArgumentException"><paramref name="labels"/> is empty.</exception>
    public static LabelMap FromLabels(ReadOnlySpan<int> labels)
    {
        var distinct = new SortedSet<int>();
        foreach (int label in labels) distinct.Add(label);
        return new LabelMap(distinct);
    }

    /// <summary>Number of classes.</summary>
    public int ClassCount => _labels.Length;

    /// <summary>The label of each class, in class order.</summary>
    public IReadOnlyList<int> Labels => _labels;

    /// <summary>Whether <paramref name="label"/> is one of the classes.</summary>
    public bool Contains(int label) => _classes.ContainsKey(label);

    /// <summary>The class of <paramref name="label"/>.</summary>
    /// <exception cref="ArgumentException">The label is not one of the classes (the message lists them).</exception>
    public int ToClass(int label) =>
        _classes.TryGetValue(label, out int index) ? index
            : throw new ArgumentException($"Label {label} is not one of the {ClassCount} classes' labels ({this}).", nameof(label));

    /// <summary>The label of class <paramref name="classIndex"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The class is outside <c>[0, ClassCount)</c>.</exception>
    public int ToLabel(int classIndex) =>
        (uint)classIndex < (uint)_labels.Length ? _labels[classIndex]
            : throw new ArgumentOutOfRangeException(nameof(classIndex), classIndex, $"The class must be in [0, {ClassCount}).");

    /// <summary>
    /// The same samples with every label replaced by its class and <see cref="ClassCount"/> classes. The features are
    /// shared, not copied (a data set never changes them).
    /// </summary>
    /// <exception cref="ArgumentException">The data has dense targets, or a label is not one of the classes (the message names the sample).</exception>
    public Dataset Apply(Dataset data)
    {
        ArgumentNullException.ThrowIfNull(data);
        if (!data.HasLabels) throw new ArgumentException("The data has dense targets, not class labels, so there is nothing to map.", nameof(data));
        var source = data.Labels;
        var classes = new int[source.Length];
        for (int i = 0; i < source.Length; i++)
        {
            if (!_classes.TryGetValue(source[i], out classes[i]))
                throw new ArgumentException($"Sample {i} has label {source[i]}, which is not one of the {ClassCount} classes' labels ({this}).", nameof(data));
        }
        return data.WithLabels(classes, ClassCount);
    }

    /// <summary>The labels in class order, runs of consecutive labels written as ranges: <c>0-8, 10-24</c>.</summary>
    public override string ToString()
    {
        var text = new StringBuilder();
        for (int start = 0; start < _labels.Length;)
        {
            int end = start;
            while (end + 1 < _labels.Length && _labels[end + 1] == _labels[end] + 1) end++;
            if (text.Length > 0) text.Append(", ");
            text.Append(_labels[start].ToString(CultureInfo.InvariantCulture));
            if (end > start) text.Append(end == start + 1 ? ", " : "-").Append(_labels[end].ToString(CultureInfo.InvariantCulture));
            start = end + 1;
        }
        return text.ToString();
    }
}
