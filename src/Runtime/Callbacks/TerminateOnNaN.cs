using System.Globalization;

namespace CompiledNets;

/// <summary>
/// Stops training at the first batch whose loss is NaN or infinite (Keras' <c>keras.callbacks.TerminateOnNaN</c>).
/// </summary>
/// <remarks>
/// <c>Fit</c> always stops on a non-finite loss, with the same message, after passing that batch to every
/// callback's <see cref="Callback.OnBatchEnd"/>; this callback makes the rule explicit and applies it to any loop
/// that drives callbacks.
/// </remarks>
public sealed class TerminateOnNaN : Callback
{
    private int _epoch;

    /// <summary>1-based epoch and batch at which training was stopped; null when it was not.</summary>
    public (int Epoch, int Batch)? StoppedAt { get; private set; }

    /// <inheritdoc />
    public override void OnTrainBegin(TrainingContext context)
    {
        _epoch = 0;
        StoppedAt = null;
    }

    /// <inheritdoc />
    public override void OnEpochBegin(TrainingContext context, int epoch) => _epoch = epoch;

    /// <inheritdoc />
    public override void OnBatchEnd(TrainingContext context, int batch, float loss)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (float.IsFinite(loss)) return;
        StoppedAt = (_epoch + 1, batch + 1);
        context.StopTraining = true;
        context.StopReason = Reason(loss, _epoch, batch);
    }

    /// <summary>The stop message for a non-finite loss at a 0-based epoch and batch (shared with <c>Fit</c>).</summary>
    internal static string Reason(float loss, int epoch, int batch) => string.Create(CultureInfo.InvariantCulture,
        $"The loss became {loss} at epoch {epoch + 1}, batch {batch + 1}: training diverged (try a smaller learning rate).");
}
