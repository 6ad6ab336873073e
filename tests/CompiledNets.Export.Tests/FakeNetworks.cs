using CompiledNets.Tests.Shared;

namespace CompiledNets.Export.Tests;

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

    /// <summary>Row by row through <see cref="Predict"/>, so a subclass that changes Predict (<see cref="StepNetwork"/>) changes batches too.</summary>
    public override void PredictBatch(ReadOnlySpan<float> inputs, Span<float> outputs, int batchSize) =>
        PredictRowByRow(inputs, outputs, batchSize);
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

    /// <summary>Row by row through <see cref="Predict"/>: the expected outputs are the real network's single-sample predictions.</summary>
    public override void PredictBatch(ReadOnlySpan<float> inputs, Span<float> outputs, int batchSize) =>
        PredictRowByRow(inputs, outputs, batchSize);
}
