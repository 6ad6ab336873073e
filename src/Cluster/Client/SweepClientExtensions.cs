using Orleans.Runtime;
using Orleans.Runtime.Messaging;

namespace CompiledNets.Cluster;

/// <summary>Starting, watching and collecting sweeps and ensembles from a cluster client (or from inside a silo).</summary>
public static class SweepClientExtensions
{
    private static readonly TimeSpan PollWait = TimeSpan.FromSeconds(15);
    private static readonly TimeSpan RetryDelay = TimeSpan.FromMilliseconds(500);

    /// <summary>The coordinator of sweep <paramref name="name"/>.</summary>
    public static ISweepGrain GetSweep(this IGrainFactory grains, string name)
    {
        ArgumentNullException.ThrowIfNull(grains);
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        return grains.GetGrain<ISweepGrain>(name);
    }

    /// <summary>
    /// Starts sweep <paramref name="name"/> and waits until every trial has finished, calling
    /// <paramref name="onChange"/> with every new snapshot (a trial started, finished, was rerun). Calling it again with
    /// the same name and definition, from this client or another, picks the sweep up where it is.
    /// </summary>
    public static async Task<SweepStatus> RunSweepAsync(this IGrainFactory grains, string name, SweepDefinition definition,
        Action<SweepStatus>? onChange = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(definition);
        definition.Validate();
        var first = await Retry(() => grains.GetSweep(name).StartAsync(definition), cancellationToken).ConfigureAwait(false);
        onChange?.Invoke(first);
        return first.IsFinished ? first : await grains.WaitForSweepAsync(name, onChange, first.Version, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Waits until sweep <paramref name="name"/> has finished, calling <paramref name="onChange"/> with every snapshot
    /// newer than <paramref name="knownVersion"/>. A coordinator that moves (its silo was lost) is reached again.
    /// </summary>
    public static async Task<SweepStatus> WaitForSweepAsync(this IGrainFactory grains, string name, Action<SweepStatus>? onChange = null,
        long knownVersion = -1, CancellationToken cancellationToken = default)
    {
        var sweep = grains.GetSweep(name);
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var status = await Retry(() => sweep.WaitForChangeAsync(knownVersion, PollWait), cancellationToken).ConfigureAwait(false);
            if (status.State == SweepState.NotStarted) throw new InvalidOperationException($"Sweep '{name}' has not been started.");
            if (status.Version != knownVersion)
            {
                knownVersion = status.Version;
                onChange?.Invoke(status);
            }
            if (status.IsFinished) return status;
        }
    }

    /// <summary>
    /// Loads data source <paramref name="data"/> on every active silo now, instead of when each silo's first trial
    /// needs it: a silo that cannot load it fails here, before a sweep starts, and trials start training at once.
    /// Returns the number of silos.
    /// </summary>
    public static async Task<int> LoadDataOnEverySiloAsync(this IGrainFactory grains, string data)
    {
        ArgumentNullException.ThrowIfNull(grains);
        ArgumentException.ThrowIfNullOrWhiteSpace(data);
        var silos = await grains.GetGrain<IManagementGrain>(0).GetHosts(onlyActive: true).ConfigureAwait(false);
        await Task.WhenAll(silos.Keys.Select(silo =>
            grains.GetGrain<ITrialWorkerGrain>(SiloPinnedPlacement.Key(silo, "trials/0")).LoadDataAsync(data))).ConfigureAwait(false);
        return silos.Count;
    }

    /// <summary>The checkpoint (safetensors bytes) of the sweep's best trial.</summary>
    /// <exception cref="InvalidOperationException">No trial has completed, or its checkpoint was not kept.</exception>
    public static async Task<byte[]> GetBestCheckpointAsync(this IGrainFactory grains, string name)
    {
        var sweep = grains.GetSweep(name);
        var status = await Retry(sweep.GetStatusAsync, default).ConfigureAwait(false);
        var best = status.Best ?? throw new InvalidOperationException($"Sweep '{name}' has no completed trial yet.");
        return await Retry(() => sweep.GetCheckpointAsync(best.Id), default).ConfigureAwait(false)
            ?? throw new InvalidOperationException($"Sweep '{name}': the checkpoint of its best trial ({best.Id}) is missing.");
    }

    /// <summary>A new <typeparamref name="TNetwork"/> holding trial <paramref name="trialId"/>'s trained weights.</summary>
    public static async Task<TNetwork> LoadTrialAsync<TNetwork>(this IGrainFactory grains, string name, int trialId)
        where TNetwork : class, INetwork, new()
    {
        var bytes = await Retry(() => grains.GetSweep(name).GetCheckpointAsync(trialId), default).ConfigureAwait(false)
            ?? throw new InvalidOperationException($"Sweep '{name}': trial {trialId} has no checkpoint (not finished, or not kept: set KeepAllCheckpoints).");
        return Load<TNetwork>(bytes);
    }

    /// <summary>
    /// Trains an ensemble's members in parallel across the silos (one trial per member, seeds
    /// <see cref="EnsembleDefinition.FirstSeed"/>, +1, ...) and returns them as an <see cref="Ensemble"/>.
    /// </summary>
    /// <exception cref="InvalidOperationException">A member failed; the message says why.</exception>
    public static async Task<EnsembleResult<TNetwork>> TrainEnsembleAsync<TNetwork>(this IGrainFactory grains, string name,
        EnsembleDefinition definition, Action<SweepStatus>? onChange = null, CancellationToken cancellationToken = default)
        where TNetwork : class, INetwork, new()
    {
        ArgumentNullException.ThrowIfNull(definition);
        var status = await grains.RunSweepAsync(name, definition.ToSweep(), onChange, cancellationToken).ConfigureAwait(false);
        var failed = status.Trials.FirstOrDefault(t => t.Status != TrialStatus.Completed);
        if (failed is not null)
            throw new InvalidOperationException($"Ensemble '{name}': member {failed.Id} (seed {failed.Spec.Seed}) is {failed.Status}: {failed.Message}");
        var members = new TNetwork[status.Trials.Count];
        for (int i = 0; i < members.Length; i++) members[i] = await grains.LoadTrialAsync<TNetwork>(name, i).ConfigureAwait(false);
        return new EnsembleResult<TNetwork>(new Ensemble(members), members, status);
    }

    internal static TNetwork Load<TNetwork>(byte[] safetensors) where TNetwork : class, INetwork, new()
    {
        var network = new TNetwork();
        using var stream = new MemoryStream(safetensors, writable: false);
        network.Load(stream);
        return network;
    }

    /// <summary>Retries a call whose grain's silo went away (the grain is reactivated elsewhere from its stored state).</summary>
    internal static async Task<T> Retry<T>(Func<Task<T>> call, CancellationToken cancellationToken, int attempts = 40)
    {
        for (int attempt = 1; ; attempt++)
        {
            try
            {
                return await call().ConfigureAwait(false);
            }
            catch (Exception error) when (attempt < attempts && IsTransient(error))
            {
                await Task.Delay(RetryDelay, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private static bool IsTransient(Exception error) =>
        error is SiloUnavailableException or TimeoutException or OrleansMessageRejectionException or ConnectionFailedException;
}

/// <summary>How to train an ensemble on the cluster: one member per seed, the same hyper-parameters otherwise.</summary>
[GenerateSerializer, Alias("CompiledNets.EnsembleDefinition")]
public sealed record EnsembleDefinition
{
    /// <summary>The members' network, by registered name.</summary>
    [Id(0)] public string Model { get; init; } = "";

    /// <summary>The data source.</summary>
    [Id(1)] public string Data { get; init; } = "";

    /// <summary>Number of members.</summary>
    [Id(2)] public int Members { get; init; } = 5;

    /// <summary>The seed of member 0; member i gets <c>FirstSeed + i</c>.</summary>
    [Id(3)] public int FirstSeed { get; init; } = 1;

    /// <summary>Everything else of a member's training (its <see cref="TrialSpec.Model"/> and <see cref="TrialSpec.Seed"/> are set from this definition).</summary>
    [Id(4)] public TrialSpec Training { get; init; } = new();

    /// <summary>The sweep that trains the members.</summary>
    public SweepDefinition ToSweep()
    {
        if (Members < 1) throw new ArgumentException($"An ensemble needs at least one member, not {Members}.");
        return new SweepDefinition
        {
            Data = Data,
            Trials = Enumerable.Range(0, Members).Select(i => Training with { Model = Model, Seed = FirstSeed + i }).ToArray(),
            KeepAllCheckpoints = true,
            Objective = "loss",
        };
    }
}

/// <summary>A trained ensemble: the <see cref="Ensemble"/>, its members and the sweep that trained them.</summary>
public sealed record EnsembleResult<TNetwork>(Ensemble Ensemble, IReadOnlyList<TNetwork> Members, SweepStatus Sweep) where TNetwork : INetwork;
