namespace CompiledNets.Cluster;

/// <summary>
/// The coordinator of one sweep, keyed by the sweep's name. It fans trials out over the cluster's silos, reruns the
/// trials of a silo that is lost, ranks the results, and keeps its state in the grain storage named
/// <see cref="CompiledNetsStorage.Name"/>, so any client (one that reconnects, too) reads it back.
/// </summary>
[Alias("CompiledNets.ISweepGrain")]
public interface ISweepGrain : IGrainWithStringKey
{
    /// <summary>
    /// Starts the sweep and returns its first snapshot. Starting a sweep that already runs or ran with the same
    /// definition returns its state (a client that retries loses nothing); a different definition is an error.
    /// </summary>
    [Alias("Start")]
    Task<SweepStatus> StartAsync(SweepDefinition definition);

    /// <summary>The current snapshot.</summary>
    [Alias("GetStatus")]
    Task<SweepStatus> GetStatusAsync();

    /// <summary>Returns when the sweep's version passes <paramref name="knownVersion"/>, or after <paramref name="maxWait"/>.</summary>
    [AlwaysInterleave, Alias("WaitForChange")]
    Task<SweepStatus> WaitForChangeAsync(long knownVersion, TimeSpan maxWait);

    /// <summary>The safetensors checkpoint of a finished trial, or null when it was not kept.</summary>
    [Alias("GetCheckpoint")]
    Task<byte[]?> GetCheckpointAsync(int trialId);

    /// <summary>Stops dispatching trials; running trials are abandoned, finished ones keep their results.</summary>
    [Alias("Cancel")]
    Task<SweepStatus> CancelAsync();

    /// <summary>A worker's report of a finished start (called by the workers).</summary>
    [Alias("Report")]
    Task ReportAsync(TrialReport report);
}

/// <summary>
/// A training slot on one silo (the placement pins it there: its key starts with the silo's address). It trains the
/// trials the coordinator assigns, off the grain scheduler, and keeps each report until the coordinator has it.
/// </summary>
[Alias("CompiledNets.ITrialWorkerGrain")]
public interface ITrialWorkerGrain : IGrainWithStringKey
{
    /// <summary>Starts training in the background and returns at once; a repeated start of the same dispatch is ignored.</summary>
    [Alias("Start")]
    Task StartAsync(TrialAssignment assignment);

    /// <summary>
    /// Whether this worker knows the start: null when it does not (the silo restarted, or it never arrived), an empty
    /// report while it trains, the report once it has finished.
    /// </summary>
    [Alias("Poll"), ResponseTimeout("00:00:10")]
    Task<TrialPoll> PollAsync(string sweep, int trialId, long dispatch);

    /// <summary>Loads data source <paramref name="data"/> on this worker's silo (once per silo) and returns its training sample count.</summary>
    [Alias("LoadData"), ResponseTimeout("00:10:00")]
    Task<int> LoadDataAsync(string data);
}

/// <summary>The answer to <see cref="ITrialWorkerGrain.PollAsync"/>.</summary>
[GenerateSerializer, Alias("CompiledNets.TrialPoll")]
public sealed record TrialPoll([property: Id(0)] bool Known, [property: Id(1)] TrialReport? Report);

/// <summary>A checkpoint (safetensors bytes) kept in grain storage, keyed <c>sweep/trial/dispatch</c>.</summary>
[Alias("CompiledNets.ICheckpointGrain")]
public interface ICheckpointGrain : IGrainWithStringKey
{
    /// <summary>Stores the bytes.</summary>
    [Alias("Save")]
    Task SaveAsync(byte[] safetensors);

    /// <summary>The stored bytes, or null.</summary>
    [Alias("Get")]
    Task<byte[]?> GetAsync();

    /// <summary>Deletes the stored bytes.</summary>
    [Alias("Clear")]
    Task ClearAsync();
}

/// <summary>The grain storage the sweep and data-parallel grains use.</summary>
public static class CompiledNetsStorage
{
    /// <summary>
    /// The storage provider's name: register one under it on every silo, for example
    /// <c>silo.AddMemoryGrainStorage(CompiledNetsStorage.Name)</c> in tests or a durable provider (ADO.NET, Redis,
    /// Azure) in production.
    /// </summary>
    public const string Name = "CompiledNets";
}
