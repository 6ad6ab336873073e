namespace CompiledNets.Cluster;

/// <summary>Where a trial is in its life.</summary>
[GenerateSerializer]
public enum TrialStatus
{
    /// <summary>Waiting for a free slot on a silo.</summary>
    Pending,

    /// <summary>Training on a silo.</summary>
    Running,

    /// <summary>Successive halving: finished its rung, waiting for the other trials of the rung.</summary>
    Paused,

    /// <summary>Trained all its epochs (or stopped by its own early stopping, or diverged): it has a result.</summary>
    Completed,

    /// <summary>Successive halving stopped it after a rung: its result holds the epochs it trained.</summary>
    Pruned,

    /// <summary>Training threw (for example an unknown network or a batch size the network does not accept), or every attempt lost its silo.</summary>
    Failed,
}

/// <summary>A trial as the sweep records it: its spec, where it runs or ran, and its epochs so far.</summary>
[GenerateSerializer, Alias("CompiledNets.TrialInfo")]
public sealed class TrialInfo
{
    /// <summary>The trial's index in <see cref="SweepDefinition.Trials"/>.</summary>
    [Id(0)] public int Id { get; set; }

    /// <summary>The hyper-parameters.</summary>
    [Id(1)] public TrialSpec Spec { get; set; } = new();

    /// <summary>The trial's state.</summary>
    [Id(2)] public TrialStatus Status { get; set; }

    /// <summary>The name of the silo that trains it now, or trained its last epochs.</summary>
    [Id(3)] public string? Silo { get; set; }

    /// <summary>Starts so far; a start lost with its silo is retried elsewhere, up to <see cref="SweepDefinition.MaxAttempts"/>.</summary>
    [Id(4)] public int Attempts { get; set; }

    /// <summary>Successive halving: the rung the trial is in.</summary>
    [Id(5)] public int Rung { get; set; }

    /// <summary>The epochs trained and accepted so far (one record per epoch, numbered from 1).</summary>
    [Id(6)] public List<EpochRecord> Epochs { get; set; } = new();

    /// <summary>The final metrics, once <see cref="Status"/> is Completed or Pruned.</summary>
    [Id(7)] public TrialResult? Result { get; set; }

    /// <summary>Why the trial failed, or why it stopped early.</summary>
    [Id(8)] public string? Message { get; set; }

    /// <summary>Identifies the current start, so a report from an earlier start (a silo presumed lost) is ignored.</summary>
    [Id(9)] public long Dispatch { get; set; }

    /// <summary>The silo address of the current start (for lost-silo detection).</summary>
    [Id(10)] public string? SiloAddress { get; set; }

    /// <summary>The worker slot of the current start.</summary>
    [Id(11)] public string? Worker { get; set; }

    /// <summary>The key of the checkpoint of the epochs accepted so far.</summary>
    [Id(12)] public string? Checkpoint { get; set; }

    /// <summary>True when the trial has reached an end (completed, pruned or failed).</summary>
    public bool IsFinished => Status is TrialStatus.Completed or TrialStatus.Pruned or TrialStatus.Failed;

    /// <summary>The trial's history as the runtime's type.</summary>
    public History ToHistory()
    {
        var history = new History();
        foreach (var epoch in Epochs) history.Add(epoch.ToMetrics());
        return history;
    }
}

/// <summary>A finished trial's final metrics (last epoch, and the test set when the data source has one).</summary>
[GenerateSerializer, Alias("CompiledNets.TrialResult")]
public sealed record TrialResult
{
    /// <summary>Training loss of the last epoch.</summary>
    [Id(0)] public float Loss { get; init; } = float.NaN;

    /// <summary>Training accuracy of the last epoch.</summary>
    [Id(1)] public float Accuracy { get; init; } = float.NaN;

    /// <summary>Validation loss of the last epoch.</summary>
    [Id(2)] public float ValidationLoss { get; init; } = float.NaN;

    /// <summary>Validation accuracy of the last epoch.</summary>
    [Id(3)] public float ValidationAccuracy { get; init; } = float.NaN;

    /// <summary>Loss on the data source's test set (NaN without one).</summary>
    [Id(4)] public float TestLoss { get; init; } = float.NaN;

    /// <summary>Accuracy on the data source's test set (NaN without one).</summary>
    [Id(5)] public float TestAccuracy { get; init; } = float.NaN;

    /// <summary>Wall time of all the trial's epochs, validation included.</summary>
    [Id(6)] public double Seconds { get; init; }

    /// <summary>The sweep's objective for this trial (NaN when the metric was not computed or training diverged).</summary>
    [Id(7)] public double Objective { get; init; } = double.NaN;

    /// <summary>True when training stopped on a NaN or infinite loss.</summary>
    [Id(8)] public bool Diverged { get; init; }

    /// <summary>True when the trial's own early stopping ended it before its epochs.</summary>
    [Id(9)] public bool StoppedEarly { get; init; }
}
