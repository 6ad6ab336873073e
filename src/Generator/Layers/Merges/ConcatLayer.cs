using System.Collections.Generic;
using System.Linq;
using CompiledNets.Generator.Emit;
using CompiledNets.Generator.Model;
using CompiledNets.Generator.Parsing;
using static CompiledNets.Generator.Names.RuntimeNames;

namespace CompiledNets.Generator.Layers;

/// <summary>
/// <c>[Concat(...)]</c>: its inputs side by side, along features for vectors and along channels for <c>[C, H, W]</c>
/// images of the same height and width. Either way a sample's values are each input's block in turn (NCHW keeps a
/// channel's plane together), so the forward copies column blocks and the backward hands each input its block.
/// </summary>
internal sealed class ConcatLayer : MergeLayerKind
{
    public static readonly ConcatLayer Instance = new();

    private ConcatLayer()
    {
    }

    public override string Identifier => "Concat";

    public override void CheckMerge(LayerSpec spec, IReadOnlyList<Shape> inputs, IReadOnlyList<string> names, LayerInput layer)
    {
        for (int k = 1; k < inputs.Count; k++)
        {
            var first = inputs[0];
            var other = inputs[k];
            string? problem = first.Rank != other.Rank
                ? "an image and a vector cannot be joined; [Flatten] the image first"
                : first.IsImage && (first.Height != other.Height || first.Width != other.Width)
                    ? "images are joined along channels and need the same height and width; pool or pad them to agree"
                    : null;
            if (problem is null) continue;
            layer.Report(Diagnostics.MergeShapeMismatch, NetworkParser.Format(layer.Position), layer.Label, names[0], first.ToString(), names[k], other.ToString(), problem);
            return;
        }
    }

    public override Shape OutputShape(LayerSpec spec, IReadOnlyList<Shape> inputs)
    {
        int leading = inputs.Sum(s => s.Dimensions[0]);
        return inputs[0].IsImage ? Shape.Image(leading, inputs[0].Height, inputs[0].Width) : Shape.Flat(leading);
    }

    /// <summary>Where input <paramref name="k"/>'s block starts in a sample of the output.</summary>
    private static int Offset(LayerPlan layer, int k) => (int)layer.SourceShapes.Take(k).Sum(s => s.Size);

    private static int Width(LayerPlan layer, int k) => (int)layer.SourceShapes[k].Size;

    protected override void EmitCombine(SourceWriter w, LayerPlan layer, IReadOnlyList<string> inputs, string output)
    {
        for (int k = 0; k < inputs.Count; k++)
        {
            string width = Literal.Int(Width(layer, k));
            w.Line($"{MergeKernels}.CopyColumns({inputs[k]}, {width}, 0, {output}, {layer.Prefix}Units, {Literal.Int(Offset(layer, k))}, {width}, rows);");
        }
    }

    protected override void EmitInputGradients(SourceWriter w, NetworkPlan plan, LayerPlan layer, string delta)
    {
        var graph = plan.Graph!;
        for (int k = 0; k < layer.Sources.Count; k++)
        {
            var route = graph.Route(layer, k);
            if (route.Mode is RouteMode.None) continue;
            string method = route.Mode == RouteMode.Write ? "CopyColumns" : "AccumulateColumns";
            string width = Literal.Int(Width(layer, k));
            w.Line($"{MergeKernels}.{method}({delta}, {layer.Prefix}Units, {Literal.Int(Offset(layer, k))}, {graph.GradientSpan(route, layer, k)}, {width}, 0, {width}, rows);");
        }
    }
}
