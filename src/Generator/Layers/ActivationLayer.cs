using CompiledNets.Generator.Emit;
using CompiledNets.Generator.Model;
using CompiledNets.Generator.Parsing;
using static CompiledNets.Generator.Emit.Code;

namespace CompiledNets.Generator.Layers;

/// <summary>The settings of <c>[ActivationLayer(activation)]</c>, <c>Alpha</c> already defaulted.</summary>
internal sealed record ActivationSpec(ActivationKind Activation, float Alpha) : LayerSpec
{
    public override LayerKind Kind => ActivationLayer.Instance;
}

/// <summary>
/// A standalone activation, so a normalisation can sit between a product and its activation. Training keeps its input
/// (the previous layer's output) for derivatives that need it; when it is last, the loss reads that input as logits.
/// </summary>
internal sealed class ActivationLayer : LayerKind
{
    public static readonly ActivationLayer Instance = new();

    private ActivationLayer()
    {
    }

    public override string AttributeName => "ActivationLayerAttribute";

    public override string Identifier => "Activation";

    private static ActivationSpec Settings(LayerSpec spec) => (ActivationSpec)spec;

    public override LayerSpec Read(LayerAttribute attribute)
    {
        string owner = attribute.Owner("Activation");
        var activation = attribute.Enum(attribute.Arguments.Int(0, 0), ActivationKind.Linear, owner, "Activation");
        return new ActivationSpec(activation, attribute.Alpha(activation, owner));
    }

    public override ActivationKind Activation(LayerSpec spec) => Settings(spec).Activation;

    public override float Alpha(LayerSpec spec) => Settings(spec).Alpha;

    public override bool HasActivation => true;

    public override string LossInput(NetworkPlan plan, LayerPlan layer) => plan.TrainingInput(layer.Index);

    public override string Describe(LayerPlan layer) => $"Activation({layer.ActivationText})";

    public override string SummaryDetail(LayerPlan layer) => layer.ActivationText;

    public override void EmitTrainingForward(SourceWriter w, NetworkPlan plan, LayerPlan layer)
    {
        string input = BufferSpan(plan.TrainingInput(layer.Index), plan.TrainingInputRows(layer.Index));
        w.Line($"{input}.CopyTo(_{layer.Field}Output);");
        var activation = ActivationCalls.Forward(layer, BufferSpan($"_{layer.Field}Output", Rows(layer)));
        if (activation is not null) w.Line(activation);
    }

    public override void EmitBackward(SourceWriter w, NetworkPlan plan, LayerPlan layer)
    {
        if (layer.IsLast)
        {
            w.Line("// The loss gradient is already with respect to this activation's input.");
            return;
        }
        var backward = ActivationCalls.Backward(layer, BufferSpan($"_{layer.Field}Output", Rows(layer)),
            BufferSpan(plan.TrainingInput(layer.Index), Rows(layer)), BufferSpan(layer.Delta, Rows(layer)));
        if (backward is not null) w.Line(backward);
    }

    public override void EmitInference(SourceWriter w, LayerPlan layer, string input, string output, string scratch)
    {
        w.Line($"{input}.CopyTo({output});");
        var call = ActivationCalls.Forward(layer, output);
        if (call is not null) w.Line(call);
    }
}
