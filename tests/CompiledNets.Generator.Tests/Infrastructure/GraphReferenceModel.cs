namespace CompiledNets.Generator.Tests.Infrastructure;

/// <summary>What a node of <see cref="GraphReferenceModel"/> computes.</summary>
internal enum ReferenceOp { Layer, Add, Concat, Multiply, Average }

/// <summary>
/// One node: a layer (<see cref="ReferenceLayer"/>: Dense, Maxout, Activation, LayerNorm) or a merge with its activation,
/// and the values it reads (layer <c>i</c> is <c>i</c>, input <c>k</c> is <c>-1 - k</c>).
/// </summary>
internal sealed record ReferenceNode(ReferenceOp Op, ReferenceLayer? Layer, Activation Activation, params int[] Sources)
{
    public static ReferenceNode Of(ReferenceLayer layer, int source) => new(ReferenceOp.Layer, layer, Activation.Linear, source);

    public static ReferenceNode Merge(ReferenceOp op, Activation activation, params int[] sources) => new(op, null, activation, sources);
}

/// <summary>
/// An independent double-precision model of a graph network: the mean loss over a batch for given parameters, laid out
/// in node order as the generated classes lay them out, for finite-difference checks of generated gradients.
/// </summary>
internal sealed class GraphReferenceModel : ILossReference
{
    private readonly int[] _inputSizes;
    private readonly ReferenceNode[] _nodes;
    private readonly LossFunction _loss;

    public GraphReferenceModel(int[] inputSizes, LossFunction loss, params ReferenceNode[] nodes)
    {
        _inputSizes = inputSizes;
        _nodes = nodes;
        _loss = loss;
    }

    public double MeanLoss(double[] parameters, float[] inputs, float[] targets, int batch)
    {
        int rowSize = _inputSizes.Sum();
        int outputs = 0;
        double total = 0;
        for (int b = 0; b < batch; b++)
        {
            var inputValues = new List<double[]>();
            int at = b * rowSize;
            foreach (int size in _inputSizes)
            {
                inputValues.Add(inputs.AsSpan(at, size).ToArray().Select(v => (double)v).ToArray());
                at += size;
            }
            var values = new List<double[]>();
            double[] Value(int source) => source < 0 ? inputValues[-1 - source] : values[source];
            int offset = 0;
            foreach (var node in _nodes)
            {
                var read = node.Sources.Select(Value).ToList();
                values.Add(node.Op switch
                {
                    ReferenceOp.Layer => Layer(node.Layer!, read[0], parameters, ref offset),
                    ReferenceOp.Concat => Activate(node.Activation, read.SelectMany(v => v).ToArray()),
                    ReferenceOp.Add => Activate(node.Activation, Combine(read, (x, y) => x + y)),
                    ReferenceOp.Multiply => Activate(node.Activation, Combine(read, (x, y) => x * y)),
                    _ => Activate(node.Activation, Combine(read, (x, y) => x + y).Select(v => v / read.Count).ToArray()),
                });
            }
            var output = values[^1];
            outputs = output.Length;
            var t = targets.AsSpan(b * outputs, outputs).ToArray();
            for (int j = 0; j < outputs; j++)
            {
                double p = output[j];
                total += _loss switch
                {
                    LossFunction.MeanSquaredError => (p - t[j]) * (p - t[j]) / outputs,
                    LossFunction.BinaryCrossEntropy => -(t[j] * Math.Log(p) + (1 - t[j]) * Math.Log(1 - p)) / outputs,
                    _ => t[j] == 0 ? 0 : -t[j] * Math.Log(p),
                };
            }
        }
        return total / batch;
    }

    private static double[] Combine(List<double[]> values, Func<double, double, double> op) =>
        values.Skip(1).Aggregate(values[0], (sum, next) => sum.Zip(next, op).ToArray());

    private static double[] Activate(Activation activation, double[] z) => ReferenceModel.Activate(new ReferenceLayer(0, activation), z);

    /// <summary>One sample through a layer, reading its parameters from <paramref name="offset"/> on.</summary>
    private static double[] Layer(ReferenceLayer layer, double[] x, double[] parameters, ref int offset)
    {
        int fanIn = x.Length;
        switch (layer.Kind)
        {
            case ReferenceKind.Dense:
            case ReferenceKind.Maxout:
            {
                int linear = layer.Units * layer.Pieces;
                var z = new double[linear];
                for (int o = 0; o < linear; o++)
                {
                    double sum = parameters[offset + linear * fanIn + o];
                    for (int i = 0; i < fanIn; i++) sum += parameters[offset + o * fanIn + i] * x[i];
                    z[o] = sum;
                }
                offset += linear * fanIn + linear;
                return layer.Kind == ReferenceKind.Maxout
                    ? Enumerable.Range(0, layer.Units).Select(u => z.Skip(u * layer.Pieces).Take(layer.Pieces).Max()).ToArray()
                    : ReferenceModel.Activate(layer, z);
            }
            case ReferenceKind.LayerNorm:
            {
                double mean = x.Average();
                double variance = x.Average(v => (v - mean) * (v - mean));
                int at = offset;
                offset += 2 * fanIn;
                return x.Select((v, f) => parameters[at + f] * (v - mean) / Math.Sqrt(variance + layer.Epsilon) + parameters[at + fanIn + f]).ToArray();
            }
            case ReferenceKind.Activation:
                return ReferenceModel.Activate(layer, x);
            default:
                throw new NotSupportedException(layer.Kind.ToString());
        }
    }
}
