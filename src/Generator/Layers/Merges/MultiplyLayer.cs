using System.Collections.Generic;
using CompiledNets.Generator.Emit;
using static CompiledNets.Generator.Names.RuntimeNames;

namespace CompiledNets.Generator.Layers;

/// <summary><c>[Multiply(...)]</c>: the element-wise product of its inputs (a gate); each input's gradient is the output's times the other inputs.</summary>
internal sealed class MultiplyLayer : MergeLayerKind
{
    public static readonly MultiplyLayer Instance = new();

    private MultiplyLayer()
    {
    }

    public override string Identifier => "Multiply";

    protected override void EmitCombine(SourceWriter w, LayerPlan layer, IReadOnlyList<string> inputs, string output)
    {
        w.Line($"{MergeKernels}.Product({inputs[0]}, {inputs[1]}, {output});");
        for (int k = 2; k < inputs.Count; k++) w.Line($"{MergeKernels}.MultiplyInPlace({output}, {inputs[k]});");
    }

    protected override void EmitInputGradients(SourceWriter w, NetworkPlan plan, LayerPlan layer, string delta)
    {
        var graph = plan.Graph!;
        for (int k = 0; k < layer.Sources.Count; k++)
        {
            var route = graph.Route(layer, k);
            if (route.Mode is RouteMode.None) continue;
            string target = graph.GradientSpan(route, layer, k);
            var others = new List<string>();
            for (int j = 0; j < layer.Sources.Count; j++)
                if (j != k) others.Add(graph.TrainingSourceSpan(layer, j));
            if (route.Mode == RouteMode.Accumulate && others.Count == 1)
            {
                w.Line($"{MergeKernels}.MultiplyAccumulate({delta}, {others[0]}, {target});");
                continue;
            }
            // The product of the gradient and the other inputs: in the target when it is written, else in the scratch gradient first.
            string product = route.Mode == RouteMode.Write ? target : Code.BufferSpan(layer.OtherDelta, Code.Rows(layer));
            w.Line($"{MergeKernels}.Product({delta}, {others[0]}, {product});");
            for (int j = 1; j < others.Count; j++) w.Line($"{MergeKernels}.MultiplyInPlace({product}, {others[j]});");
            if (route.Mode == RouteMode.Accumulate) w.Line($"{MergeKernels}.Accumulate({target}, {product});");
        }
    }
}
