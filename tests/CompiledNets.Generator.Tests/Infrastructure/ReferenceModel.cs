namespace CompiledNets.Generator.Tests.Infrastructure;

/// <summary>What a <see cref="ReferenceLayer"/> computes.</summary>
internal enum ReferenceKind { Dense, Maxout, BatchNorm, LayerNorm, Activation }

/// <summary>One layer of a <see cref="ReferenceModel"/>, in the generator's parameter order.</summary>
internal sealed record ReferenceLayer(int Units, Activation Activation, double Alpha = double.NaN)
{
    public ReferenceKind Kind { get; init; } = ReferenceKind.Dense;

    public int Pieces { get; init; } = 1;

    public double Epsilon { get; init; } = 1e-5;

    /// <summary>L2 coefficient of the weights (Dense, Maxout).</summary>
    public double L2 { get; init; }

    public double ResolvedAlpha => double.IsNaN(Alpha) ? Activation == Activation.ELU ? 1 : 0.01 : Alpha;

    public static ReferenceLayer Maxout(int units, int pieces) => new(units, Activation.Linear) { Kind = ReferenceKind.Maxout, Pieces = pieces };

    public static ReferenceLayer BatchNorm(double epsilon = 1e-5) => new(0, Activation.Linear) { Kind = ReferenceKind.BatchNorm, Epsilon = epsilon };

    public static ReferenceLayer LayerNorm(double epsilon = 1e-5) => new(0, Activation.Linear) { Kind = ReferenceKind.LayerNorm, Epsilon = epsilon };

    public static ReferenceLayer Act(Activation activation, double alpha = double.NaN) => new(0, activation, alpha) { Kind = ReferenceKind.Activation };
}

/// <summary>
/// An independent double-precision implementation of a network's training-mode mean loss, written from the
/// textbook formulas and processing the whole batch (batch norm couples samples): the oracle whose central
/// finite differences the generated gradients are checked against.
/// </summary>
/// <summary>An independent double-precision model of a network: its mean loss for given parameters, for finite differences.</summary>
internal interface ILossReference
{
    double MeanLoss(double[] parameters, float[] inputs, float[] targets, int batch);
}

internal sealed class ReferenceModel : ILossReference
{
    private readonly int _inputs;
    private readonly ReferenceLayer[] _layers;
    private readonly LossFunction _loss;

    public ReferenceModel(int inputs, LossFunction loss, params ReferenceLayer[] layers)
    {
        _inputs = inputs;
        _layers = layers;
        _loss = loss;
    }

    public double MeanLoss(double[] parameters, float[] inputs, float[] targets, int batch)
    {
        var x = new double[batch][];
        for (int b = 0; b < batch; b++) x[b] = inputs.AsSpan(b * _inputs, _inputs).ToArray().Select(v => (double)v).ToArray();
        int offset = 0;
        double penalty = 0;
        foreach (var layer in _layers)
        {
            int fanIn = x[0].Length;
            switch (layer.Kind)
            {
                case ReferenceKind.Dense:
                case ReferenceKind.Maxout:
                {
                    int linear = layer.Units * layer.Pieces;
                    var next = new double[batch][];
                    for (int b = 0; b < batch; b++)
                    {
                        var z = new double[linear];
                        for (int o = 0; o < linear; o++)
                        {
                            double sum = parameters[offset + linear * fanIn + o];
                            for (int i = 0; i < fanIn; i++) sum += parameters[offset + o * fanIn + i] * x[b][i];
                            z[o] = sum;
                        }
                        next[b] = layer.Kind == ReferenceKind.Maxout
                            ? Enumerable.Range(0, layer.Units).Select(u => z.Skip(u * layer.Pieces).Take(layer.Pieces).Max()).ToArray()
                            : Activate(layer, z);
                    }
                    for (int i = 0; i < linear * fanIn; i++) penalty += 0.5 * layer.L2 * parameters[offset + i] * parameters[offset + i];
                    offset += linear * fanIn + linear;
                    x = next;
                    break;
                }
                case ReferenceKind.Activation:
                    x = x.Select(row => Activate(layer, row)).ToArray();
                    break;
                case ReferenceKind.BatchNorm:
                {
                    var next = x.Select(row => new double[fanIn]).ToArray();
                    for (int f = 0; f < fanIn; f++)
                    {
                        double mean = x.Average(row => row[f]);
                        double variance = x.Average(row => (row[f] - mean) * (row[f] - mean));
                        for (int b = 0; b < batch; b++)
                            next[b][f] = parameters[offset + f] * (x[b][f] - mean) / Math.Sqrt(variance + layer.Epsilon) + parameters[offset + fanIn + f];
                    }
                    offset += 2 * fanIn;
                    x = next;
                    break;
                }
                case ReferenceKind.LayerNorm:
                {
                    var next = new double[batch][];
                    for (int b = 0; b < batch; b++)
                    {
                        double mean = x[b].Average();
                        double variance = x[b].Average(v => (v - mean) * (v - mean));
                        next[b] = x[b].Select((v, f) => parameters[offset + f] * (v - mean) / Math.Sqrt(variance + layer.Epsilon) + parameters[offset + fanIn + f]).ToArray();
                    }
                    offset += 2 * fanIn;
                    x = next;
                    break;
                }
            }
        }

        int outputs = x[0].Length;
        double total = 0;
        for (int b = 0; b < batch; b++)
        {
            var t = targets.AsSpan(b * outputs, outputs).ToArray();
            for (int j = 0; j < outputs; j++)
            {
                double p = x[b][j];
                total += _loss switch
                {
                    LossFunction.MeanSquaredError => (p - t[j]) * (p - t[j]) / outputs,
                    LossFunction.BinaryCrossEntropy => -(t[j] * Math.Log(p) + (1 - t[j]) * Math.Log(1 - p)) / outputs,
                    _ => t[j] == 0 ? 0 : -t[j] * Math.Log(p),
                };
            }
        }
        return total / batch + penalty;
    }

    internal static double[] Activate(ReferenceLayer layer, double[] z)
    {
        double alpha = layer.ResolvedAlpha;
        if (layer.Activation == Activation.Softmax)
        {
            double max = z.Max();
            var e = z.Select(v => Math.Exp(v - max)).ToArray();
            double sum = e.Sum();
            return e.Select(v => v / sum).ToArray();
        }
        return z.Select(x => layer.Activation switch
        {
            Activation.Linear => x,
            Activation.Sigmoid => 1 / (1 + Math.Exp(-x)),
            Activation.Tanh => Math.Tanh(x),
            Activation.ReLU => Math.Max(0, x),
            Activation.LeakyReLU => x > 0 ? x : alpha * x,
            Activation.ELU => x > 0 ? x : alpha * (Math.Exp(x) - 1),
            Activation.GELU => 0.5 * x * (1 + Math.Tanh(Math.Sqrt(2 / Math.PI) * (x + 0.044715 * x * x * x))),
            Activation.SiLU => x / (1 + Math.Exp(-x)),
            _ => throw new NotSupportedException(layer.Activation.ToString()),
        }).ToArray();
    }
}
