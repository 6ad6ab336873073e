namespace CompiledNets;

/// <summary>
/// Hooks into <c>Fit</c>, as Keras callbacks do. Override what you need; set
/// <see cref="TrainingContext.StopTraining"/> to end training after the current epoch.
/// </summary>
public abstract class Callback
{
    /// <summary>Before the first epoch.</summary>
    public virtual void OnTrainBegin(TrainingContext context) { }

    /// <summary>Before each epoch (0-based <paramref name="epoch"/>); the place to change the learning rate.</summary>
    public virtual void OnEpochBegin(TrainingContext context, int epoch) { }

    /// <summary>After each training batch, with that batch's mean loss.</summary>
    public virtual void OnBatchEnd(TrainingContext context, int batch, float loss) { }

    /// <summary>After each epoch, validation included.</summary>
    public virtual void OnEpochEnd(TrainingContext context, EpochMetrics metrics) { }

    /// <summary>After the last epoch (or an early stop).</summary>
    public virtual void OnTrainEnd(TrainingContext context) { }
}

/// <summary>What callbacks see and may change during <c>Fit</c>.</summary>
public sealed class TrainingContext
{
    internal TrainingContext(INetwork network, History history, int epochs)
    {
        Network = network;
        History = history;
        Epochs = epochs;
    }

    /// <summary>The network being trained.</summary>
    public INetwork Network { get; }

    /// <summary>The history so far.</summary>
    public History History { get; }

    /// <summary>Requested number of epochs.</summary>
    public int Epochs { get; }

    /// <summary>Set to stop after the current epoch (or batch).</summary>
    public bool StopTraining { get; set; }

    /// <summary>Why training was stopped, for the history and the log.</summary>
    public string? StopReason { get; set; }
}
