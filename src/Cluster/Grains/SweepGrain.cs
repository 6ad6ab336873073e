using Microsoft.Extensions.Logging;
using Orleans.Runtime;
using Orleans.Serialization;

namespace CompiledNets.Cluster;

/// <summary>
/// The sweep coordinator. All state changes happen in its (non-reentrant) turns and are written to storage before
/// the workers hear of them, so a reactivated coordinator, on any silo, carries on from the stored state.
/// </summary>
/// <remarks>
/// Exactly once: every start of a trial has a dispatch id; a report is accepted only for the trial's current
/// dispatch while it runs, so a late report from a silo presumed lost, or a duplicate, changes nothing.
/// Lost silos: every <see cref="ClusterSettings.MonitorPeriod"/> the coordinator drops the trials whose silo left the
/// membership and polls the workers of the others; a worker that does not answer or no longer knows its trial has its
/// trial put back in the queue, and the queue is dispatched to the silos with the fewest running trials.
/// </remarks>
internal sealed partial class SweepGrain : Grain, ISweepGrain
{
    private static readonly TimeSpan LongestWait = TimeSpan.FromSeconds(20);
    private static readonly TimeSpan SuspectFor = TimeSpan.FromSeconds(10);

    private readonly IPersistentState<SweepStatus> _state;
    private readonly IClusterMembershipService _membership;
    private readonly NetworkCatalog _networks;
    private readonly DataSourceCatalog _data;
    private readonly ClusterSettings _settings;
    private readonly ILogger<SweepGrain> _logger;
    private readonly DeepCopier<SweepStatus> _copier;
    private readonly Dictionary<SiloAddress, DateTime> _suspects = new();
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private IGrainTimer? _monitor;

    public SweepGrain([PersistentState("sweep", CompiledNetsStorage.Name)] IPersistentState<SweepStatus> state,
        IClusterMembershipService membership, NetworkCatalog networks, DataSourceCatalog data, ClusterSettings settings,
        ILogger<SweepGrain> logger, DeepCopier<SweepStatus> copier)
    {
        _copier = copier;
        _state = state;
        _membership = membership;
        _networks = networks;
        _data = data;
        _settings = settings;
        _logger = logger;
    }

    private SweepStatus Sweep => _state.State;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        Sweep.Name = this.GetPrimaryKeyString();
        if (Sweep.State == SweepState.Running) StartMonitor();
        return Task.CompletedTask;
    }

    public async Task<SweepStatus> StartAsync(SweepDefinition definition)
    {
        ArgumentNullException.ThrowIfNull(definition);
        definition.Validate();
        if (Sweep.State != SweepState.NotStarted)
        {
            if (!SameDefinition(Sweep.Definition!, definition))
                throw new InvalidOperationException($"Sweep '{Sweep.Name}' already exists with another definition; start the new one under another name.");
            return Snapshot();
        }
        var unknownModel = definition.Trials.Select(t => t.Model).FirstOrDefault(m => !_networks.Contains(m));
        if (unknownModel is not null)
            throw new ArgumentException($"Sweep '{Sweep.Name}': no network named '{unknownModel}' is registered; registered: {NetworkCatalog.Describe(_networks.Names)}.");
        if (!_data.Contains(definition.Data))
            throw new ArgumentException($"Sweep '{Sweep.Name}': no data source named '{definition.Data}' is registered; registered: {NetworkCatalog.Describe(_data.Names)}.");

        Sweep.Definition = definition;
        Sweep.Trials = definition.Trials.Select((spec, id) => new TrialInfo { Id = id, Spec = spec }).ToList();
        Sweep.State = SweepState.Running;
        Sweep.StartedAt = DateTime.UtcNow;
        await SaveAsync();
        LogStarted(Sweep.Name, Sweep.Trials.Count);
        StartMonitor();
        await DispatchAsync();
        return Snapshot();
    }

    public Task<SweepStatus> GetStatusAsync() => Task.FromResult(Snapshot());

    public async Task<SweepStatus> WaitForChangeAsync(long knownVersion, TimeSpan maxWait)
    {
        if (Sweep.Version > knownVersion || Sweep.IsFinished) return Snapshot();
        var wait = maxWait > LongestWait ? LongestWait : maxWait;
        if (wait > TimeSpan.Zero) await Task.WhenAny(_changed.Task, Task.Delay(wait));
        return Snapshot();
    }

    /// <summary>A copy: a response may be serialized after the turn that returned it, while later turns change the state.</summary>
    private SweepStatus Snapshot() => _copier.Copy(Sweep);

    public async Task<byte[]?> GetCheckpointAsync(int trialId)
    {
        var trial = TrialOrThrow(trialId);
        return trial.Checkpoint is null ? null : await GrainFactory.GetGrain<ICheckpointGrain>(trial.Checkpoint).GetAsync();
    }

    public async Task<SweepStatus> CancelAsync()
    {
        if (Sweep.State != SweepState.Running) return Snapshot();
        foreach (var trial in Sweep.Trials.Where(t => !t.IsFinished))
        {
            trial.Status = TrialStatus.Failed;
            trial.Message = "The sweep was cancelled.";
            trial.Worker = null;
        }
        Sweep.State = SweepState.Cancelled;
        Sweep.FinishedAt = DateTime.UtcNow;
        StopMonitor();
        await SaveAsync();
        return Snapshot();
    }

    public async Task ReportAsync(TrialReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        if (await AcceptAsync(report))
        {
            await SaveAsync();
            await DispatchAsync();
        }
    }

    // ------------------------------------------------------------------ reports

    /// <summary>Records a report when it is the trial's current start; returns whether anything changed.</summary>
    private async Task<bool> AcceptAsync(TrialReport report)
    {
        if (report.Sweep != Sweep.Name || report.TrialId < 0 || report.TrialId >= Sweep.Trials.Count) return false;
        var trial = Sweep.Trials[report.TrialId];
        if (Sweep.State != SweepState.Running || trial.Status != TrialStatus.Running || trial.Dispatch != report.Dispatch)
        {
            LogStale(Sweep.Name, report.TrialId, report.Dispatch, report.Silo);
            if (report.Checkpoint is not null && report.Checkpoint != trial.Checkpoint) await ClearCheckpointAsync(report.Checkpoint);
            return false;
        }

        trial.Worker = null;
        trial.Silo = report.Silo;
        if (report.Error is not null || report.Result is null)
        {
            trial.Status = TrialStatus.Failed;
            trial.Message = report.Error ?? "The worker reported no result.";
            LogTrialFailed(Sweep.Name, trial.Id, trial.Message);
        }
        else
        {
            trial.Epochs.AddRange(report.Epochs);
            if (trial.Checkpoint is not null) await ClearCheckpointAsync(trial.Checkpoint);
            trial.Checkpoint = report.Checkpoint;
            trial.Result = report.Result;
            var halving = Sweep.Definition!.Halving;
            bool final = halving is null || report.Result.Diverged || report.Result.StoppedEarly
                || halving.EpochsAfterRung(trial.Rung, trial.Spec.Epochs) >= trial.Spec.Epochs;
            trial.Status = final ? TrialStatus.Completed : TrialStatus.Paused;
            if (report.Result.Diverged) trial.Message = "Training diverged (a NaN or infinite loss).";
            else if (report.Result.StoppedEarly) trial.Message = "Stopped by its early stopping.";
        }
        AdvanceRung();
        if (Sweep.Trials.All(t => t.IsFinished)) await CompleteAsync();
        return true;
    }

    /// <summary>Successive halving: when no trial of the rung trains any more, the best continue and the rest are pruned.</summary>
    private void AdvanceRung()
    {
        var halving = Sweep.Definition!.Halving;
        if (halving is null || Sweep.Trials.Any(t => t.Status is TrialStatus.Pending or TrialStatus.Running)) return;
        var paused = Sweep.Trials.Where(t => t.Status == TrialStatus.Paused).ToList();
        if (paused.Count == 0) return;
        bool maximize = Sweep.Definition.Maximize;
        var ranked = paused
            .OrderBy(t => double.IsNaN(t.Result!.Objective) ? 1 : 0)
            .ThenBy(t => maximize ? -t.Result!.Objective : t.Result!.Objective)
            .ThenBy(t => t.Id)
            .ToList();
        int survivors = halving.Survivors(ranked.Count);
        for (int i = 0; i < ranked.Count; i++)
        {
            var trial = ranked[i];
            if (i < survivors)
            {
                trial.Status = TrialStatus.Pending;
                trial.Rung++;
                trial.Attempts = 0;
            }
            else
            {
                trial.Status = TrialStatus.Pruned;
                trial.Message = $"Stopped by successive halving after {trial.Epochs.Count} epochs (rung {trial.Rung + 1}).";
            }
        }
        Sweep.Rung++;
        LogRung(Sweep.Name, Sweep.Rung, survivors, ranked.Count);
    }

    private async Task CompleteAsync()
    {
        StopMonitor();
        if (!Sweep.Definition!.KeepAllCheckpoints)
        {
            var best = Sweep.Best;
            foreach (var trial in Sweep.Trials.Where(t => t != best && t.Checkpoint is not null))
            {
                await ClearCheckpointAsync(trial.Checkpoint!);
                trial.Checkpoint = null;
            }
        }
        // Set last: a status read that interleaves with the clearing above must not see a finished sweep yet.
        Sweep.State = SweepState.Completed;
        Sweep.FinishedAt = DateTime.UtcNow;
        LogCompleted(Sweep.Name, Sweep.Best?.Id ?? -1);
    }

    // ------------------------------------------------------------------ dispatching and monitoring

    /// <summary>Starts pending trials on free worker slots, spreading them over the silos with the fewest running trials.</summary>
    private async Task DispatchAsync()
    {
        if (Sweep.State != SweepState.Running) return;
        var now = DateTime.UtcNow;
        var silos = ActiveSilos().Where(s => !_suspects.TryGetValue(s.SiloAddress, out var until) || until < now).ToList();
        var pending = new Queue<TrialInfo>(Sweep.Trials.Where(t => t.Status == TrialStatus.Pending).OrderBy(t => t.Id));
        if (silos.Count == 0 || pending.Count == 0) return;

        var busy = Sweep.Trials.Where(t => t.Status == TrialStatus.Running && t.Worker is not null).Select(t => t.Worker!).ToHashSet(StringComparer.Ordinal);
        var starts = new List<(TrialInfo Trial, TrialAssignment Assignment)>();
        while (pending.Count > 0)
        {
            var slot = silos
                .SelectMany(s => Enumerable.Range(0, _settings.TrialsPerSilo).Select(i => (Silo: s, Key: SiloPinnedPlacement.Key(s.SiloAddress, "trials/" + i))))
                .Where(x => !busy.Contains(x.Key))
                .OrderBy(x => busy.Count(k => k.StartsWith(x.Silo.SiloAddress.ToParsableString() + "/", StringComparison.Ordinal)))
                .ThenBy(x => x.Key, StringComparer.Ordinal)
                .Select(x => (x.Silo, x.Key))
                .FirstOrDefault();
            if (slot.Key is null) break;
            var trial = pending.Dequeue();
            busy.Add(slot.Key);
            trial.Status = TrialStatus.Running;
            trial.Dispatch = ++Sweep.Dispatches;
            trial.Attempts++;
            trial.Silo = slot.Silo.Name;
            trial.SiloAddress = slot.Silo.SiloAddress.ToParsableString();
            trial.Worker = slot.Key;
            int start = trial.Epochs.Count;
            var halving = Sweep.Definition!.Halving;
            starts.Add((trial, new TrialAssignment
            {
                Sweep = Sweep.Name, TrialId = trial.Id, Dispatch = trial.Dispatch, Spec = trial.Spec, Data = Sweep.Definition.Data,
                StartEpoch = start,
                EndEpoch = halving is null ? trial.Spec.Epochs : Math.Max(start + 1, halving.EpochsAfterRung(trial.Rung, trial.Spec.Epochs)),
                ResumeFrom = start > 0 ? trial.Checkpoint : null,
                Objective = Sweep.Definition.Objective,
                PreviousEpochs = trial.Epochs.ToArray(),
            }));
        }
        if (starts.Count == 0) return;
        // Stored before any worker hears of it: a coordinator that dies now reruns these starts, it never loses them.
        await SaveAsync();
        bool changed = false;
        foreach (var (trial, assignment) in starts)
        {
            try
            {
                await GrainFactory.GetGrain<ITrialWorkerGrain>(trial.Worker!).StartAsync(assignment);
            }
            catch (Exception error)
            {
                Suspect(trial.SiloAddress!);
                changed |= Requeue(trial, $"could not start on silo {trial.Silo}: {error.Message}");
            }
        }
        if (changed) await SaveAsync();
    }

    private async Task MonitorAsync(CancellationToken cancellationToken)
    {
        if (Sweep.State != SweepState.Running)
        {
            StopMonitor();
            return;
        }
        var active = ActiveSilos().Select(s => s.SiloAddress.ToParsableString()).ToHashSet(StringComparer.Ordinal);
        bool changed = false;
        foreach (var trial in Sweep.Trials.Where(t => t.Status == TrialStatus.Running).ToList())
        {
            if (trial.Status != TrialStatus.Running) continue;
            if (trial.SiloAddress is null || !active.Contains(trial.SiloAddress))
            {
                changed |= Requeue(trial, $"silo {trial.Silo} left the cluster");
                continue;
            }
            try
            {
                var poll = await GrainFactory.GetGrain<ITrialWorkerGrain>(trial.Worker!).PollAsync(Sweep.Name, trial.Id, trial.Dispatch);
                if (!poll.Known) changed |= Requeue(trial, $"its worker on silo {trial.Silo} no longer knows it");
                else if (poll.Report is not null) changed |= await AcceptAsync(poll.Report);
            }
            catch (Exception error)
            {
                Suspect(trial.SiloAddress);
                changed |= Requeue(trial, $"its worker on silo {trial.Silo} did not answer ({error.GetType().Name})");
            }
        }
        if (changed)
        {
            AdvanceRung();
            if (Sweep.State == SweepState.Running && Sweep.Trials.All(t => t.IsFinished)) await CompleteAsync();
            await SaveAsync();
        }
        await DispatchAsync();
    }

    /// <summary>Puts a running trial back in the queue (its start is lost), or fails it after its last attempt.</summary>
    private bool Requeue(TrialInfo trial, string reason)
    {
        if (trial.Status != TrialStatus.Running) return false;
        trial.Worker = null;
        if (trial.Attempts >= Sweep.Definition!.MaxAttempts)
        {
            trial.Status = TrialStatus.Failed;
            trial.Message = $"Gave up after {trial.Attempts} starts; the last {reason}.";
        }
        else
        {
            trial.Status = TrialStatus.Pending;
            trial.Message = $"Rerun: {reason}.";
        }
        LogRequeued(Sweep.Name, trial.Id, reason);
        return true;
    }

    private void Suspect(string siloAddress) => _suspects[SiloAddress.FromParsableString(siloAddress)] = DateTime.UtcNow + SuspectFor;

    private IEnumerable<ClusterMember> ActiveSilos() =>
        _membership.CurrentSnapshot.Members.Values.Where(m => m.Status == SiloStatus.Active).OrderBy(m => m.SiloAddress.ToParsableString(), StringComparer.Ordinal);

    private void StartMonitor() => _monitor ??= this.RegisterGrainTimer(MonitorAsync,
        new GrainTimerCreationOptions(_settings.MonitorPeriod, _settings.MonitorPeriod) { KeepAlive = true });

    private void StopMonitor()
    {
        _monitor?.Dispose();
        _monitor = null;
    }

    // ------------------------------------------------------------------ helpers

    private async Task SaveAsync()
    {
        Sweep.Version++;
        await _state.WriteStateAsync();
        var changed = _changed;
        _changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        changed.TrySetResult();
    }

    private async Task ClearCheckpointAsync(string key)
    {
        try
        {
            await GrainFactory.GetGrain<ICheckpointGrain>(key).ClearAsync();
        }
        catch (Exception error)
        {
            LogClearFailed(error, key);
        }
    }

    private TrialInfo TrialOrThrow(int trialId) =>
        trialId >= 0 && trialId < Sweep.Trials.Count
            ? Sweep.Trials[trialId]
            : throw new ArgumentOutOfRangeException(nameof(trialId), trialId, $"Sweep '{Sweep.Name}' has {Sweep.Trials.Count} trials.");

    private static bool SameDefinition(SweepDefinition a, SweepDefinition b) =>
        a with { Trials = [] } == b with { Trials = [] } && a.Trials.SequenceEqual(b.Trials);

    [LoggerMessage(Level = LogLevel.Information, Message = "Sweep {Sweep} started with {Trials} trials")]
    private partial void LogStarted(string sweep, int trials);

    [LoggerMessage(Level = LogLevel.Information, Message = "Sweep {Sweep}: ignored a report of trial {Trial} (dispatch {Dispatch}, silo {Silo}): not its current start")]
    private partial void LogStale(string sweep, int trial, long dispatch, string silo);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Sweep {Sweep}: trial {Trial} failed: {Message}")]
    private partial void LogTrialFailed(string sweep, int trial, string message);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Sweep {Sweep}: trial {Trial} requeued: {Reason}")]
    private partial void LogRequeued(string sweep, int trial, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Sweep {Sweep}: rung {Rung}, {Survivors} of {Candidates} trials continue")]
    private partial void LogRung(string sweep, int rung, int survivors, int candidates);

    [LoggerMessage(Level = LogLevel.Information, Message = "Sweep {Sweep} completed; best trial {Best}")]
    private partial void LogCompleted(string sweep, int best);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not clear checkpoint {Key}")]
    private partial void LogClearFailed(Exception error, string key);
}
