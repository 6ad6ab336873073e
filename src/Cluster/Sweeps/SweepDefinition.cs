namespace CompiledNets.Cluster;

/// <summary>
/// What a sweep trains: its trials (from <see cref="SearchSpace"/> or written out), the data source they train on, the
/// metric that ranks them, and optionally successive halving to stop bad trials early.
/// </summary>
[GenerateSerializer, Alias("CompiledNets.SweepDefinition")]
public sealed record SweepDefinition
{
    /// <summary>The data source every trial trains on, by its registered name.</summary>
    [Id(0)] public string Data { get; init; } = "";

    /// <summary>The trials, in order; their index is their id.</summary>
    [Id(1)] public TrialSpec[] Trials { get; init; } = [];

    /// <summary>
    /// The metric that ranks trials, from the last epoch: <c>val_accuracy</c> (the default), <c>val_loss</c>,
    /// <c>accuracy</c> or <c>loss</c>. Accuracies are maximised, losses minimised.
    /// </summary>
    [Id(2)] public string Objective { get; init; } = "val_accuracy";

    /// <summary>Successive halving: train every trial a few epochs, continue only the best; null trains every trial fully.</summary>
    [Id(3)] public SuccessiveHalving? Halving { get; init; }

    /// <summary>Keep every trial's checkpoint (ensembles need them all); by default only the best trial's is kept.</summary>
    [Id(4)] public bool KeepAllCheckpoints { get; init; }

    /// <summary>How many times a trial is started before the sweep gives up on it (a start is lost with its silo).</summary>
    [Id(5)] public int MaxAttempts { get; init; } = 3;

    /// <summary>True when a higher <see cref="Objective"/> is better.</summary>
    public bool Maximize => Objective.Contains("accuracy", StringComparison.Ordinal);

    internal static readonly string[] Objectives = ["val_accuracy", "val_loss", "accuracy", "loss"];

    /// <summary>Checks everything that does not depend on the silo.</summary>
    /// <exception cref="ArgumentException">A value is out of range; the message names it.</exception>
    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(Data)) throw new ArgumentException("The sweep names no data source (SweepDefinition.Data).");
        if (Trials is null || Trials.Length == 0) throw new ArgumentException("The sweep has no trials.");
        for (int i = 0; i < Trials.Length; i++)
        {
            if (Trials[i] is null) throw new ArgumentException($"Trial {i} is null.");
            Trials[i].Validate(i);
        }
        if (!Objectives.Contains(Objective))
            throw new ArgumentException($"Unknown objective '{Objective}'; expected one of {string.Join(", ", Objectives)}.");
        if (MaxAttempts < 1) throw new ArgumentException($"MaxAttempts must be at least 1, not {MaxAttempts}.");
        Halving?.Validate();
    }
}

/// <summary>
/// Successive halving (Jamieson and Talwalkar, 2016): every trial trains <see cref="MinEpochs"/> epochs; the best
/// 1/<see cref="ReductionFactor"/> of them continue, from their checkpoints, to <see cref="ReductionFactor"/> times
/// as many epochs; and so on until a trial's <see cref="TrialSpec.Epochs"/>. The others stop there (pruned).
/// </summary>
[GenerateSerializer, Alias("CompiledNets.SuccessiveHalving")]
public sealed record SuccessiveHalving
{
    /// <summary>Epochs every trial gets in the first rung.</summary>
    [Id(0)] public int MinEpochs { get; init; } = 1;

    /// <summary>The fraction kept per rung is one over this; the budget grows by it.</summary>
    [Id(1)] public int ReductionFactor { get; init; } = 3;

    /// <summary>Total epochs a trial has trained when rung <paramref name="rung"/> ends (capped by its own epochs).</summary>
    public int EpochsAfterRung(int rung, int trialEpochs)
    {
        double budget = MinEpochs * Math.Pow(ReductionFactor, rung);
        return budget >= trialEpochs ? trialEpochs : (int)budget;
    }

    /// <summary>How many of <paramref name="candidates"/> trials continue past a rung (at least one).</summary>
    public int Survivors(int candidates) => Math.Max(1, candidates / ReductionFactor);

    internal void Validate()
    {
        if (MinEpochs < 1) throw new ArgumentException($"Successive halving needs MinEpochs >= 1, not {MinEpochs}.");
        if (ReductionFactor < 2) throw new ArgumentException($"Successive halving needs ReductionFactor >= 2, not {ReductionFactor}.");
    }
}
