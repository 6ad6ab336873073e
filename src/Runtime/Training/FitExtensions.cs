using System.Diagnostics;

namespace CompiledNets;

/// <summary>Keras-style minibatch training for any <see cref="INetwork"/>.</summary>
public static class FitExtensions
{
    /// <summary>
    /// Trains for <paramref name="epochs"/> passes over <paramref name="train"/> in shuffled minibatches and
    /// returns the per-epoch history.
    /// </summary>
    /// <remarks>
    /// <para>
    /// <b>Divergence.</b> A batch whose loss is NaN or infinite ends training as Keras' <c>TerminateOnNaN</c> does: the
    /// batch is passed to every callback's <see cref="Callback.OnBatchEnd"/>, the epoch ends there, and <c>Fit</c>
    /// <i>returns</i> (it does not throw) a <see cref="History"/> with <see cref="History.Diverged"/> and
    /// <see cref="History.StoppedEarly"/> set and a <see cref="History.StopReason"/> naming the loss, the epoch and the
    /// batch, which is also printed when <paramref name="verbose"/> is above 0. The optimizer step of that batch has been
    /// taken, so the parameters may be non-finite: reload a checkpoint (or restore best weights) before using the network.
    /// </para>
    /// <para>
    /// <b>Cancellation.</b> The token is checked before every batch: cancelling it (from another thread or a callback)
    /// lets the running batch finish and then throws <see cref="OperationCanceledException"/>, so the network holds the
    /// state after exactly the steps taken, never a half-applied step, and <c>Fit</c> can be called again to continue.
    /// <see cref="Callback.OnTrainEnd"/> is not called and no history is returned.
    /// </para>
    /// <para>
    /// <b>Batches.</b> Any batch size in [1, <see cref="INetwork.MaxBatchSize"/>] works with any sample count: the last
    /// batch of an epoch holds the remainder, and data smaller than one batch trains in one (smaller) batch per epoch.
    /// Empty training or validation data is rejected with an <see cref="ArgumentException"/>.
    /// </para>
    /// </remarks>
    /// <param name="network">The network to train.</param>
    /// <param name="train">Training samples.</param>
    /// <param name="epochs">Passes over the data.</param>
    /// <param name="batchSize">Samples per optimizer step (at most the network's <see cref="INetwork.MaxBatchSize"/>).</param>
    /// <param name="validation">Data evaluated in inference mode after each epoch (val_loss, val_accuracy).</param>
    /// <param name="validationSplit">When no validation data is given: the fraction of <paramref name="train"/> held out (seeded shuffle).</param>
    /// <param name="callbacks">Hooks called during training.</param>
    /// <param name="verbose">0 silent; 1 a live progress bar on a terminal (one line per epoch when redirected); 2 one line per epoch.</param>
    /// <param name="seed">Seed of the shuffling (and of the validation split); null draws one.</param>
    /// <param name="shuffle">Reshuffle the samples every epoch.</param>
    /// <param name="cancellationToken">Stops after the current batch and throws <see cref="OperationCanceledException"/>; the network stays consistent.</param>
    /// <param name="clipNorm">When set, every step clips the gradients to this global L2 norm (<see cref="GradientClipping.ClipByGlobalNorm"/>) before the optimizer uses them.</param>
    /// <param name="transform">
    /// Applied in place to every gathered training batch before the step (<see cref="BatchLoader.Transform"/>), for
    /// example <see cref="ImageAugmentation.Transform"/>. Validation data is never transformed.
    /// </param>
    /// <exception cref="ArgumentNullException"><paramref name="network"/> or <paramref name="train"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A numeric argument is out of its range (the message names the range and the value).</exception>
    /// <exception cref="ArgumentException">The data is empty, its shape does not match the network's, or a callback is null.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public static History Fit(this INetwork network, Dataset train, int epochs = 1, int batchSize = 32,
        Dataset? validation = null, double validationSplit = 0, IEnumerable<Callback>? callbacks = null,
        int verbose = 1, int? seed = null, bool shuffle = true, CancellationToken cancellationToken = default,
        float? clipNorm = null, BatchTransform? transform = null)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(train);
        if (epochs < 0) throw new ArgumentOutOfRangeException(nameof(epochs), epochs, "Epochs must not be negative.");
        if (batchSize <= 0 || batchSize > network.MaxBatchSize)
            throw new ArgumentOutOfRangeException(nameof(batchSize), batchSize, $"The batch size must be in [1, {network.MaxBatchSize}] (the network's MaxBatchSize).");
        if (verbose is < 0 or > 2) throw new ArgumentOutOfRangeException(nameof(verbose), verbose, "Verbose is 0, 1 or 2.");
        if (clipNorm is float maxNorm && (!(maxNorm > 0) || float.IsInfinity(maxNorm)))
            throw new ArgumentOutOfRangeException(nameof(clipNorm), clipNorm, "The clipping norm must be positive and finite.");
        if (!(validationSplit >= 0 && validationSplit < 1))
            throw new ArgumentOutOfRangeException(nameof(validationSplit), validationSplit, "The validation split must be in [0, 1).");
        CheckShape(network, train, nameof(train));
        int actualSeed = seed ?? Random.Shared.Next();
        if (validation is null && validationSplit > 0)
            (train, validation) = train.Split(validationSplit, actualSeed);
        if (validation is not null)
        {
            CheckShape(network, validation, nameof(validation));
            if (validation.Count == 0) throw new ArgumentException("The validation data is empty: it needs at least 1 sample, got 0.", nameof(validation));
        }
        if (train.Count == 0) throw new ArgumentException("The training data is empty: it needs at least 1 sample, got 0.", nameof(train));

        var callbackList = callbacks?.ToList() ?? new List<Callback>();
        int missing = callbackList.IndexOf(null!);
        if (missing >= 0) throw new ArgumentException($"Callback {missing} (of {callbackList.Count}) is null.", nameof(callbacks));
        var history = new History();
        var context = new TrainingContext(network, history, epochs);
        var loader = new BatchLoader(train, batchSize, shuffle, actualSeed) { Transform = transform };
        var evaluator = validation is null ? null : new BatchEvaluator(network, Math.Min(Math.Max(batchSize, 256), validation.Count));
        var progress = new ProgressReporter(verbose, epochs, loader.BatchCount, train.Count);
        bool classification = Metrics.IsClassification(network.Loss);
        int outputSize = network.OutputSize;

        foreach (var callback in callbackList) callback.OnTrainBegin(context);
        for (int epoch = 0; epoch < epochs && !context.StopTraining; epoch++)
        {
            foreach (var callback in callbackList) callback.OnEpochBegin(context, epoch);
            float learningRate = network.LearningRate;
            var clock = Stopwatch.StartNew();
            progress.StartEpoch(epoch);
            loader.StartEpoch();
            double lossSum = 0;
            int correct = 0, seen = 0;
            for (int b = 0; b < loader.BatchCount; b++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var batch = loader.GetBatch(b);
                float loss;
                if (clipNorm is float norm)
                {
                    loss = network.ComputeGradients(batch.Inputs, batch.Targets, batch.Size);
                    GradientClipping.ClipByGlobalNorm(network.Gradients, norm);
                    network.ApplyGradients();
                }
                else
                {
                    loss = network.TrainBatch(batch.Inputs, batch.Targets, batch.Size);
                }
                if (!float.IsFinite(loss))
                {
                    // Callbacks see the diverged batch (TerminateOnNaN's rule, applied whether or not it is registered).
                    foreach (var callback in callbackList) callback.OnBatchEnd(context, b, loss);
                    context.StopTraining = true;
                    context.StopReason = TerminateOnNaN.Reason(loss, epoch, b);
                    history.Diverged = true;
                    break;
                }
                lossSum += (double)loss * batch.Size;
                seen += batch.Size;
                if (classification) correct += Metrics.CountCorrect(network.TrainingOutputs[..(batch.Size * outputSize)], batch.Targets, outputSize);
                foreach (var callback in callbackList) callback.OnBatchEnd(context, b, loss);
                progress.Batch(b + 1, seen, lossSum / seen, classification ? (double)correct / seen : double.NaN);
                if (context.StopTraining) break;
            }
            if (seen == 0) break;

            double trainingSeconds = clock.Elapsed.TotalSeconds;
            var validationResult = evaluator?.Evaluate(validation!);
            clock.Stop();
            var metrics = new EpochMetrics(epoch + 1,
                (float)(lossSum / seen),
                classification ? (float)correct / seen : float.NaN,
                validationResult?.Loss ?? float.NaN,
                validationResult?.Accuracy ?? float.NaN,
                learningRate,
                clock.Elapsed.TotalSeconds) { TrainingSeconds = trainingSeconds };
            history.Add(metrics);
            progress.EndEpoch(metrics);
            foreach (var callback in callbackList) callback.OnEpochEnd(context, metrics);
        }
        if (context.StopTraining)
        {
            history.StoppedEarly = true;
            history.StopReason = context.StopReason;
            if (context.StopReason is not null) progress.Message(context.StopReason);
        }
        foreach (var callback in callbackList) callback.OnTrainEnd(context);
        return history;
    }

    /// <summary>
    /// Trains on row-major arrays, as Keras' <c>model.fit(x, y, validation_data=(x_val, y_val))</c>: <paramref name="inputs"/>
    /// holds n samples of <see cref="INetwork.InputSize"/> features, <paramref name="targets"/> their n rows of
    /// <see cref="INetwork.OutputSize"/> targets (one-hot for cross-entropy). Runs <paramref name="epochs"/> passes in
    /// shuffled minibatches and returns the per-epoch history.
    /// </summary>
    /// <remarks>
    /// <para>
    /// The arrays are used in place, not copied. Everything else is the <see cref="Dataset"/> overload's, defaults
    /// included (<paramref name="verbose"/> is 1, a progress line per epoch): a batch with a NaN or infinite loss ends
    /// training and is reported in <see cref="History.Diverged"/> and <see cref="History.StopReason"/>; cancellation lets
    /// the running batch finish and throws <see cref="OperationCanceledException"/>; the last batch of an epoch holds the
    /// remainder. For integer class labels, build a <see cref="Dataset"/> with <see cref="Dataset.FromLabels"/>.
    /// </para>
    /// </remarks>
    /// <param name="network">The network to train.</param>
    /// <param name="inputs">Training features, row-major <c>[n, InputSize]</c>; at least one sample.</param>
    /// <param name="targets">Training targets, row-major <c>[n, OutputSize]</c>, in the order of <paramref name="inputs"/>.</param>
    /// <param name="epochs">Passes over the data.</param>
    /// <param name="batchSize">Samples per optimizer step (at most the network's <see cref="INetwork.MaxBatchSize"/>).</param>
    /// <param name="validation">
    /// Validation features and targets, row-major as the training arrays, evaluated in inference mode after each epoch
    /// (val_loss, val_accuracy): <c>validation: (xVal, yVal)</c>.
    /// </param>
    /// <param name="validationSplit">When no validation data is given: the fraction of the samples held out (seeded shuffle).</param>
    /// <param name="callbacks">Hooks called during training.</param>
    /// <param name="verbose">0 silent; 1 a live progress bar on a terminal (one line per epoch when redirected); 2 one line per epoch.</param>
    /// <param name="seed">Seed of the shuffling (and of the validation split); null draws one.</param>
    /// <param name="shuffle">Reshuffle the samples every epoch.</param>
    /// <param name="cancellationToken">Stops after the current batch and throws <see cref="OperationCanceledException"/>; the network stays consistent.</param>
    /// <param name="clipNorm">When set, every step clips the gradients to this global L2 norm (<see cref="GradientClipping.ClipByGlobalNorm"/>) before the optimizer uses them.</param>
    /// <param name="transform">Applied in place to every gathered training batch before the step (<see cref="BatchLoader.Transform"/>); never to validation data.</param>
    /// <returns>One <see cref="EpochMetrics"/> per completed epoch.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="network"/>, <paramref name="inputs"/> or <paramref name="targets"/> (or an array of <paramref name="validation"/>) is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A numeric argument is out of its range (the message names the range and the value).</exception>
    /// <exception cref="ArgumentException">
    /// The arrays do not hold whole samples of the network's sizes, hold different numbers of samples, are empty, or a
    /// callback is null.
    /// </exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public static History Fit(this INetwork network, float[] inputs, float[] targets, int epochs = 1, int batchSize = 32,
        (float[] Inputs, float[] Targets)? validation = null, double validationSplit = 0, IEnumerable<Callback>? callbacks = null,
        int verbose = 1, int? seed = null, bool shuffle = true, CancellationToken cancellationToken = default,
        float? clipNorm = null, BatchTransform? transform = null)
    {
        ArgumentNullException.ThrowIfNull(network);
        var train = ArrayData(network, inputs, targets, "training", nameof(inputs), nameof(targets));
        var held = validation is { } data ? ArrayData(network, data.Inputs, data.Targets, "validation", nameof(validation), nameof(validation)) : null;
        return network.Fit(train, epochs, batchSize, held, validationSplit, callbacks, verbose, seed, shuffle, cancellationToken, clipNorm, transform);
    }

    /// <summary>Row-major arrays as a <see cref="Dataset"/>, with errors that say which data and which array is wrong.</summary>
    private static Dataset ArrayData(INetwork network, float[] inputs, float[] targets, string what, string inputsName, string targetsName)
    {
        ArgumentNullException.ThrowIfNull(inputs, inputsName);
        ArgumentNullException.ThrowIfNull(targets, targetsName);
        int features = network.InputSize, outputs = network.OutputSize;
        if (inputs.Length % features != 0)
            throw new ArgumentException(
                $"The {what} inputs have {Plural.Count(inputs.Length, "value")}, not a whole number of samples of {Plural.Count(features, "feature")} (the network's InputSize).", inputsName);
        if (targets.Length % outputs != 0)
            throw new ArgumentException(
                $"The {what} targets have {Plural.Count(targets.Length, "value")}, not a whole number of rows of {Plural.Count(outputs, "output")} (the network's OutputSize).", targetsName);
        if (inputs.Length / features != targets.Length / outputs)
            throw new ArgumentException(
                $"The {what} inputs hold {Plural.Count(inputs.Length / features, "sample")} but the targets {Plural.Count(targets.Length / outputs, "row")}; give one target row per sample.", targetsName);
        return new Dataset(inputs, features, targets, outputs);
    }

    private static void CheckShape(INetwork network, Dataset data, string name)
    {
        if (data.FeatureCount != network.InputSize)
            throw new ArgumentException($"The {name} data has {data.FeatureCount} features per sample but the network expects {network.InputSize}.", name);
        if (data.TargetCount != network.OutputSize)
            throw new ArgumentException($"The {name} data has {data.TargetCount} targets per sample but the network outputs {network.OutputSize}.", name);
    }
}
