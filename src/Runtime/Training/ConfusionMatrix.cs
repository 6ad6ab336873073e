using System.Globalization;
using System.Text;

namespace CompiledNets;

/// <summary>
/// Counts of (actual class, predicted class) pairs over a classification dataset: row = actual, column = predicted.
/// One output with a 0.5 threshold gives two classes.
/// </summary>
public sealed class ConfusionMatrix
{
    private readonly int[] _counts;

    /// <summary>An empty matrix for <paramref name="classes"/> classes.</summary>
    public ConfusionMatrix(int classes)
    {
        if (classes < 2) throw new ArgumentOutOfRangeException(nameof(classes), classes, "A confusion matrix needs at least 2 classes.");
        Classes = classes;
        _counts = new int[classes * classes];
    }

    /// <summary>Number of classes (rows and columns).</summary>
    public int Classes { get; }

    /// <summary>How many samples of class <paramref name="actual"/> were predicted as <paramref name="predicted"/>.</summary>
    public int this[int actual, int predicted]
    {
        get
        {
            if ((uint)actual >= (uint)Classes) throw new ArgumentOutOfRangeException(nameof(actual), actual, $"Classes are in [0, {Classes}).");
            if ((uint)predicted >= (uint)Classes) throw new ArgumentOutOfRangeException(nameof(predicted), predicted, $"Classes are in [0, {Classes}).");
            return _counts[actual * Classes + predicted];
        }
    }

    /// <summary>All samples counted.</summary>
    public int Total => _counts.Sum();

    /// <summary>Fraction on the diagonal.</summary>
    public double Accuracy => Total == 0 ? double.NaN : Enumerable.Range(0, Classes).Sum(c => _counts[c * Classes + c]) / (double)Total;

    /// <summary>Of the samples of class <paramref name="c"/>, the fraction predicted as <paramref name="c"/> (NaN when there are none).</summary>
    public double Recall(int c)
    {
        int row = Enumerable.Range(0, Classes).Sum(p => this[c, p]);
        return row == 0 ? double.NaN : this[c, c] / (double)row;
    }

    /// <summary>Of the samples predicted as <paramref name="c"/>, the fraction that are class <paramref name="c"/> (NaN when there are none).</summary>
    public double Precision(int c)
    {
        int column = Enumerable.Range(0, Classes).Sum(a => this[a, c]);
        return column == 0 ? double.NaN : this[c, c] / (double)column;
    }

    /// <summary>Counts one sample.</summary>
    public void Add(int actual, int predicted)
    {
        if ((uint)actual >= (uint)Classes) throw new ArgumentOutOfRangeException(nameof(actual), actual, $"Classes are in [0, {Classes}).");
        if ((uint)predicted >= (uint)Classes) throw new ArgumentOutOfRangeException(nameof(predicted), predicted, $"Classes are in [0, {Classes}).");
        _counts[actual * Classes + predicted]++;
    }

    /// <summary>The counts as a text table, actual classes down, predicted across.</summary>
    public override string ToString()
    {
        int width = Math.Max(_counts.Length == 0 ? 1 : _counts.Max().ToString(CultureInfo.InvariantCulture).Length, Classes.ToString(CultureInfo.InvariantCulture).Length) + 1;
        var text = new StringBuilder("actual \\ predicted\n");
        text.Append(' ', width);
        for (int p = 0; p < Classes; p++) text.Append(p.ToString(CultureInfo.InvariantCulture).PadLeft(width));
        text.Append('\n');
        for (int a = 0; a < Classes; a++)
        {
            text.Append(a.ToString(CultureInfo.InvariantCulture).PadLeft(width));
            for (int p = 0; p < Classes; p++) text.Append(this[a, p].ToString(CultureInfo.InvariantCulture).PadLeft(width));
            text.Append('\n');
        }
        return text.ToString();
    }
}
