using CompiledNets.Kernels;

namespace CompiledNets.Cluster;

/// <summary>
/// Which samples a data-parallel worker trains on at each step. Worker <c>rank</c> of <c>K</c> owns the shard of
/// samples <c>i</c> with <c>i % K == rank</c>; every epoch it reshuffles its shard (seeded by the run's seed, its rank
/// and the epoch) and takes consecutive batches of <c>batchSize</c>. An epoch has as many steps as the smallest shard
/// holds whole batches, so every step of every worker has a full batch and the global batch of a step is the
/// concatenation of the K workers' batches in rank order.
/// </summary>
public sealed class ShardSampler
{
    private readonly int[] _shard;
    private readonly int[] _order;
    private readonly int _seed;
    private readonly int _rank;
    private long _epoch = -1;

    /// <summary>Creates the sampler of worker <paramref name="rank"/> of <paramref name="workers"/>.</summary>
    /// <exception cref="ArgumentException">The data does not give each worker one whole batch.</exception>
    public ShardSampler(int sampleCount, int workers, int rank, int batchSize, int seed)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(workers, 1);
        if (rank < 0 || rank >= workers) throw new ArgumentOutOfRangeException(nameof(rank), rank, $"The rank must be in [0, {workers}).");
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        StepsPerEpoch = CountSteps(sampleCount, workers, batchSize);
        BatchSize = batchSize;
        _rank = rank;
        _seed = seed;
        _shard = new int[(sampleCount - rank + workers - 1) / workers];
        for (int i = 0; i < _shard.Length; i++) _shard[i] = rank + i * workers;
        _order = new int[_shard.Length];
    }

    /// <summary>Samples per worker per step.</summary>
    public int BatchSize { get; }

    /// <summary>Steps in one epoch (the same for every worker).</summary>
    public int StepsPerEpoch { get; }

    /// <summary>Steps per epoch for <paramref name="sampleCount"/> samples over <paramref name="workers"/> workers.</summary>
    /// <exception cref="ArgumentException">The smallest shard holds no whole batch.</exception>
    public static int CountSteps(int sampleCount, int workers, int batchSize)
    {
        int smallestShard = sampleCount / workers;
        if (smallestShard < batchSize)
            throw new ArgumentException($"{sampleCount} samples over {workers} workers leave {smallestShard} per worker, fewer than one batch of {batchSize}.");
        return smallestShard / batchSize;
    }

    /// <summary>The dataset indices of this worker's batch at global step <paramref name="step"/> (0-based).</summary>
    public ReadOnlySpan<int> Batch(long step)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(step);
        long epoch = step / StepsPerEpoch;
        if (epoch != _epoch)
        {
            _shard.CopyTo(_order, 0);
            var random = new SeededRandom(unchecked(((long)_seed << 32) ^ ((long)_rank << 20) ^ epoch));
            random.Shuffle(_order);
            _epoch = epoch;
        }
        int start = (int)(step % StepsPerEpoch) * BatchSize;
        return _order.AsSpan(start, BatchSize);
    }
}
