namespace CompiledNets.Export.Tests;

/// <summary>Forwards every member to a real network; tests override the parts they need (summary, Predict).</summary>
internal class ForwardingNetwork : INetwork
{
    public ForwardingNetwork(INetwork inner) => Inner = inner;

    public INetwork Inner { get; }

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

    public virtual void PredictBatch(ReadOnlySpan<float> inputs, Span<float> outputs, int batchSize)
    {
        for (int b = 0; b < batchSize; b++)
            Predict(inputs.Slice(b * InputSize, InputSize), outputs.Slice(b * OutputSize, OutputSize));
    }

    public float ComputeGradients(ReadOnlySpan<float> inputs, ReadOnlySpan<float> targets, int batchSize) => Inner.ComputeGradients(inputs, targets, batchSize);
    public void ApplyGradients() => Inner.ApplyGradients();
    public float TrainBatch(ReadOnlySpan<float> inputs, ReadOnlySpan<float> targets, int batchSize) => Inner.TrainBatch(inputs, targets, batchSize);
}

/// <summary>
/// A perceptron: a generated Linear network whose outputs go through the Heaviside step (the generator refuses
/// Step, CN0011, because it cannot be trained; the interpreted engine and hand-set weights can still use it).
/// </summary>
internal sealed class StepNetwork : SummaryRewrite
{
    public StepNetwork(INetwork linear) : base(linear, l => l with { Detail = "Step" }) { }

    public override void Predict(ReadOnlySpan<float> input, Span<float> output)
    {
        Inner.Predict(input, output);
        Kernels.ActivationKernels.Step(output);
    }
}

/// <summary>A network whose summary rows are rewritten (for example to state an alpha the generator does not print yet).</summary>
internal class SummaryRewrite : ForwardingNetwork
{
    private readonly NetworkSummary _summary;

    public SummaryRewrite(INetwork inner, Func<LayerSummary, LayerSummary> rewrite) : base(inner)
    {
        var s = inner.Summary;
        _summary = new NetworkSummary(s.NetworkName, s.InputSize, s.Layers.Select(rewrite).ToArray(), s.Loss, s.Optimizer);
    }

    public override NetworkSummary Summary => _summary;
}

/// <summary>
/// A hand-built network of any layer list: Dense layers from a real network, plus layers of other kinds
/// (Dropout, BatchNorm, ...) inserted into the summary. Predict forwards to the real network, which is right for
/// inference-identity layers such as Dropout.
/// </summary>
internal sealed class InsertedLayers : ForwardingNetwork
{
    private readonly NetworkSummary _summary;

    public InsertedLayers(INetwork inner, int index, LayerSummary inserted) : base(inner)
    {
        var s = inner.Summary;
        var layers = s.Layers.ToList();
        layers.Insert(index, inserted);
        _summary = new NetworkSummary(s.NetworkName, s.InputSize, layers, s.Loss, s.Optimizer);
    }

    public override NetworkSummary Summary => _summary;
}
