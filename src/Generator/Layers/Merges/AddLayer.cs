using System.Collections.Generic;
using CompiledNets.Generator.Emit;
using static CompiledNets.Generator.Names.RuntimeNames;

namespace CompiledNets.Generator.Layers;

/// <summary><c>[Add(...)]</c>: the element-wise sum of its inputs (a residual connection); each input gets the gradient as it is.</summary>
internal sealed class AddLayer : MergeLayerKind
{
    public static readonly AddLayer Instance = new();

    private AddLayer()
    {
    }

    public override string Identifier => "Add";

    public override bool PassesGradientThrough => true;

    protected override void EmitCombine(SourceWriter w, LayerPlan layer, IReadOnlyList<string> inputs, string output)
    {
        w.Line($"{MergeKernels}.Sum({inputs[0]}, {inputs[1]}, {output});");
        for (int k = 2; k < inputs.Count; k++) w.Line($"{MergeKernels}.Accumulate({output}, {inputs[k]});");
    }

    protected override void EmitInputGradients(SourceWriter w, NetworkPlan plan, LayerPlan layer, string delta) =>
        EmitPassThrough(w, plan, layer, delta);
}
