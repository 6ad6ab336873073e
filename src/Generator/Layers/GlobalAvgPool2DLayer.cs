using CompiledNets.Generator.Emit;
using CompiledNets.Generator.Model;
using CompiledNets.Generator.Parsing;
using static CompiledNets.Generator.Emit.Code;

namespace CompiledNets.Generator.Layers;

/// <summary>The settings of <c>[GlobalAvgPool2D]</c> (none).</summary>
internal sealed record GlobalAvgPool2DSpec : LayerSpec
{
    public override LayerKind Kind => GlobalAvgPool2DLayer.Instance;
}

/// <summary>Global average pooling: <c>[C, H, W]</c> to <c>[C]</c>, the mean of each channel; its gradient spreads evenly back.</summary>
internal sealed class GlobalAvgPool2DLayer : LayerKind
{
    public static readonly GlobalAvgPool2DLayer Instance = new();

    private GlobalAvgPool2DLayer()
    {
    }

    public override string AttributeName => "GlobalAvgPool2DAttribute";

    public override string Identifier => "GlobalAvgPool";

    public override string SummaryKind => "GlobalAvgPool2D";

    public override LayerSpec Read(LayerAttribute attribute) => new GlobalAvgPool2DSpec();

    public override int RequiredInputRank => 3;

    public override Shape OutputShape(LayerSpec spec, Shape input) => Shape.Flat(input.Channels);

    public override bool WritesInputGradientToOtherBuffer => true;

    public override string Describe(LayerPlan layer) => "GlobalAvgPool2D";

    public override void EmitConstants(SourceWriter w, NetworkPlan plan, LayerPlan layer) =>
        w.Line($"private const int {layer.Prefix}Spatial = {layer.InputShape.Height * layer.InputShape.Width}; // values averaged per channel");

    public override bool InferenceUsesRows(LayerPlan layer) => true;

    public override void EmitInference(SourceWriter w, LayerPlan layer, string input, string output, string scratch) =>
        w.Line($"{Names.RuntimeNames.ImageKernels}.GlobalAveragePool({input}, {output}, rows * {layer.Prefix}Units, {layer.Prefix}Spatial);");

    public override void EmitTrainingForward(SourceWriter w, NetworkPlan plan, LayerPlan layer) =>
        EmitInference(w, layer, BufferSpan(plan.TrainingInput(layer.Index), plan.TrainingInputRows(layer.Index)), BufferSpan($"_{layer.Field}Output", Rows(layer)), "");

    public override void EmitBackward(SourceWriter w, NetworkPlan plan, LayerPlan layer)
    {
        w.Line($"{Names.RuntimeNames.ImageKernels}.GlobalAveragePoolBackward({BufferSpan(layer.Delta, Rows(layer))}, {BufferSpan(layer.OtherDelta, plan.TrainingInputRows(layer.Index))}, rows * {layer.Prefix}Units, {layer.Prefix}Spatial);");
    }
}
