namespace CompiledNets.Cluster;

/// <summary>
/// One trial of a sweep: a registered network and the hyper-parameters it is trained with. Every field has a default,
/// so <c>new TrialSpec { Model = "small", LearningRate = 3e-3f }</c> is a complete trial.
/// </summary>
[GenerateSerializer, Alias("CompiledNets.TrialSpec")]
public sealed record TrialSpec
{
    /// <summary>The network's name, as registered with <c>AddCompiledNets(n => n.Add&lt;T&gt;(name))</c>.</summary>
    [Id(0)] public string Model { get; init; } = "";

    /// <summary>The optimizer's learning rate; null keeps the one the network declares.</summary>
    [Id(1)] public float? LearningRate { get; init; }

    /// <summary>Samples per optimizer step.</summary>
    [Id(2)] public int BatchSize { get; init; } = 32;

    /// <summary>Passes over the training data (with successive halving: the most a trial that is never stopped gets).</summary>
    [Id(3)] public int Epochs { get; init; } = 1;

    /// <summary>Seed of the weight initialisation and of the shuffling.</summary>
    [Id(4)] public int Seed { get; init; } = 1;

    /// <summary>Reshuffle the training samples every epoch (<c>Fit</c>'s <c>shuffle</c>).</summary>
    [Id(5)] public bool Shuffle { get; init; } = true;

    /// <summary>Clip the gradients to this global L2 norm every step (<c>Fit</c>'s <c>clipNorm</c>); null for none.</summary>
    [Id(6)] public float? ClipNorm { get; init; }

    /// <summary>When the data source has no validation set: the fraction of the training set held out (<c>Fit</c>'s <c>validationSplit</c>).</summary>
    [Id(7)] public double ValidationSplit { get; init; }

    /// <summary>Stop the trial when a metric stops improving (<see cref="CompiledNets.EarlyStopping"/>); null for none.</summary>
    [Id(8)] public EarlyStoppingSpec? EarlyStopping { get; init; }

    /// <summary>Lower the learning rate when a metric plateaus (<see cref="CompiledNets.ReduceLROnPlateau"/>); null for none.</summary>
    [Id(9)] public ReduceOnPlateauSpec? ReduceLearningRateOnPlateau { get; init; }

    /// <summary>A per-epoch learning-rate schedule (<see cref="LearningRateScheduler"/>); null for none.</summary>
    [Id(10)] public ScheduleSpec? Schedule { get; init; }

    /// <summary>A short description for tables and logs: the model and every hyper-parameter that is set.</summary>
    public override string ToString()
    {
        var parts = new List<string> { Model };
        parts.Add(LearningRate is float lr ? FormattableString.Invariant($"lr={lr:G4}") : "lr=default");
        parts.Add(FormattableString.Invariant($"batch={BatchSize}"));
        parts.Add(FormattableString.Invariant($"epochs={Epochs}"));
        parts.Add(FormattableString.Invariant($"seed={Seed}"));
        if (!Shuffle) parts.Add("no-shuffle");
        if (ClipNorm is float clip) parts.Add(FormattableString.Invariant($"clip={clip:G4}"));
        if (ValidationSplit > 0) parts.Add(FormattableString.Invariant($"val-split={ValidationSplit:G3}"));
        if (EarlyStopping is not null) parts.Add(EarlyStopping.ToString());
        if (ReduceLearningRateOnPlateau is not null) parts.Add(ReduceLearningRateOnPlateau.ToString());
        if (Schedule is not null) parts.Add(Schedule.ToString());
        return string.Join(' ', parts);
    }

    /// <summary>Checks the values that do not depend on the silo (names are checked where the networks are registered).</summary>
    internal void Validate(int index)
    {
        string where = $"Trial {index} ({Model})";
        if (string.IsNullOrWhiteSpace(Model)) throw new ArgumentException($"Trial {index} names no model.");
        if (LearningRate is float lr && !(lr > 0 && float.IsFinite(lr))) throw new ArgumentException($"{where}: the learning rate must be positive and finite, not {lr}.");
        if (BatchSize < 1) throw new ArgumentException($"{where}: the batch size must be at least 1, not {BatchSize}.");
        if (Epochs < 1) throw new ArgumentException($"{where}: the epochs must be at least 1, not {Epochs}.");
        if (ClipNorm is float clip && !(clip > 0 && float.IsFinite(clip))) throw new ArgumentException($"{where}: the clipping norm must be positive and finite, not {clip}.");
        if (!(ValidationSplit >= 0 && ValidationSplit < 1)) throw new ArgumentException($"{where}: the validation split must be in [0, 1), not {ValidationSplit}.");
    }
}

/// <summary>Settings of <see cref="CompiledNets.EarlyStopping"/> for a trial.</summary>
[GenerateSerializer, Alias("CompiledNets.EarlyStoppingSpec")]
public sealed record EarlyStoppingSpec
{
    /// <summary>The metric watched: loss, accuracy, val_loss or val_accuracy.</summary>
    [Id(0)] public string Monitor { get; init; } = "val_loss";

    /// <summary>Epochs without improvement before the trial stops.</summary>
    [Id(1)] public int Patience { get; init; }

    /// <summary>Smallest change that counts as an improvement.</summary>
    [Id(2)] public float MinDelta { get; init; }

    /// <summary>Restore the best epoch's weights when the trial stops.</summary>
    [Id(3)] public bool RestoreBestWeights { get; init; }

    internal Callback Create() => new EarlyStopping(Monitor, MinDelta, Patience, restoreBestWeights: RestoreBestWeights);

    /// <inheritdoc/>
    public override string ToString() => FormattableString.Invariant($"early-stop({Monitor}, patience={Patience})");
}

/// <summary>Settings of <see cref="CompiledNets.ReduceLROnPlateau"/> for a trial.</summary>
[GenerateSerializer, Alias("CompiledNets.ReduceOnPlateauSpec")]
public sealed record ReduceOnPlateauSpec
{
    /// <summary>The metric watched.</summary>
    [Id(0)] public string Monitor { get; init; } = "val_loss";

    /// <summary>The factor the learning rate is multiplied by.</summary>
    [Id(1)] public float Factor { get; init; } = 0.1f;

    /// <summary>Epochs without improvement before the rate drops.</summary>
    [Id(2)] public int Patience { get; init; } = 10;

    /// <summary>The lowest learning rate.</summary>
    [Id(3)] public float MinLearningRate { get; init; }

    internal Callback Create() => new ReduceLROnPlateau(Monitor, Factor, Patience, minLearningRate: MinLearningRate);

    /// <inheritdoc/>
    public override string ToString() => FormattableString.Invariant($"reduce-lr({Monitor}, x{Factor:G3}, patience={Patience})");
}

/// <summary>The shape of a per-epoch learning-rate schedule.</summary>
[GenerateSerializer]
public enum ScheduleKind
{
    /// <summary>Multiply by <see cref="ScheduleSpec.Factor"/> every <see cref="ScheduleSpec.Every"/> epochs.</summary>
    StepDecay,

    /// <summary>Multiply by <see cref="ScheduleSpec.Factor"/> every epoch.</summary>
    Exponential,

    /// <summary>Cosine from the trial's learning rate down to <see cref="ScheduleSpec.Factor"/> times it over the trial's epochs.</summary>
    Cosine,
}

/// <summary>A learning-rate schedule for a trial, starting from the trial's learning rate.</summary>
[GenerateSerializer, Alias("CompiledNets.ScheduleSpec")]
public sealed record ScheduleSpec
{
    /// <summary>The schedule's shape.</summary>
    [Id(0)] public ScheduleKind Kind { get; init; } = ScheduleKind.Cosine;

    /// <summary>Step and exponential: the multiplier; cosine: the final rate as a fraction of the first.</summary>
    [Id(1)] public float Factor { get; init; } = 0.1f;

    /// <summary>Step decay: epochs between drops.</summary>
    [Id(2)] public int Every { get; init; } = 1;

    internal LearningRateScheduler Create(float initial, int totalEpochs) => Kind switch
    {
        ScheduleKind.StepDecay => LearningRateScheduler.StepDecay(initial, Every, Factor),
        ScheduleKind.Exponential => LearningRateScheduler.Exponential(initial, Factor),
        _ => LearningRateScheduler.Cosine(initial, totalEpochs, initial * Factor),
    };

    /// <inheritdoc/>
    public override string ToString() => FormattableString.Invariant($"{Kind.ToString().ToLowerInvariant()}({Factor:G3})");
}
