using CompiledNets.Runtime.Tests.Interpreted;
using Tensor = CompiledNets.Runtime.Tests.Interpreted.ConvReference.Tensor;

namespace CompiledNets.Runtime.Tests.Graphs;

/// <summary>An input of a <see cref="GraphReference"/>: a flat size is <c>(size, 1, 1)</c>.</summary>
internal sealed record RefInput(string Name, int C, int H = 1, int W = 1);

/// <summary>A node of a <see cref="GraphReference"/>, reading the values named in <see cref="Sources"/>.</summary>
internal abstract record RefNode(string Name, string[] Sources);

/// <summary>One <see cref="ConvReference"/> layer reading one value.</summary>
internal sealed record RefLayerNode(string Name, string Source, RefLayer Layer) : RefNode(Name, [Source]);

/// <summary>A merge: <c>Add</c>, <c>Concat</c>, <c>Multiply</c> or <c>Average</c>, then its activation.</summary>
internal sealed record RefMerge(string Name, string Kind, string[] Sources, Activation Activation = Activation.Linear, double Alpha = double.NaN) : RefNode(Name, Sources);

/// <summary>
/// An independent double-precision model of a graph: the inputs are cut out of each row, every layer node is the
/// <see cref="ConvReference"/> layer (textbook loops), and the merges are written here from their definitions. Its
/// central finite differences are the oracle for <see cref="Graph"/>'s gradients through fan-out and merges.
/// </summary>
internal sealed class GraphReference(RefInput[] inputs, RefNode[] nodes, LossFunction loss)
{
    /// <summary>The mean training-mode loss plus the L2 penalties (of every node, read or not).</summary>
    public double MeanLoss(double[] parameters, float[] rows, float[] targets, int batch)
    {
        var (outputs, penalty) = Forward(parameters, rows, batch);
        return ConvReference.MeanLoss(loss, outputs, targets, batch) + penalty;
    }

    /// <summary>The outputs of each sample, NCHW.</summary>
    public double[][] Outputs(double[] parameters, float[] rows, int batch) =>
        Forward(parameters, rows, batch).Outputs.Select(t => t.V).ToArray();

    private (Tensor[] Outputs, double Penalty) Forward(double[] parameters, float[] rows, int batch)
    {
        var values = new Dictionary<string, Tensor[]>();
        int rowSize = inputs.Sum(i => i.C * i.H * i.W), start = 0;
        foreach (var input in inputs)
        {
            int size = input.C * input.H * input.W, offset = start;
            values[input.Name] = Enumerable.Range(0, batch)
                .Select(b => new Tensor(input.C, input.H, input.W, rows.Skip(b * rowSize + offset).Take(size).Select(v => (double)v).ToArray())).ToArray();
            start += size;
        }
        int parameterOffset = 0;
        double penalty = 0;
        Tensor[] last = [];
        foreach (var node in nodes)
        {
            last = node switch
            {
                RefLayerNode layer => ConvReference.Apply(layer.Layer, values[layer.Source], parameters, ref parameterOffset, ref penalty),
                RefMerge merge => Enumerable.Range(0, batch).Select(b => Merge(merge, merge.Sources.Select(s => values[s][b]).ToArray())).ToArray(),
                _ => throw new NotSupportedException(node.ToString()),
            };
            values[node.Name] = last;
        }
        if (parameterOffset != parameters.Length) throw new InvalidOperationException($"The reference read {parameterOffset} parameters of {parameters.Length}.");
        return (last, penalty);
    }

    private static Tensor Merge(RefMerge merge, Tensor[] sources)
    {
        var first = sources[0];
        int n = first.V.Length;
        double[] merged = merge.Kind switch
        {
            "Add" => Enumerable.Range(0, n).Select(i => sources.Sum(s => s.V[i])).ToArray(),
            "Average" => Enumerable.Range(0, n).Select(i => sources.Sum(s => s.V[i]) / sources.Length).ToArray(),
            "Multiply" => Enumerable.Range(0, n).Select(i => sources.Aggregate(1.0, (p, s) => p * s.V[i])).ToArray(),
            "Concat" => sources.SelectMany(s => s.V).ToArray(),
            _ => throw new NotSupportedException(merge.Kind),
        };
        int channels = merge.Kind == "Concat" ? sources.Sum(s => s.C) : first.C;
        return new Tensor(channels, first.H, first.W, ConvReference.Activate(merge.Activation, merge.Alpha, merged));
    }
}
