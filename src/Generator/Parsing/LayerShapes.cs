using System.Collections.Generic;
using CompiledNets.Generator.Model;

namespace CompiledNets.Generator.Parsing;

/// <summary>
/// Walks the declared layers from the input shape, each kind checking the input it gets (its rank, then what the kind
/// itself needs, such as a window no larger than the input) before giving its output shape. The walk stops at the first
/// layer whose settings or input are invalid: what follows it has no known shape, and no further shape problem is
/// reported (it would only echo the first).
/// </summary>
internal static class LayerShapes
{
    /// <summary>The shape coming into each layer and, last, the network's output: null from where the walk stopped.</summary>
    public static IReadOnlyList<Shape?> Walk(Shape? input, List<LayerSpec> layers, List<bool> layersValid, List<LocationInfo?> locations, List<DiagnosticInfo> diagnostics)
    {
        var shapes = new List<Shape?> { input };
        var current = input;
        for (int i = 0; i < layers.Count; i++)
        {
            var layer = layers[i];
            if (current is not null && layersValid[i])
            {
                var check = new LayerInput(i + 1, layer.Kind.Label(layer), locations[i], diagnostics);
                CheckRank(layer, current, i == 0 ? null : layers[i - 1], check);
                if (!check.Failed) layer.Kind.CheckInput(layer, current, check);
                current = check.Failed ? null : layer.Kind.OutputShape(layer, current);
            }
            else current = null;
            shapes.Add(current);
        }
        return shapes;
    }

    private static void CheckRank(LayerSpec layer, Shape input, LayerSpec? previous, LayerInput check)
    {
        int rank = layer.Kind.RequiredInputRank;
        if (rank == 0 || rank == input.Rank) return;
        string from = previous is null ? "the network's input" : $"layer {NetworkParser.Format(check.Position - 1)} ({previous.Kind.Label(previous)})";
        if (rank == 1) check.Report(Diagnostics.FlatLayerAfterImage, NetworkParser.Format(check.Position), check.Label, input.ToString(), from);
        else check.Report(Diagnostics.ImageLayerAfterFlat, NetworkParser.Format(check.Position), check.Label, input.ToString(), from);
    }
}
