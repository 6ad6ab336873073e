namespace CompiledNets.Cluster;

/// <summary>
/// The coordinator of one data-parallel run, keyed by the run's name. It holds the reference copy of the network,
/// averages the workers' gradients (or parameters) in rank order, takes the optimizer step, and stores checkpoints of
/// whole steps only.
/// </summary>
[Alias("CompiledNets.IDataParallelGrain")]
public interface IDataParallelGrain : IGrainWithStringKey
{
    /// <summary>Starts training in the background and returns the first snapshot; a repeated start of the same definition returns the current one.</summary>
    [Alias("Start")]
    Task<DataParallelStatus> StartAsync(DataParallelDefinition definition);

    /// <summary>The current snapshot.</summary>
    [Alias("GetStatus")]
    Task<DataParallelStatus> GetStatusAsync();

    /// <summary>Returns when the version passes <paramref name="knownVersion"/> or after <paramref name="maxWait"/>.</summary>
    [AlwaysInterleave, Alias("WaitForChange")]
    Task<DataParallelStatus> WaitForChangeAsync(long knownVersion, TimeSpan maxWait);

    /// <summary>The last checkpoint (safetensors bytes) of the averaged network, or null before the first.</summary>
    [Alias("GetCheckpoint")]
    Task<byte[]?> GetCheckpointAsync();

    /// <summary>Stops after the current step and stores a checkpoint of it.</summary>
    [Alias("Cancel")]
    Task CancelAsync();
}

/// <summary>One worker of a data-parallel run, pinned to its silo (key <c>{silo}/dp/{run}/{rank}</c>).</summary>
[Alias("CompiledNets.IDataParallelWorkerGrain")]
public interface IDataParallelWorkerGrain : IGrainWithStringKey
{
    /// <summary>Builds the worker's network and shard sampler and loads the data source on its silo.</summary>
    [Alias("Initialize")]
    Task InitializeAsync(WorkerSetup setup);

    /// <summary>Gradients of this worker's batch at <paramref name="step"/> for the given parameters (synchronous mode).</summary>
    [Alias("ComputeGradients")]
    Task<GradientReply> ComputeGradientsAsync(long step, ReplicaState replica);

    /// <summary>Loads the replica, trains <paramref name="steps"/> local steps from <paramref name="step"/>, returns the replica (local SGD).</summary>
    [Alias("TrainLocal")]
    Task<LocalReply> TrainLocalAsync(long step, int steps, ReplicaState replica);

    /// <summary>Frees the worker (the run ended).</summary>
    [Alias("Release")]
    Task ReleaseAsync();
}

/// <summary>What a worker needs to know once.</summary>
[GenerateSerializer, Alias("CompiledNets.WorkerSetup")]
public sealed record WorkerSetup
{
    /// <summary>The network.</summary>
    [Id(0)] public string Model { get; init; } = "";

    /// <summary>The data source.</summary>
    [Id(1)] public string Data { get; init; } = "";

    /// <summary>Number of workers.</summary>
    [Id(2)] public int Workers { get; init; }

    /// <summary>This worker's rank.</summary>
    [Id(3)] public int Rank { get; init; }

    /// <summary>Samples per worker per step.</summary>
    [Id(4)] public int BatchSize { get; init; }

    /// <summary>The run's seed.</summary>
    [Id(5)] public int Seed { get; init; }

    /// <summary>The learning rate (null: the network's).</summary>
    [Id(6)] public float? LearningRate { get; init; }
}

/// <summary>
/// Tensors of a replica as raw little-endian float32 bytes (one block copy each way through the serializer).
/// Immutable: never changed once built, so a call to a worker on the same silo passes it without a copy.
/// </summary>
[GenerateSerializer, Immutable, Alias("CompiledNets.ReplicaState")]
public sealed record ReplicaState
{
    /// <summary>The parameters.</summary>
    [Id(0)] public byte[] Parameters { get; init; } = [];

    /// <summary>The non-trainable buffers (batch-norm statistics); empty when the network has none.</summary>
    [Id(1)] public byte[] Buffers { get; init; } = [];

    /// <summary>The optimizer state (local SGD only; empty in synchronous mode).</summary>
    [Id(2)] public byte[] OptimizerState { get; init; } = [];

    /// <summary>The optimizer's step count.</summary>
    [Id(3)] public long OptimizerStep { get; init; }
}

/// <summary>A worker's gradients for one step.</summary>
[GenerateSerializer, Immutable, Alias("CompiledNets.GradientReply")]
public sealed record GradientReply
{
    /// <summary>Mean loss of the worker's batch.</summary>
    [Id(0)] public float Loss { get; init; }

    /// <summary>Correctly classified samples of the batch.</summary>
    [Id(1)] public int Correct { get; init; }

    /// <summary>The gradients (mean over the worker's batch), float32 bytes.</summary>
    [Id(2)] public byte[] Gradients { get; init; } = [];

    /// <summary>The buffers after the step (batch-norm running statistics).</summary>
    [Id(3)] public byte[] Buffers { get; init; } = [];

    /// <summary>Seconds the worker computed.</summary>
    [Id(4)] public double Seconds { get; init; }
}

/// <summary>A worker's replica after local steps.</summary>
[GenerateSerializer, Immutable, Alias("CompiledNets.LocalReply")]
public sealed record LocalReply
{
    /// <summary>Sum of the batch mean losses over the local steps.</summary>
    [Id(0)] public double LossSum { get; init; }

    /// <summary>Correctly classified samples over the local steps.</summary>
    [Id(1)] public int Correct { get; init; }

    /// <summary>The replica after the steps.</summary>
    [Id(2)] public ReplicaState Replica { get; init; } = new();

    /// <summary>Seconds the worker computed.</summary>
    [Id(3)] public double Seconds { get; init; }
}
