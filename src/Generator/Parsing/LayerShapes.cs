using System.Collections.Generic;
using System.Linq;
using CompiledNets.Generator.Model;

namespace CompiledNets.Generator.Parsing;

/// <summary>The shapes a walk found: what comes into each layer (a merge's first value) and what goes out; null where unknown.</summary>
internal sealed record ShapeWalk(IReadOnlyList<Shape?> Inputs, IReadOnlyList<Shape?> Outputs)
{
    /// <summary>The network's output: the last layer's.</summary>
    public Shape? Output => Outputs.Count == 0 ? null : Outputs[Outputs.Count - 1];
}

/// <summary>
/// Walks the declared layers from the inputs, each kind checking the values it reads (their rank, then what the kind
/// itself needs, such as a window no larger than the input, or shapes a merge can combine) before giving its output
/// shape. A layer whose settings, wiring or inputs are invalid has no known output, and the layers reading it are not
/// checked further: a problem is reported once, where it is, not echoed down the network.
/// </summary>
internal static class LayerShapes
{
    public static ShapeWalk Walk(IReadOnlyList<Shape?> inputShapes, IReadOnlyList<string>? inputNames, List<LayerSpec> layers, List<bool> layersValid,
        IReadOnlyList<int[]?> sources, IReadOnlyList<string> names, List<LocationInfo?> locations, List<DiagnosticInfo> diagnostics)
    {
        var inputs = new List<Shape?>();
        var outputs = new List<Shape?>();
        Shape? ShapeOf(int value) => ValueRef.IsInput(value) ? inputShapes[ValueRef.InputIndex(value)] : outputs[value];
        for (int i = 0; i < layers.Count; i++)
        {
            var layer = layers[i];
            var read = sources[i];
            var shapes = read?.Select(ShapeOf).ToList();
            inputs.Add(shapes?[0]);
            if (shapes is null || shapes.Any(s => s is null) || !layersValid[i])
            {
                outputs.Add(null);
                continue;
            }
            var known = shapes.Select(s => s!).ToList();
            var check = new LayerInput(i + 1, layer.Kind.Label(layer), locations[i], diagnostics);
            if (layer.Kind.IsMerge)
                layer.Kind.CheckMerge(layer, known, read!.Select(v => Name(v, inputNames, names)).ToList(), check);
            else
            {
                CheckRank(layer, known[0], From(read![0], inputNames, layers, names), check);
                if (!check.Failed) layer.Kind.CheckInput(layer, known[0], check);
            }
            outputs.Add(check.Failed ? null : layer.Kind.OutputShape(layer, known));
        }
        return new ShapeWalk(inputs, outputs);
    }

    private static string Name(int value, IReadOnlyList<string>? inputNames, IReadOnlyList<string> names) =>
        ValueRef.IsInput(value) ? inputNames?[ValueRef.InputIndex(value)] ?? "input" : names[value];

    /// <summary>How a rank message names where a layer's input comes from.</summary>
    private static string From(int value, IReadOnlyList<string>? inputNames, List<LayerSpec> layers, IReadOnlyList<string> names)
    {
        if (ValueRef.IsInput(value))
            return inputNames is null ? "the network's input" : $"input '{inputNames[ValueRef.InputIndex(value)]}'";
        var source = layers[value];
        return $"layer {NetworkParser.Format(value + 1)} ({source.Kind.Label(source)})";
    }

    private static void CheckRank(LayerSpec layer, Shape input, string from, LayerInput check)
    {
        int rank = layer.Kind.RequiredInputRank;
        if (rank == 0 || rank == input.Rank) return;
        if (rank == 1) check.Report(Diagnostics.FlatLayerAfterImage, NetworkParser.Format(check.Position), check.Label, input.ToString(), from);
        else check.Report(Diagnostics.ImageLayerAfterFlat, NetworkParser.Format(check.Position), check.Label, input.ToString(), from);
    }
}
