using CompiledNets.Kernels;

namespace CompiledNets;

/// <summary>One minibatch: views into the loader's buffers, valid until the next call to <see cref="BatchLoader.GetBatch"/>.</summary>
public readonly ref struct Batch
{
    internal Batch(ReadOnlySpan<float> inputs, ReadOnlySpan<float> targets, ReadOnlySpan<int> indices)
    {
        Inputs = inputs;
        Targets = targets;
        Indices = indices;
    }

    /// <summary>Features, row-major <c>[Size, FeatureCount]</c>.</summary>
    public ReadOnlySpan<float> Inputs { get; }

    /// <summary>Targets, row-major <c>[Size, TargetCount]</c> (labels expanded to one-hot).</summary>
    public ReadOnlySpan<float> Targets { get; }

    /// <summary>The dataset indices of the samples in this batch.</summary>
    public ReadOnlySpan<int> Indices { get; }

    /// <summary>Number of samples (the last batch of an epoch may be smaller).</summary>
    public int Size => Indices.Length;
}

/// <summary>
/// Yields minibatches of a <see cref="Dataset"/> in a seeded shuffled order. Buffers are allocated once;
/// no batch allocates.
/// </summary>
public sealed class BatchLoader
{
    private readonly Dataset _data;
    private readonly int[] _order;
    private readonly float[] _inputs;
    private readonly float[] _targets;
    private readonly bool _shuffle;
    private SeededRandom _random;

    /// <summary>Creates a loader; call <see cref="StartEpoch"/> before each pass.</summary>
    public BatchLoader(Dataset data, int batchSize, bool shuffle = true, int seed = 0)
    {
        ArgumentNullException.ThrowIfNull(data);
        if (batchSize <= 0) throw new ArgumentOutOfRangeException(nameof(batchSize), batchSize, "Batch size must be positive.");
        _data = data;
        BatchSize = batchSize;
        _shuffle = shuffle;
        _random = new SeededRandom(seed);
        _order = new int[data.Count];
        for (int i = 0; i < _order.Length; i++) _order[i] = i;
        int rows = Math.Min(batchSize, Math.Max(data.Count, 1));
        _inputs = new float[rows * data.FeatureCount];
        _targets = new float[rows * data.TargetCount];
    }

    /// <summary>Samples per batch.</summary>
    public int BatchSize { get; }

    /// <summary>Batches per epoch (the last one may be partial).</summary>
    public int BatchCount => (_data.Count + BatchSize - 1) / BatchSize;

    /// <summary>Optional in-place transformation of each gathered batch of inputs (augmentation), given the batch size.</summary>
    public BatchTransform? Transform { get; set; }

    /// <summary>Reshuffles the sample order (when shuffling) for a new epoch.</summary>
    public void StartEpoch()
    {
        if (_shuffle) _random.Shuffle(_order);
    }

    /// <summary>Gathers batch <paramref name="index"/> of the current epoch.</summary>
    public Batch GetBatch(int index)
    {
        if ((uint)index >= (uint)BatchCount) throw new ArgumentOutOfRangeException(nameof(index), index, $"There are {BatchCount} batches.");
        int start = index * BatchSize;
        int size = Math.Min(BatchSize, _data.Count - start);
        var indices = _order.AsSpan(start, size);
        var inputs = _inputs.AsSpan(0, size * _data.FeatureCount);
        var targets = _targets.AsSpan(0, size * _data.TargetCount);
        _data.GatherBatch(indices, inputs, targets);
        Transform?.Invoke(inputs, size);
        return new Batch(inputs, targets, indices);
    }
}

/// <summary>Transforms a gathered batch of inputs in place, for example to augment images.</summary>
public delegate void BatchTransform(Span<float> inputs, int batchSize);
