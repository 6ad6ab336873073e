namespace CompiledNets.Cluster;

/// <summary>Where a sweep is.</summary>
[GenerateSerializer]
public enum SweepState
{
    /// <summary>Never started.</summary>
    NotStarted,

    /// <summary>Trials are being trained.</summary>
    Running,

    /// <summary>Every trial has finished.</summary>
    Completed,

    /// <summary>Cancelled by a client; finished trials keep their results.</summary>
    Cancelled,
}

/// <summary>A snapshot of a sweep: what a client (including one that reconnects) reads from the coordinator.</summary>
[GenerateSerializer, Alias("CompiledNets.SweepStatus")]
public sealed class SweepStatus
{
    /// <summary>The sweep's name (its coordinator grain's key).</summary>
    [Id(0)] public string Name { get; set; } = "";

    /// <summary>Where the sweep is.</summary>
    [Id(1)] public SweepState State { get; set; }

    /// <summary>What it trains.</summary>
    [Id(2)] public SweepDefinition? Definition { get; set; }

    /// <summary>Every trial, by id.</summary>
    [Id(3)] public List<TrialInfo> Trials { get; set; } = new();

    /// <summary>Grows with every change; <c>WaitForChangeAsync</c> returns when it passes a known value.</summary>
    [Id(4)] public long Version { get; set; }

    /// <summary>When the sweep started (UTC).</summary>
    [Id(5)] public DateTime? StartedAt { get; set; }

    /// <summary>When the last trial finished (UTC).</summary>
    [Id(6)] public DateTime? FinishedAt { get; set; }

    /// <summary>Successive halving: the rung being trained.</summary>
    [Id(7)] public int Rung { get; set; }

    /// <summary>Starts issued so far (each start of a trial gets the next number as its dispatch id).</summary>
    [Id(8)] public long Dispatches { get; set; }

    /// <summary>True once the sweep has nothing left to train.</summary>
    public bool IsFinished => State is SweepState.Completed or SweepState.Cancelled;

    /// <summary>Finished trials with results, best first by the objective (NaN last).</summary>
    public IReadOnlyList<TrialInfo> Leaderboard
    {
        get
        {
            bool maximize = Definition?.Maximize ?? true;
            return Trials.Where(t => t.Result is not null)
                .OrderBy(t => double.IsNaN(t.Result!.Objective) ? 1 : 0)
                .ThenBy(t => maximize ? -t.Result!.Objective : t.Result!.Objective)
                .ThenBy(t => t.Id)
                .ToArray();
        }
    }

    /// <summary>The best trial that trained to the end (not pruned), or null when none has.</summary>
    public TrialInfo? Best => Leaderboard.FirstOrDefault(t => t.Status == TrialStatus.Completed && !double.IsNaN(t.Result!.Objective))
        ?? Leaderboard.FirstOrDefault(t => t.Status == TrialStatus.Completed);
}
