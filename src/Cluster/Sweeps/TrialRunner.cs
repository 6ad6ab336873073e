namespace CompiledNets.Cluster;

/// <summary>
/// Trains one start of a trial where it runs: builds the network, restores the checkpoint it continues from, runs
/// <c>Fit</c> with the trial's options, evaluates the test set and writes the new checkpoint. No Orleans here.
/// </summary>
public static class TrialRunner
{
    /// <summary>What one start produced.</summary>
    public sealed record Outcome(EpochRecord[] Epochs, TrialResult Result, byte[] Checkpoint);

    /// <summary>
    /// Trains epochs [<see cref="TrialAssignment.StartEpoch"/>, <see cref="TrialAssignment.EndEpoch"/>) of the trial.
    /// </summary>
    /// <param name="networks">The silo's networks.</param>
    /// <param name="data">The trial's data source, loaded.</param>
    /// <param name="assignment">What to train.</param>
    /// <param name="resume">The checkpoint the start continues from (required when it does not start at epoch 0).</param>
    /// <param name="previousEpochs">The epochs trained before this start, for the result's totals.</param>
    /// <param name="cancellationToken">Stops after the current batch.</param>
    public static Outcome Run(NetworkCatalog networks, TrainingData data, TrialAssignment assignment, byte[]? resume,
        IReadOnlyList<EpochRecord> previousEpochs, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(networks);
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(assignment);
        var spec = assignment.Spec;
        var network = networks.Create(spec.Model, spec.Seed);
        float initialRate = spec.LearningRate ?? network.LearningRate;
        if (assignment.StartEpoch > 0)
        {
            if (resume is null) throw new InvalidOperationException($"Trial {assignment.TrialId} continues at epoch {assignment.StartEpoch + 1} but its checkpoint is missing.");
            using var stream = new MemoryStream(resume, writable: false);
            network.Load(stream);
        }
        else if (spec.LearningRate is float rate)
        {
            network.LearningRate = rate;
        }

        var callbacks = new List<Callback>();
        if (spec.Schedule is not null)
            callbacks.Add(new OffsetSchedule(spec.Schedule.Create(initialRate, spec.Epochs), assignment.StartEpoch));
        if (spec.EarlyStopping is not null) callbacks.Add(spec.EarlyStopping.Create());
        if (spec.ReduceLearningRateOnPlateau is not null) callbacks.Add(spec.ReduceLearningRateOnPlateau.Create());

        int epochs = assignment.EndEpoch - assignment.StartEpoch;
        // A continued trial must not replay the shuffles of its first epochs: its seed moves with the epoch.
        int seed = unchecked(spec.Seed + assignment.StartEpoch * 7919);
        var validation = data.Validation;
        var train = data.Train;
        if (validation is null && spec.ValidationSplit > 0)
            (train, validation) = train.Split(spec.ValidationSplit, spec.Seed);

        var history = network.Fit(train, epochs, spec.BatchSize, validation, callbacks: callbacks, verbose: 0, seed: seed,
            shuffle: spec.Shuffle, cancellationToken: cancellationToken, clipNorm: spec.ClipNorm);

        var records = history.Epochs.Select(e => EpochRecord.From(e, assignment.StartEpoch)).ToArray();
        var all = previousEpochs.Concat(records).ToArray();
        var last = all.Length > 0 ? all[^1] : null;
        var test = data.Test is null || history.Diverged ? null : network.Evaluate(data.Test);
        double objective = last is null || history.Diverged ? double.NaN : last[assignment.Objective];
        var result = new TrialResult
        {
            Loss = last?.Loss ?? float.NaN,
            Accuracy = last?.Accuracy ?? float.NaN,
            ValidationLoss = last?.ValidationLoss ?? float.NaN,
            ValidationAccuracy = last?.ValidationAccuracy ?? float.NaN,
            TestLoss = test?.Loss ?? float.NaN,
            TestAccuracy = test?.Accuracy ?? float.NaN,
            Seconds = all.Sum(e => e.Seconds),
            Objective = objective,
            Diverged = history.Diverged,
            StoppedEarly = history.StoppedEarly && !history.Diverged,
        };
        using var checkpoint = new MemoryStream();
        network.Save(checkpoint);
        return new Outcome(records, result, checkpoint.ToArray());
    }

    /// <summary>A schedule that counts epochs from the trial's first, not from the start of this <c>Fit</c> call.</summary>
    private sealed class OffsetSchedule(LearningRateScheduler schedule, int offset) : Callback
    {
        public override void OnEpochBegin(TrainingContext context, int epoch) =>
            context.Network.LearningRate = schedule.LearningRateAt(epoch + offset, context.Network.LearningRate);
    }
}
