using System.Collections.Generic;
using CompiledNets.Generator.Emit;
using static CompiledNets.Generator.Names.RuntimeNames;

namespace CompiledNets.Generator.Layers;

/// <summary><c>[Average(...)]</c>: the element-wise mean of its inputs, (a + b + ...) · (1 / n); each input gets the gradient over n.</summary>
internal sealed class AverageLayer : MergeLayerKind
{
    public static readonly AverageLayer Instance = new();

    private AverageLayer()
    {
    }

    public override string Identifier => "Average";

    public override bool PassesGradientThrough => true;

    private static string Factor(LayerPlan layer) => $"1f / {Emit.Literal.Int(layer.Sources.Count)}";

    protected override void EmitCombine(SourceWriter w, LayerPlan layer, IReadOnlyList<string> inputs, string output)
    {
        w.Line($"{MergeKernels}.Sum({inputs[0]}, {inputs[1]}, {output});");
        for (int k = 2; k < inputs.Count; k++) w.Line($"{MergeKernels}.Accumulate({output}, {inputs[k]});");
        w.Line($"{MergeKernels}.Scale({output}, {Factor(layer)});");
    }

    protected override void EmitInputGradients(SourceWriter w, NetworkPlan plan, LayerPlan layer, string delta)
    {
        w.Line($"{MergeKernels}.Scale({delta}, {Factor(layer)});");
        EmitPassThrough(w, plan, layer, delta);
    }
}
