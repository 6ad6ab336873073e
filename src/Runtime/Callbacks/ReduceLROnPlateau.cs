using System.Globalization;

namespace CompiledNets;

/// <summary>
/// Multiplies the learning rate by <see cref="Factor"/> when a monitored metric has stopped improving, with the
/// semantics of Keras 3's <c>keras.callbacks.ReduceLROnPlateau</c>.
/// </summary>
/// <remarks>
/// After each epoch: during a cooldown the cooldown counter counts down and the wait counter is cleared. A value
/// better than the best by more than <see cref="MinDelta"/> becomes the best and clears the wait; otherwise,
/// outside a cooldown, the wait grows, and when it reaches <see cref="Patience"/> the learning rate (if still above
/// <see cref="MinLearningRate"/>) becomes <c>max(lr * factor, minLearningRate)</c>, the wait is cleared and a
/// cooldown of <see cref="Cooldown"/> epochs starts. A metric that is never computed throws, as for
/// <see cref="EarlyStopping"/>.
/// </remarks>
public sealed class ReduceLROnPlateau : Callback
{
    private readonly MonitoredMetric _monitor;

    /// <summary>Creates the callback.</summary>
    /// <param name="monitor">The metric to watch: <c>loss</c>, <c>accuracy</c>, <c>val_loss</c> or <c>val_accuracy</c>.</param>
    /// <param name="factor">The learning rate is multiplied by this, in (0, 1).</param>
    /// <param name="patience">Epochs without improvement before a reduction.</param>
    /// <param name="minDelta">Smallest change that counts as an improvement.</param>
    /// <param name="cooldown">Epochs after a reduction during which no new reduction happens.</param>
    /// <param name="minLearningRate">The learning rate never goes below this.</param>
    /// <param name="mode">Whether lower or higher is better; <see cref="MonitorMode.Auto"/> infers it from the name.</param>
    public ReduceLROnPlateau(string monitor = "val_loss", float factor = 0.1f, int patience = 10, float minDelta = 1e-4f,
        int cooldown = 0, float minLearningRate = 0, MonitorMode mode = MonitorMode.Auto)
    {
        if (!(factor > 0 && factor < 1)) throw new ArgumentOutOfRangeException(nameof(factor), factor, "The factor must be in (0, 1): it reduces the learning rate.");
        if (patience < 0) throw new ArgumentOutOfRangeException(nameof(patience), patience, "Patience must not be negative.");
        if (!float.IsFinite(minDelta)) throw new ArgumentOutOfRangeException(nameof(minDelta), minDelta, "The minimum delta must be finite.");
        if (cooldown < 0) throw new ArgumentOutOfRangeException(nameof(cooldown), cooldown, "The cooldown must not be negative.");
        if (!(minLearningRate >= 0) || float.IsInfinity(minLearningRate))
            throw new ArgumentOutOfRangeException(nameof(minLearningRate), minLearningRate, "The minimum learning rate must be finite and not negative.");
        _monitor = new MonitoredMetric(nameof(ReduceLROnPlateau), monitor, mode);
        Factor = factor;
        Patience = patience;
        MinDelta = Math.Abs(minDelta);
        Cooldown = cooldown;
        MinLearningRate = minLearningRate;
        Best = _monitor.Worst;
    }

    /// <summary>The monitored metric's name.</summary>
    public string Monitor => _monitor.Name;

    /// <summary>The resolved direction (<see cref="MonitorMode.Min"/> or <see cref="MonitorMode.Max"/>).</summary>
    public MonitorMode Mode => _monitor.Mode;

    /// <summary>The learning rate is multiplied by this at each reduction.</summary>
    public float Factor { get; }

    /// <summary>Epochs without improvement before a reduction.</summary>
    public int Patience { get; }

    /// <summary>Smallest change that counts as an improvement.</summary>
    public float MinDelta { get; }

    /// <summary>Epochs after a reduction without further reductions.</summary>
    public int Cooldown { get; }

    /// <summary>Lower bound of the learning rate.</summary>
    public float MinLearningRate { get; }

    /// <summary>Best monitored value so far.</summary>
    public float Best { get; private set; }

    /// <summary>Epochs since the last improvement (outside cooldowns).</summary>
    public int Wait { get; private set; }

    /// <summary>Epochs of cooldown left.</summary>
    public int CooldownCounter { get; private set; }

    /// <summary>Number of reductions made in the current training run.</summary>
    public int Reductions { get; private set; }

    /// <inheritdoc />
    public override void OnTrainBegin(TrainingContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        _monitor.Begin(context.Network);
        Best = _monitor.Worst;
        Wait = 0;
        CooldownCounter = 0;
        Reductions = 0;
    }

    /// <inheritdoc />
    public override void OnEpochEnd(TrainingContext context, EpochMetrics metrics)
    {
        ArgumentNullException.ThrowIfNull(context);
        float current = _monitor.Read(metrics);
        if (CooldownCounter > 0)
        {
            CooldownCounter--;
            Wait = 0;
        }
        if (_monitor.IsImprovement(current, Best, MinDelta))
        {
            Best = current;
            Wait = 0;
        }
        else if (CooldownCounter == 0)
        {
            Wait++;
            if (Wait >= Patience)
            {
                float old = context.Network.LearningRate;
                if (old > MinLearningRate)
                {
                    context.Network.LearningRate = Math.Max(old * Factor, MinLearningRate);
                    Reductions++;
                    CooldownCounter = Cooldown;
                    Wait = 0;
                }
            }
        }
    }

    /// <summary>A description of the current state, for logs.</summary>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"ReduceLROnPlateau({Monitor}, factor {Factor}, patience {Patience}, best {Best:G6}, wait {Wait}, cooldown {CooldownCounter}, reductions {Reductions})");
}
