using System.Globalization;

namespace CompiledNets;

/// <summary>
/// Stops training when a monitored metric has stopped improving, with the semantics of Keras 3's
/// <c>keras.callbacks.EarlyStopping</c>.
/// </summary>
/// <remarks>
/// <para>
/// After each epoch the monitored value is compared with the best so far: it improves when it is lower by more than
/// <see cref="MinDelta"/> (<see cref="MonitorMode.Min"/>) or higher by more than <see cref="MinDelta"/> (<see cref="MonitorMode.Max"/>).
/// The first epoch always improves on "nothing yet". An improvement resets the wait counter (unless a
/// <see cref="Baseline"/> is set and not yet beaten); otherwise the counter grows, and training stops once it
/// reaches <see cref="Patience"/> (never after the first epoch).
/// </para>
/// <para>
/// With <see cref="RestoreBestWeights"/>, <see cref="INetwork.Parameters"/> and <see cref="INetwork.Buffers"/> are
/// copied into a snapshot (allocated once, at the start of training) at every improvement and copied back when
/// training ends, whether or not it stopped early (as Keras 3 does). The optimizer state is not restored.
/// </para>
/// <para>
/// A monitored metric that is not computed (<c>val_loss</c> without validation data, or an accuracy on a
/// regression loss) is a configuration error and throws <see cref="InvalidOperationException"/> (Keras only warns
/// and never stops): accuracy is checked when training begins, validation metrics at the end of the first epoch.
/// A metric that was computed before and becomes NaN later counts as an epoch without improvement.
/// </para>
/// </remarks>
public sealed class EarlyStopping : Callback
{
    private readonly MonitoredMetric _monitor;
    private float[] _bestParameters = [];
    private float[] _bestBuffers = [];
    private bool _hasSnapshot;
    private bool _improvedOnce;

    /// <summary>Creates the callback.</summary>
    /// <param name="monitor">The metric to watch: <c>loss</c>, <c>accuracy</c>, <c>val_loss</c> or <c>val_accuracy</c>.</param>
    /// <param name="minDelta">Smallest change that counts as an improvement (its absolute value is used).</param>
    /// <param name="patience">Epochs without improvement after which training stops.</param>
    /// <param name="mode">Whether lower or higher is better; <see cref="MonitorMode.Auto"/> infers it from the name.</param>
    /// <param name="restoreBestWeights">Copy the parameters of the best epoch back into the network when training ends.</param>
    /// <param name="baseline">A value the metric must beat for the wait counter to reset; null for none.</param>
    public EarlyStopping(string monitor = "val_loss", float minDelta = 0, int patience = 0, MonitorMode mode = MonitorMode.Auto,
        bool restoreBestWeights = false, float? baseline = null)
    {
        if (!float.IsFinite(minDelta)) throw new ArgumentOutOfRangeException(nameof(minDelta), minDelta, "The minimum delta must be finite.");
        if (patience < 0) throw new ArgumentOutOfRangeException(nameof(patience), patience, "Patience must not be negative.");
        if (baseline is float b && float.IsNaN(b)) throw new ArgumentOutOfRangeException(nameof(baseline), baseline, "The baseline must not be NaN.");
        _monitor = new MonitoredMetric(nameof(EarlyStopping), monitor, mode);
        MinDelta = Math.Abs(minDelta);
        Patience = patience;
        RestoreBestWeights = restoreBestWeights;
        Baseline = baseline;
        Best = _monitor.Worst;
    }

    /// <summary>The monitored metric's name.</summary>
    public string Monitor => _monitor.Name;

    /// <summary>The resolved direction (<see cref="MonitorMode.Min"/> or <see cref="MonitorMode.Max"/>).</summary>
    public MonitorMode Mode => _monitor.Mode;

    /// <summary>Smallest change that counts as an improvement.</summary>
    public float MinDelta { get; }

    /// <summary>Epochs without improvement tolerated before stopping.</summary>
    public int Patience { get; }

    /// <summary>Whether the best epoch's parameters are restored when training ends.</summary>
    public bool RestoreBestWeights { get; }

    /// <summary>The value the metric must beat to reset the wait counter; null for none.</summary>
    public float? Baseline { get; }

    /// <summary>Best monitored value so far (infinitely bad before the first epoch).</summary>
    public float Best { get; private set; }

    /// <summary>1-based epoch of <see cref="Best"/>; 0 before the first epoch.</summary>
    public int BestEpoch { get; private set; }

    /// <summary>Epochs since the last improvement.</summary>
    public int Wait { get; private set; }

    /// <summary>1-based epoch at which this callback stopped training; 0 when it did not.</summary>
    public int StoppedEpoch { get; private set; }

    /// <inheritdoc />
    public override void OnTrainBegin(TrainingContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        _monitor.Begin(context.Network);
        Wait = 0;
        StoppedEpoch = 0;
        Best = _monitor.Worst;
        BestEpoch = 0;
        _improvedOnce = false;
        _hasSnapshot = false;
        if (RestoreBestWeights)
        {
            // Allocated once per training run (and reused when the sizes match a previous run).
            if (_bestParameters.Length != context.Network.Parameters.Length) _bestParameters = new float[context.Network.Parameters.Length];
            if (_bestBuffers.Length != context.Network.Buffers.Length) _bestBuffers = new float[context.Network.Buffers.Length];
        }
    }

    /// <inheritdoc />
    public override void OnEpochEnd(TrainingContext context, EpochMetrics metrics)
    {
        ArgumentNullException.ThrowIfNull(context);
        float current = _monitor.Read(metrics);
        Wait++;
        // The first computed value always improves on "nothing yet" (Read throws on a never-computed metric).
        if (!_improvedOnce || _monitor.IsImprovement(current, Best, MinDelta))
        {
            _improvedOnce = true;
            Best = current;
            BestEpoch = metrics.Epoch;
            if (RestoreBestWeights) Snapshot(context.Network);
            // Only restart the wait when the value beats both the previous best and the baseline.
            if (Baseline is not float baseline || _monitor.IsImprovement(current, baseline, MinDelta)) Wait = 0;
            return;
        }
        if (Wait >= Patience && metrics.Epoch > 1)
        {
            StoppedEpoch = metrics.Epoch;
            context.StopTraining = true;
            context.StopReason = string.Create(CultureInfo.InvariantCulture,
                $"Early stopping at epoch {metrics.Epoch}: {Monitor} did not improve by more than {MinDelta:G4} for {Wait} epoch(s) (best {Best:G6} at epoch {BestEpoch}).");
        }
    }

    /// <inheritdoc />
    public override void OnTrainEnd(TrainingContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (!RestoreBestWeights || !_hasSnapshot) return;
        _bestParameters.CopyTo(context.Network.Parameters);
        _bestBuffers.CopyTo(context.Network.Buffers);
    }

    private void Snapshot(INetwork network)
    {
        network.Parameters.CopyTo(_bestParameters);
        network.Buffers.CopyTo(_bestBuffers);
        _hasSnapshot = true;
    }
}
