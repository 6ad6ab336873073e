namespace CompiledNets;

/// <summary>
/// Samples held in memory: a row-major feature matrix <c>[Count, FeatureCount]</c> and either dense targets
/// <c>[Count, TargetCount]</c> or integer class labels (expanded to one-hot per batch, never for the whole set).
/// </summary>
public sealed partial class Dataset
{
    private readonly float[] _features;
    private readonly float[]? _targets;
    private readonly int[]? _labels;

    private Dataset(float[] features, int featureCount, float[]? targets, int[]? labels, int targetCount)
    {
        ArgumentNullException.ThrowIfNull(features);
        if (featureCount <= 0) throw new ArgumentOutOfRangeException(nameof(featureCount), featureCount, "Feature count must be positive.");
        if (targetCount <= 0) throw new ArgumentOutOfRangeException(nameof(targetCount), targetCount, "Target count must be positive.");
        if (features.Length % featureCount != 0)
            throw new ArgumentException($"The feature array holds {features.Length} values, not a multiple of {featureCount} features per sample.", nameof(features));
        Count = features.Length / featureCount;
        if (targets is not null && targets.Length != (long)Count * targetCount)
            throw new ArgumentException($"Expected {Count} × {targetCount} = {(long)Count * targetCount} target values for {Count} samples, got {targets.Length}.", nameof(targets));
        if (labels is not null)
        {
            if (labels.Length != Count)
                throw new ArgumentException($"Expected {Count} labels (one per sample), got {labels.Length}.", nameof(labels));
            for (int i = 0; i < labels.Length; i++)
                if ((uint)labels[i] >= (uint)targetCount)
                    throw new ArgumentException($"Label {labels[i]} of sample {i} is outside [0, {targetCount}).", nameof(labels));
        }
        _features = features;
        _targets = targets;
        _labels = labels;
        FeatureCount = featureCount;
        TargetCount = targetCount;
    }

    /// <summary>Samples with dense targets (regression, one-hot or soft labels).</summary>
    /// <exception cref="ArgumentNullException"><paramref name="features"/> or <paramref name="targets"/> is null.</exception>
    /// <exception cref="ArgumentException">The array lengths do not hold whole samples of the given sizes.</exception>
    public Dataset(float[] features, int featureCount, float[] targets, int targetCount)
        : this(features, featureCount, targets ?? throw new ArgumentNullException(nameof(targets)), null, targetCount) { }

    /// <summary>Samples with integer class labels in <c>[0, classCount)</c>.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="features"/> or <paramref name="labels"/> is null.</exception>
    /// <exception cref="ArgumentException">The lengths disagree or a label is outside <c>[0, classCount)</c>.</exception>
    public static Dataset FromLabels(float[] features, int featureCount, int[] labels, int classCount)
    {
        ArgumentNullException.ThrowIfNull(labels);
        return new(features, featureCount, null, labels, classCount);
    }

    /// <summary>The same features (shared: nothing changes them) with other labels; used by <see cref="LabelMap.Apply"/>.</summary>
    internal Dataset WithLabels(int[] labels, int classCount) => FromLabels(_features, FeatureCount, labels, classCount);

    /// <summary>Number of samples.</summary>
    public int Count { get; }

    /// <summary>Features per sample.</summary>
    public int FeatureCount { get; }

    /// <summary>Targets per sample (the number of classes for labelled data).</summary>
    public int TargetCount { get; }

    /// <summary>True when targets are integer class labels.</summary>
    public bool HasLabels => _labels is not null;

    /// <summary>All features, row-major.</summary>
    public ReadOnlySpan<float> Features => _features;

    /// <summary>Class labels; empty unless <see cref="HasLabels"/>.</summary>
    public ReadOnlySpan<int> Labels => _labels;

    /// <summary>Dense targets; empty when the data is labelled.</summary>
    public ReadOnlySpan<float> Targets => _targets;

    /// <summary>The features of sample <paramref name="index"/>.</summary>
    public ReadOnlySpan<float> GetFeatures(int index)
    {
        CheckIndex(index, nameof(index));
        return _features.AsSpan(index * FeatureCount, FeatureCount);
    }

    /// <summary>The class of sample <paramref name="index"/>: its label, or the index of its largest target.</summary>
    public int GetClass(int index)
    {
        CheckIndex(index, nameof(index));
        if (_labels is not null) return _labels[index];
        var row = _targets.AsSpan(index * TargetCount, TargetCount);
        if (TargetCount == 1) return row[0] >= 0.5f ? 1 : 0;
        int best = 0;
        for (int j = 1; j < row.Length; j++) if (row[j] > row[best]) best = j;
        return best;
    }

    /// <summary>Writes the target row of sample <paramref name="index"/> (one-hot for labelled data).</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="index"/> is not a sample index.</exception>
    /// <exception cref="ArgumentException"><paramref name="destination"/> holds fewer than <see cref="TargetCount"/> values.</exception>
    public void CopyTargets(int index, Span<float> destination)
    {
        CheckIndex(index, nameof(index));
        if (destination.Length < TargetCount)
            throw new ArgumentException($"The destination holds {destination.Length} values; a target row needs {TargetCount}.", nameof(destination));
        if (_labels is not null)
        {
            destination[..TargetCount].Clear();
            destination[_labels[index]] = 1f;
        }
        else
        {
            _targets.AsSpan(index * TargetCount, TargetCount).CopyTo(destination);
        }
    }

    /// <summary>Gathers the samples at <paramref name="indices"/> into contiguous feature and target buffers.</summary>
    /// <exception cref="ArgumentOutOfRangeException">An index is not a sample index.</exception>
    /// <exception cref="ArgumentException">A buffer does not hold exactly <c>indices.Length</c> rows.</exception>
    public void GatherBatch(ReadOnlySpan<int> indices, Span<float> features, Span<float> targets)
    {
        if (features.Length != (long)indices.Length * FeatureCount)
            throw new ArgumentException($"The feature buffer holds {features.Length} values; {indices.Length} samples × {FeatureCount} features need {(long)indices.Length * FeatureCount}.", nameof(features));
        if (targets.Length != (long)indices.Length * TargetCount)
            throw new ArgumentException($"The target buffer holds {targets.Length} values; {indices.Length} samples × {TargetCount} targets need {(long)indices.Length * TargetCount}.", nameof(targets));
        CheckIndices(indices, nameof(indices));
        for (int row = 0; row < indices.Length; row++)
        {
            int index = indices[row];
            _features.AsSpan(index * FeatureCount, FeatureCount).CopyTo(features.Slice(row * FeatureCount, FeatureCount));
            CopyTargets(index, targets.Slice(row * TargetCount, TargetCount));
        }
    }

    /// <summary>A new dataset holding the samples at <paramref name="indices"/> (copied).</summary>
    /// <exception cref="ArgumentOutOfRangeException">An index is not a sample index.</exception>
    public Dataset Select(ReadOnlySpan<int> indices)
    {
        CheckIndices(indices, nameof(indices));
        var features = new float[indices.Length * FeatureCount];
        for (int row = 0; row < indices.Length; row++)
            GetFeatures(indices[row]).CopyTo(features.AsSpan(row * FeatureCount));
        if (_labels is not null)
        {
            var labels = new int[indices.Length];
            for (int row = 0; row < indices.Length; row++) labels[row] = _labels[indices[row]];
            return FromLabels(features, FeatureCount, labels, TargetCount);
        }
        var targets = new float[indices.Length * TargetCount];
        for (int row = 0; row < indices.Length; row++)
            _targets.AsSpan(indices[row] * TargetCount, TargetCount).CopyTo(targets.AsSpan(row * TargetCount));
        return new Dataset(features, FeatureCount, targets, TargetCount);
    }

    /// <summary>The first <paramref name="count"/> samples starting at <paramref name="start"/> (copied).</summary>
    public Dataset Slice(int start, int count)
    {
        if (start < 0 || start > Count)
            throw new ArgumentOutOfRangeException(nameof(start), start, $"The start must be in [0, {Count}] (the sample count).");
        if (count < 0 || count > Count - start)
            throw new ArgumentOutOfRangeException(nameof(count), count, $"Samples [{start}, {(long)start + count}) are outside the {Count} samples; at most {Count - start} follow sample {start}.");
        var indices = new int[count];
        for (int i = 0; i < count; i++) indices[i] = start + i;
        return Select(indices);
    }

    /// <summary>
    /// Splits off the last <paramref name="validationFraction"/> of the samples, after a seeded shuffle
    /// when <paramref name="shuffle"/> is set (Keras' <c>validation_split</c> takes the tail without shuffling).
    /// </summary>
    public (Dataset Train, Dataset Validation) Split(double validationFraction, int seed = 0, bool shuffle = true)
    {
        if (!(validationFraction > 0 && validationFraction < 1))
            throw new ArgumentOutOfRangeException(nameof(validationFraction), validationFraction, "The validation fraction must be in (0, 1).");
        int validationCount = (int)Math.Round(Count * validationFraction);
        if (validationCount == 0 || validationCount == Count)
            throw new ArgumentException($"A fraction of {validationFraction} of {Count} samples leaves one side empty.", nameof(validationFraction));
        var order = new int[Count];
        for (int i = 0; i < order.Length; i++) order[i] = i;
        if (shuffle)
        {
            var random = new CompiledNets.Kernels.SeededRandom(seed);
            random.Shuffle(order);
        }
        int trainCount = Count - validationCount;
        return (Select(order.AsSpan(0, trainCount)), Select(order.AsSpan(trainCount)));
    }

    private void CheckIndex(int index, string name)
    {
        if ((uint)index >= (uint)Count)
            throw new ArgumentOutOfRangeException(name, index, $"The sample index must be in [0, {Count}) (the sample count).");
    }

    private void CheckIndices(ReadOnlySpan<int> indices, string name)
    {
        for (int i = 0; i < indices.Length; i++)
            if ((uint)indices[i] >= (uint)Count)
                throw new ArgumentOutOfRangeException(name, indices[i], $"Index {i} is {indices[i]}, outside [0, {Count}) (the sample count).");
    }
}
