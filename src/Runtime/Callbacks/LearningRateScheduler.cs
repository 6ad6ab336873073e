namespace CompiledNets;

/// <summary>
/// Sets the learning rate at the beginning of every epoch from a schedule, as Keras'
/// <c>keras.callbacks.LearningRateScheduler</c> does: <c>lr = schedule(epoch, lr)</c> with a 0-based epoch.
/// </summary>
/// <remarks>
/// The factories <see cref="StepDecay"/>, <see cref="Exponential"/> and <see cref="Cosine"/> build the classic
/// schedules; they depend on the epoch only, so training resumed at epoch <c>k</c> gets the same rates.
/// </remarks>
public sealed class LearningRateScheduler : Callback
{
    private readonly Func<int, float, float> _schedule;

    /// <summary>Creates the callback from a schedule <c>(epoch, currentLearningRate) => newLearningRate</c> (epoch 0-based).</summary>
    public LearningRateScheduler(Func<int, float, float> schedule)
    {
        ArgumentNullException.ThrowIfNull(schedule);
        _schedule = schedule;
    }

    /// <summary>
    /// The learning rate the schedule gives for <paramref name="epoch"/> (0-based) when the current rate is
    /// <paramref name="currentLearningRate"/>; throws when the schedule returns a negative or non-finite rate.
    /// </summary>
    public float LearningRateAt(int epoch, float currentLearningRate)
    {
        if (epoch < 0) throw new ArgumentOutOfRangeException(nameof(epoch), epoch, "Epochs count from 0.");
        float rate = _schedule(epoch, currentLearningRate);
        if (!float.IsFinite(rate) || rate < 0)
            throw new InvalidOperationException($"The learning-rate schedule returned {rate} for epoch {epoch}; a learning rate must be finite and not negative.");
        return rate;
    }

    /// <inheritdoc />
    public override void OnEpochBegin(TrainingContext context, int epoch)
    {
        ArgumentNullException.ThrowIfNull(context);
        context.Network.LearningRate = LearningRateAt(epoch, context.Network.LearningRate);
    }

    /// <summary>
    /// Step decay: <c>initial * factor^floor(epoch / dropEvery)</c>; the rate is multiplied by
    /// <paramref name="factor"/> every <paramref name="dropEvery"/> epochs (PyTorch's <c>StepLR</c>).
    /// </summary>
    public static LearningRateScheduler StepDecay(float initial, int dropEvery, float factor)
    {
        CheckInitial(initial);
        if (dropEvery <= 0) throw new ArgumentOutOfRangeException(nameof(dropEvery), dropEvery, "The step length must be positive.");
        if (!(factor > 0) || float.IsInfinity(factor)) throw new ArgumentOutOfRangeException(nameof(factor), factor, "The factor must be positive and finite.");
        return new LearningRateScheduler((epoch, _) => (float)(initial * Math.Pow(factor, epoch / dropEvery)));
    }

    /// <summary>Exponential decay: <c>initial * gamma^epoch</c> (PyTorch's <c>ExponentialLR</c>).</summary>
    public static LearningRateScheduler Exponential(float initial, float gamma)
    {
        CheckInitial(initial);
        if (!(gamma > 0) || float.IsInfinity(gamma)) throw new ArgumentOutOfRangeException(nameof(gamma), gamma, "Gamma must be positive and finite.");
        return new LearningRateScheduler((epoch, _) => (float)(initial * Math.Pow(gamma, epoch)));
    }

    /// <summary>
    /// Cosine annealing (PyTorch's <c>CosineAnnealingLR</c> without restarts):
    /// <c>minLr + (initial - minLr) * (1 + cos(pi * epoch / totalEpochs)) / 2</c>, so epoch 0 uses
    /// <paramref name="initial"/>, epoch <paramref name="totalEpochs"/> and later use <paramref name="minLr"/>.
    /// </summary>
    public static LearningRateScheduler Cosine(float initial, int totalEpochs, float minLr = 0)
    {
        CheckInitial(initial);
        if (totalEpochs <= 0) throw new ArgumentOutOfRangeException(nameof(totalEpochs), totalEpochs, "The number of epochs must be positive.");
        if (!(minLr >= 0) || minLr > initial) throw new ArgumentOutOfRangeException(nameof(minLr), minLr, "The minimum rate must be in [0, initial].");
        return new LearningRateScheduler((epoch, _) =>
        {
            double progress = Math.Min(epoch, totalEpochs) / (double)totalEpochs;
            return (float)(minLr + (initial - (double)minLr) * (1 + Math.Cos(Math.PI * progress)) / 2);
        });
    }

    private static void CheckInitial(float initial)
    {
        if (!(initial > 0) || float.IsInfinity(initial))
            throw new ArgumentOutOfRangeException(nameof(initial), initial, "The initial learning rate must be positive and finite.");
    }
}
