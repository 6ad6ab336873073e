namespace CompiledNets.Tests.Shared;

/// <summary>
/// A real network behind a test double: every member forwards to <see cref="Inner"/>, and a test overrides the parts
/// it needs (its architecture text or summary, Predict, or a hook before training).
/// </summary>
internal class ForwardingNetwork(INetwork inner) : INetwork
{
    public INetwork Inner { get; } = inner;

    public virtual int InputSize => Inner.InputSize;
    public virtual int OutputSize => Inner.OutputSize;
    public int ParameterCount => Inner.ParameterCount;
    public int MaxBatchSize => Inner.MaxBatchSize;
    public LossFunction Loss => Inner.Loss;
    public Span<float> Parameters => Inner.Parameters;
    public Span<float> Gradients => Inner.Gradients;
    public Span<float> Buffers => Inner.Buffers;
    public Span<float> OptimizerState => Inner.OptimizerState;
    public virtual IReadOnlyList<TensorInfo> Tensors => Inner.Tensors;
    public virtual string Architecture => Inner.Architecture;
    public virtual NetworkSummary Summary => Inner.Summary;
    public float LearningRate { get => Inner.LearningRate; set => Inner.LearningRate = value; }
    public long OptimizerStep { get => Inner.OptimizerStep; set => Inner.OptimizerStep = value; }
    public ReadOnlySpan<float> TrainingOutputs => Inner.TrainingOutputs;

    public virtual void Predict(ReadOnlySpan<float> input, Span<float> output) => Inner.Predict(input, output);

    public virtual void PredictBatch(ReadOnlySpan<float> inputs, Span<float> outputs, int batchSize) =>
        Inner.PredictBatch(inputs, outputs, batchSize);

    public virtual float ComputeGradients(ReadOnlySpan<float> inputs, ReadOnlySpan<float> targets, int batchSize) =>
        Inner.ComputeGradients(inputs, targets, batchSize);

    public virtual void ApplyGradients() => Inner.ApplyGradients();

    public virtual float TrainBatch(ReadOnlySpan<float> inputs, ReadOnlySpan<float> targets, int batchSize) =>
        Inner.TrainBatch(inputs, targets, batchSize);

    /// <summary>A batch as <see cref="Predict"/> sees it, one row at a time: for doubles that override Predict alone.</summary>
    protected void PredictRowByRow(ReadOnlySpan<float> inputs, Span<float> outputs, int batchSize)
    {
        for (int b = 0; b < batchSize; b++)
            Predict(inputs.Slice(b * InputSize, InputSize), outputs.Slice(b * OutputSize, OutputSize));
    }
}
