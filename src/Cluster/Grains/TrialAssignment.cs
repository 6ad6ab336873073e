namespace CompiledNets.Cluster;

/// <summary>One start of a trial on a worker: train epochs [<see cref="StartEpoch"/>, <see cref="EndEpoch"/>).</summary>
[GenerateSerializer, Alias("CompiledNets.TrialAssignment")]
public sealed record TrialAssignment
{
    /// <summary>The sweep's name.</summary>
    [Id(0)] public string Sweep { get; init; } = "";

    /// <summary>The trial's id.</summary>
    [Id(1)] public int TrialId { get; init; }

    /// <summary>Identifies this start (see <see cref="TrialInfo.Dispatch"/>).</summary>
    [Id(2)] public long Dispatch { get; init; }

    /// <summary>The hyper-parameters.</summary>
    [Id(3)] public TrialSpec Spec { get; init; } = new();

    /// <summary>The data source.</summary>
    [Id(4)] public string Data { get; init; } = "";

    /// <summary>Epochs already trained (0 for a fresh start).</summary>
    [Id(5)] public int StartEpoch { get; init; }

    /// <summary>Total epochs trained when this start ends.</summary>
    [Id(6)] public int EndEpoch { get; init; }

    /// <summary>The checkpoint to continue from when <see cref="StartEpoch"/> is above 0.</summary>
    [Id(7)] public string? ResumeFrom { get; init; }

    /// <summary>The metric that ranks trials.</summary>
    [Id(8)] public string Objective { get; init; } = "val_accuracy";

    /// <summary>The epochs the trial trained before this start (for the result's totals).</summary>
    [Id(9)] public EpochRecord[] PreviousEpochs { get; init; } = [];

    /// <summary>The key the worker stores this start's checkpoint under.</summary>
    public string CheckpointKey => FormattableString.Invariant($"{Sweep}/{TrialId}/{Dispatch}");
}

/// <summary>What a worker reports when a start ends.</summary>
[GenerateSerializer, Alias("CompiledNets.TrialReport")]
public sealed record TrialReport
{
    /// <summary>The sweep's name.</summary>
    [Id(0)] public string Sweep { get; init; } = "";

    /// <summary>The trial's id.</summary>
    [Id(1)] public int TrialId { get; init; }

    /// <summary>The start this reports on.</summary>
    [Id(2)] public long Dispatch { get; init; }

    /// <summary>The name of the silo that trained it.</summary>
    [Id(3)] public string Silo { get; init; } = "";

    /// <summary>The epochs trained in this start, numbered from the trial's first epoch.</summary>
    [Id(4)] public EpochRecord[] Epochs { get; init; } = [];

    /// <summary>The metrics after this start; null when it failed.</summary>
    [Id(5)] public TrialResult? Result { get; init; }

    /// <summary>The checkpoint written at the end of this start; null when it failed.</summary>
    [Id(6)] public string? Checkpoint { get; init; }

    /// <summary>Why training threw; null when it did not.</summary>
    [Id(7)] public string? Error { get; init; }
}
