namespace CompiledNets.Generator.Tests.Infrastructure;

/// <summary>One Dense layer of a <see cref="ReferenceModel"/>.</summary>
internal sealed record ReferenceLayer(int Units, Activation Activation, double Alpha = double.NaN)
{
    public double ResolvedAlpha => double.IsNaN(Alpha) ? Activation == Activation.ELU ? 1 : 0.01 : Alpha;
}

/// <summary>
/// An independent double-precision implementation of a Dense stack's mean loss, written from the textbook
/// formulas: the oracle whose central finite differences the generated gradients are checked against.
/// </summary>
internal sealed class ReferenceModel
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
        double total = 0;
        int outputs = _layers[^1].Units;
        for (int b = 0; b < batch; b++)
        {
            var activation = inputs.AsSpan(b * _inputs, _inputs).ToArray().Select(v => (double)v).ToArray();
            int offset = 0;
            foreach (var layer in _layers)
            {
                int fanIn = activation.Length;
                var z = new double[layer.Units];
                for (int o = 0; o < layer.Units; o++)
                {
                    double sum = parameters[offset + layer.Units * fanIn + o];
                    for (int i = 0; i < fanIn; i++) sum += parameters[offset + o * fanIn + i] * activation[i];
                    z[o] = sum;
                }
                offset += layer.Units * fanIn + layer.Units;
                activation = Activate(layer, z);
            }
            var t = targets.AsSpan(b * outputs, outputs).ToArray();
            for (int j = 0; j < outputs; j++)
            {
                double p = activation[j];
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

    private static double[] Activate(ReferenceLayer layer, double[] z)
    {
        double alpha = layer.ResolvedAlpha;
        switch (layer.Activation)
        {
            case Activation.Softmax:
                double max = z.Max();
                var e = z.Select(v => Math.Exp(v - max)).ToArray();
                double sum = e.Sum();
                return e.Select(v => v / sum).ToArray();
            default:
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
}
