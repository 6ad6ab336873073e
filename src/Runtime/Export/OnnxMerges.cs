using System.Numerics.Tensors;
using CompiledNets.Kernels;

namespace CompiledNets.Export;

/// <summary>
/// A merge node of a graph-form network in exportable form (summary kinds <c>Add</c>, <c>Concat</c>, <c>Multiply</c>,
/// <c>Average</c>, detail = the activation): <c>Add</c> and <c>Mul</c> chained over the inputs, <c>Mean</c>, or
/// <c>Concat(axis=1)</c> (features of <c>[N, F]</c>, channels of <c>[N, C, H, W]</c>), then the activation's nodes. Its
/// <see cref="Reference"/> combines the inputs in the same order as the network, for the exporter's probe.
/// </summary>
internal sealed class OnnxMerge
{
    private readonly string _kind;
    private readonly Activation _activation;
    private readonly float _alpha;
    private readonly int[][] _sourceShapes;

    private OnnxMerge(string name, string kind, int[][] sourceShapes, int[] outputShape, Activation activation, float alpha)
    {
        (Name, _kind, _sourceShapes, OutputShape, _activation, _alpha) = (name, kind, sourceShapes, outputShape, activation, alpha);
        Outputs = LayerSource.Product(outputShape);
    }

    /// <summary>The summary kinds that are merges.</summary>
    public static bool IsMerge(string kind) => kind is "Add" or "Concat" or "Multiply" or "Average";

    public string Name { get; }

    public int[] OutputShape { get; }

    public int Outputs { get; }

    /// <summary>
    /// The merge described by <paramref name="source"/>'s summary row (its <see cref="LayerSource.InputShape"/> is the first
    /// input's), reading values of <paramref name="sourceShapes"/>; the shapes must combine into the row's output shape.
    /// </summary>
    public static OnnxMerge Create(LayerSource source, int[][] sourceShapes)
    {
        string kind = source.Layer.Kind;
        if (sourceShapes.Length < 2)
            throw new InvalidOperationException($"{source.Label}: a merge of {sourceShapes.Length} value(s); it needs at least two.");
        var first = sourceShapes[0];
        int[] expected;
        if (kind == "Concat")
        {
            bool image = first.Length == 3;
            if (sourceShapes.Any(s => s.Length != first.Length || (image && (s[1] != first[1] || s[2] != first[2]))))
                throw new InvalidOperationException($"{source.Label}: cannot concatenate {string.Join(" and ", sourceShapes.Select(Text))}.");
            expected = [sourceShapes.Sum(s => s[0]), .. first.Skip(1)];
        }
        else
        {
            if (sourceShapes.Any(s => !s.AsSpan().SequenceEqual(first)))
                throw new InvalidOperationException($"{source.Label}: its inputs {string.Join(" and ", sourceShapes.Select(Text))} do not have one shape.");
            expected = first;
        }
        var output = source.OutputShape;
        if (!output.AsSpan().SequenceEqual(expected))
            throw new InvalidOperationException($"{source.Label}: the summary gives the output shape {Text(output)}, but its inputs make {Text(expected)}.");
        var (activation, alpha) = OnnxActivations.Parse(source);
        return new OnnxMerge(source.Layer.Name, kind, sourceShapes, output, activation, alpha);
    }

    /// <summary>Appends the merge's nodes reading <paramref name="inputs"/>; returns the value holding its output.</summary>
    public string Emit(OnnxGraphBuilder graph, string[] inputs)
    {
        string merged = _kind switch
        {
            "Concat" => graph.Node("Concat", Name + ".concat", inputs, OnnxGraphBuilder.Int("axis", 1)),
            "Average" => graph.Node("Mean", Name + ".mean", inputs),
            // Add and Mul take two inputs: chained left to right, the order the network adds or multiplies in.
            _ => inputs.Skip(1).Aggregate(inputs[0], (sum, next) =>
                graph.Node(_kind == "Add" ? "Add" : "Mul", Name + (_kind == "Add" ? ".add" : ".mul"), [sum, next])),
        };
        return OnnxActivations.Emit(graph, _activation, _alpha, merged, Name, OutputShape);
    }

    /// <summary>One sample's merged values, computed as the network computes them.</summary>
    public void Reference(float[][] inputs, Span<float> output)
    {
        output = output[..Outputs];
        if (_kind == "Concat")
        {
            int offset = 0;
            foreach (var input in inputs)
            {
                input.CopyTo(output[offset..]);
                offset += input.Length;
            }
        }
        else
        {
            inputs[0].CopyTo(output);
            for (int k = 1; k < inputs.Length; k++)
            {
                if (_kind == "Multiply") TensorPrimitives.Multiply(output, inputs[k], output);
                else TensorPrimitives.Add(output, inputs[k], output);
            }
            if (_kind == "Average") TensorPrimitives.Multiply(output, 1f / inputs.Length, output);
        }
        ActivationKernels.Forward(_activation, _alpha, output, Outputs);
    }

    private static string Text(int[] shape) => "[" + string.Join(", ", shape) + "]";
}
