namespace CompiledNets.Cluster;

/// <summary>One epoch of a trial's history, as it travels between silos (the fields of <see cref="EpochMetrics"/>).</summary>
[GenerateSerializer, Alias("CompiledNets.EpochRecord")]
public sealed record EpochRecord(
    [property: Id(0)] int Epoch,
    [property: Id(1)] float Loss,
    [property: Id(2)] float Accuracy,
    [property: Id(3)] float ValidationLoss,
    [property: Id(4)] float ValidationAccuracy,
    [property: Id(5)] float LearningRate,
    [property: Id(6)] double Seconds,
    [property: Id(7)] double TrainingSeconds)
{
    internal static EpochRecord From(EpochMetrics metrics, int epochOffset) => new(metrics.Epoch + epochOffset, metrics.Loss, metrics.Accuracy,
        metrics.ValidationLoss, metrics.ValidationAccuracy, metrics.LearningRate, metrics.Seconds, metrics.TrainingSeconds);

    /// <summary>The runtime's record of this epoch.</summary>
    public EpochMetrics ToMetrics() => new(Epoch, Loss, Accuracy, ValidationLoss, ValidationAccuracy, LearningRate, Seconds) { TrainingSeconds = TrainingSeconds };

    /// <summary>A metric by its Keras name (<c>loss</c>, <c>accuracy</c>, <c>val_loss</c>, <c>val_accuracy</c>, <c>lr</c>).</summary>
    public float this[string metric] => ToMetrics()[metric];
}
