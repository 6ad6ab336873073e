namespace CompiledNets.Cluster;

/// <summary>
/// One network trained data-parallel: <see cref="Workers"/> workers on different silos each own a shard of the data
/// (<see cref="ShardSampler"/>) and train on <see cref="BatchSize"/> / <see cref="Workers"/> samples per step.
/// </summary>
[GenerateSerializer, Alias("CompiledNets.DataParallelDefinition")]
public sealed record DataParallelDefinition
{
    /// <summary>The network, by registered name.</summary>
    [Id(0)] public string Model { get; init; } = "";

    /// <summary>The data source (loaded by every worker's silo; each worker uses its shard of it).</summary>
    [Id(1)] public string Data { get; init; } = "";

    /// <summary>Number of workers K; they are spread over the active silos (K silos when there are that many).</summary>
    [Id(2)] public int Workers { get; init; } = 2;

    /// <summary>The global batch: samples per step over all workers; a multiple of <see cref="Workers"/>.</summary>
    [Id(3)] public int BatchSize { get; init; } = 64;

    /// <summary>Passes over the data (an epoch is <see cref="ShardSampler.StepsPerEpoch"/> steps).</summary>
    [Id(4)] public int Epochs { get; init; } = 1;

    /// <summary>When set, stop after this many steps (instead of after <see cref="Epochs"/>).</summary>
    [Id(5)] public int? Steps { get; init; }

    /// <summary>Seed of the weight initialisation and of the shards' shuffles.</summary>
    [Id(6)] public int Seed { get; init; } = 1;

    /// <summary>The optimizer's learning rate; null keeps the network's.</summary>
    [Id(7)] public float? LearningRate { get; init; }

    /// <summary>
    /// Null (the default): synchronous training, gradients averaged every step, exactly the single-process result on the
    /// same global batches. A number n: local SGD, every worker takes n steps with its own optimizer, then parameters and
    /// optimizer state are averaged (n times less traffic; a different, usually slightly worse, trajectory).
    /// </summary>
    [Id(8)] public int? SyncEvery { get; init; }

    /// <summary>Steps between checkpoints written to grain storage (0: only at the end). Rounded up to whole sync rounds.</summary>
    [Id(9)] public int CheckpointEvery { get; init; } = 100;

    /// <summary>Samples per worker per step.</summary>
    public int WorkerBatchSize => BatchSize / Workers;

    /// <summary>Checks the values that do not depend on the silo.</summary>
    /// <exception cref="ArgumentException">A value is out of range; the message names it.</exception>
    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(Model)) throw new ArgumentException("The run names no model.");
        if (string.IsNullOrWhiteSpace(Data)) throw new ArgumentException("The run names no data source.");
        if (Workers < 1) throw new ArgumentException($"Workers must be at least 1, not {Workers}.");
        if (BatchSize < Workers || BatchSize % Workers != 0)
            throw new ArgumentException($"The global batch size ({BatchSize}) must be a positive multiple of the number of workers ({Workers}).");
        if (Epochs < 1) throw new ArgumentException($"Epochs must be at least 1, not {Epochs}.");
        if (Steps is int steps && steps < 1) throw new ArgumentException($"Steps must be at least 1, not {steps}.");
        if (LearningRate is float lr && !(lr > 0 && float.IsFinite(lr))) throw new ArgumentException($"The learning rate must be positive and finite, not {lr}.");
        if (SyncEvery is int every && every < 1) throw new ArgumentException($"SyncEvery must be at least 1, not {every}.");
        if (CheckpointEvery < 0) throw new ArgumentException($"CheckpointEvery must not be negative, not {CheckpointEvery}.");
    }
}

/// <summary>Where a data-parallel run is.</summary>
[GenerateSerializer]
public enum DataParallelState
{
    /// <summary>Never started.</summary>
    NotStarted,

    /// <summary>Training.</summary>
    Running,

    /// <summary>Trained every step.</summary>
    Completed,

    /// <summary>Stopped: a worker was lost or threw (see <see cref="DataParallelStatus.Error"/>); the last checkpoint is consistent.</summary>
    Failed,

    /// <summary>Cancelled by a client.</summary>
    Cancelled,
}

/// <summary>A snapshot of a data-parallel run.</summary>
[GenerateSerializer, Alias("CompiledNets.DataParallelStatus")]
public sealed class DataParallelStatus
{
    /// <summary>The run's name.</summary>
    [Id(0)] public string Name { get; set; } = "";

    /// <summary>Where the run is.</summary>
    [Id(1)] public DataParallelState State { get; set; }

    /// <summary>What it trains.</summary>
    [Id(2)] public DataParallelDefinition? Definition { get; set; }

    /// <summary>Optimizer steps completed (every worker's share of them averaged in).</summary>
    [Id(3)] public long Step { get; set; }

    /// <summary>Steps the run takes in all.</summary>
    [Id(4)] public long TotalSteps { get; set; }

    /// <summary>One record per completed epoch: mean training loss and accuracy over the workers' batches, validation metrics of the averaged network.</summary>
    [Id(5)] public List<EpochRecord> Epochs { get; set; } = new();

    /// <summary>The silo of each worker, by rank.</summary>
    [Id(6)] public List<string> WorkerSilos { get; set; } = new();

    /// <summary>The step the stored checkpoint holds (-1: none yet).</summary>
    [Id(7)] public long CheckpointStep { get; set; } = -1;

    /// <summary>Why the run stopped, when it failed.</summary>
    [Id(8)] public string? Error { get; set; }

    /// <summary>Sync rounds timed so far.</summary>
    [Id(9)] public long Rounds { get; set; }

    /// <summary>Total wall time of the timed rounds, coordinator's view (sending, computing, averaging, the optimizer step).</summary>
    [Id(10)] public double RoundSeconds { get; set; }

    /// <summary>Total over the timed rounds of the slowest worker's compute time (forward, backward, local steps).</summary>
    [Id(11)] public double ComputeSeconds { get; set; }

    /// <summary>Bytes one worker sends plus receives per sync round (parameters down, gradients or parameters up).</summary>
    [Id(12)] public long BytesPerWorkerPerRound { get; set; }

    /// <summary>Grows with every stored change.</summary>
    [Id(13)] public long Version { get; set; }

    /// <summary>True once the run has stopped.</summary>
    public bool IsFinished => State is DataParallelState.Completed or DataParallelState.Failed or DataParallelState.Cancelled;

    /// <summary>Mean wall time of a sync round in milliseconds.</summary>
    public double MeanRoundMilliseconds => Rounds == 0 ? double.NaN : RoundSeconds * 1000 / Rounds;

    /// <summary>Mean time per round spent outside the slowest worker's compute (transfer, serialisation, averaging), in milliseconds.</summary>
    public double MeanSyncMilliseconds => Rounds == 0 ? double.NaN : (RoundSeconds - ComputeSeconds) * 1000 / Rounds;

    /// <summary>The run's history as the runtime's type.</summary>
    public History ToHistory()
    {
        var history = new History();
        foreach (var epoch in Epochs) history.Add(epoch.ToMetrics());
        return history;
    }
}
