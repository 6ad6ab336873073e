namespace CompiledNets;

/// <summary>Whether a monitored metric improves by decreasing or by increasing.</summary>
public enum MonitorMode
{
    /// <summary><see cref="Min"/> for names ending in <c>loss</c> (and <c>lr</c>), <see cref="Max"/> for names ending in <c>accuracy</c>.</summary>
    Auto,

    /// <summary>Lower is better (losses).</summary>
    Min,

    /// <summary>Higher is better (accuracies).</summary>
    Max,
}

/// <summary>
/// The metric a callback watches: its name, its direction, and the check that it is actually computed.
/// Shared by <see cref="EarlyStopping"/> and <see cref="ReduceLROnPlateau"/>.
/// </summary>
internal sealed class MonitoredMetric
{
    private static readonly string[] Known = ["loss", "accuracy", "val_loss", "val_accuracy", "lr", "learning_rate"];
    private readonly string _owner;
    private bool _seen;

    public MonitoredMetric(string owner, string monitor, MonitorMode mode)
    {
        ArgumentNullException.ThrowIfNull(monitor);
        if (Array.IndexOf(Known, monitor) < 0)
            throw new ArgumentException($"{owner} cannot monitor '{monitor}'; expected one of: {string.Join(", ", Known)}.", nameof(monitor));
        if (!Enum.IsDefined(mode)) throw new ArgumentOutOfRangeException(nameof(mode), mode, null);
        _owner = owner;
        Name = monitor;
        Mode = mode != MonitorMode.Auto ? mode : monitor.EndsWith("accuracy", StringComparison.Ordinal) ? MonitorMode.Max : MonitorMode.Min;
    }

    public string Name { get; }

    /// <summary>The resolved direction (never <see cref="MonitorMode.Auto"/>).</summary>
    public MonitorMode Mode { get; }

    /// <summary>The worst possible value, the starting point of "best so far".</summary>
    public float Worst => Mode == MonitorMode.Min ? float.PositiveInfinity : float.NegativeInfinity;

    /// <summary>Called at the start of training: rejects an accuracy monitor on a regression loss up front.</summary>
    public void Begin(INetwork network)
    {
        _seen = false;
        if (Name.EndsWith("accuracy", StringComparison.Ordinal) && !Metrics.IsClassification(network.Loss))
            throw new InvalidOperationException(
                $"{_owner} monitors '{Name}', but the network's {network.Loss} loss has no accuracy; monitor '{(Name.StartsWith("val_", StringComparison.Ordinal) ? "val_loss" : "loss")}' instead.");
    }

    /// <summary>
    /// The monitored value of an epoch. A metric that is NaN before it was ever seen is not computed at all
    /// (a <c>val_*</c> metric without validation data): that is a configuration error and throws. A metric
    /// that was seen before and is NaN now is returned as NaN, which never counts as an improvement.
    /// </summary>
    public float Read(EpochMetrics metrics)
    {
        ArgumentNullException.ThrowIfNull(metrics);
        float value = metrics[Name];
        if (!float.IsNaN(value))
        {
            _seen = true;
        }
        else if (!_seen)
        {
            string hint = Name.StartsWith("val_", StringComparison.Ordinal)
                ? $"pass validation data (or validationSplit) to Fit, or monitor '{Name[4..]}'"
                : "monitor 'loss' instead";
            throw new InvalidOperationException($"{_owner} monitors '{Name}', but epoch {metrics.Epoch} did not compute it: {hint}.");
        }
        return value;
    }

    /// <summary>True when <paramref name="value"/> beats <paramref name="reference"/> by more than <paramref name="minDelta"/>.</summary>
    public bool IsImprovement(float value, float reference, float minDelta) =>
        Mode == MonitorMode.Min ? value + minDelta < reference : value - minDelta > reference;
}
