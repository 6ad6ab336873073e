namespace CompiledNets.Runtime.Tests.Interpreted;

/// <summary>One layer of a <see cref="ConvReference"/> network, in the engine's parameter order.</summary>
internal abstract record RefLayer;

/// <summary>Convolution: weight <c>[filters, in, kh, kw]</c>, then bias.</summary>
internal sealed record RefConv(int Filters, int KernelHeight, int KernelWidth, Activation Activation, int Stride = 1, Padding Padding = Padding.Valid, double Alpha = double.NaN, double L2 = 0) : RefLayer;

internal sealed record RefMaxPool(int Size, int Stride, Padding Padding = Padding.Valid) : RefLayer;

internal sealed record RefAvgPool(int Size, int Stride, Padding Padding = Padding.Valid) : RefLayer;

internal sealed record RefGlobalAvgPool : RefLayer;

internal sealed record RefFlatten : RefLayer;

/// <summary>Dense: weight <c>[units, inputs]</c>, then bias.</summary>
internal sealed record RefDense(int Units, Activation Activation, double Alpha = double.NaN, double L2 = 0) : RefLayer;

/// <summary>
/// Batch norm: per channel on images, per feature on flat values; gamma then beta. With running statistics it is in
/// inference form (they replace the batch's).
/// </summary>
internal sealed record RefBatchNorm(double Epsilon = 1e-5, double[]? RunningMean = null, double[]? RunningVariance = null) : RefLayer;

/// <summary>Layer norm over all of a sample's values; gamma then beta, element-wise.</summary>
internal sealed record RefLayerNorm(double Epsilon = 1e-5) : RefLayer;

internal sealed record RefActivation(Activation Activation, double Alpha = double.NaN) : RefLayer;

/// <summary>
/// An independent double-precision model of convolutional networks, written from the textbook definitions with
/// plain loops (no unfolding, no shared code with the runtime): a sample is a <c>[C, H, W]</c> array of doubles and
/// every layer is computed element by element. Its central finite differences are the oracle for the interpreted
/// engine's gradients, and its forward pass the oracle for the values.
/// </summary>
/// <remarks>
/// Padding follows Keras by definition: Valid <c>out = floor((in - k) / s) + 1</c>; Same <c>out = ceil(in / s)</c> with
/// <c>max((out - 1)·s + k - in, 0)</c> cells of padding, half (rounded down) before. Convolution pads with zeros; max
/// pooling ignores padded cells; average pooling divides by the number of cells inside the input.
/// </remarks>
internal sealed class ConvReference(int channels, int height, int width, LossFunction loss, params RefLayer[] layers)
{
    internal sealed record Tensor(int C, int H, int W, double[] V)
    {
        public double this[int c, int y, int x] => V[(c * H + y) * W + x];
    }

    /// <summary>The mean training-mode loss over the batch (batch norm uses the batch's statistics), plus the L2 penalties.</summary>
    public double MeanLoss(double[] parameters, float[] inputs, float[] targets, int batch)
    {
        var (outputs, penalty) = Forward(parameters, inputs, batch);
        return MeanLoss(loss, outputs, targets, batch) + penalty;
    }

    /// <summary>The mean loss of <paramref name="outputs"/> against <paramref name="targets"/>, without penalties.</summary>
    internal static double MeanLoss(LossFunction loss, Tensor[] outputs, float[] targets, int batch)
    {
        int n = outputs[0].V.Length;
        double total = 0;
        for (int b = 0; b < batch; b++)
        {
            for (int j = 0; j < n; j++)
            {
                double p = outputs[b].V[j], t = targets[b * n + j];
                total += loss switch
                {
                    LossFunction.MeanSquaredError => (p - t) * (p - t) / n,
                    LossFunction.BinaryCrossEntropy => -(t * Math.Log(p) + (1 - t) * Math.Log(1 - p)) / n,
                    _ => t == 0 ? 0 : -t * Math.Log(p),
                };
            }
        }
        return total / batch;
    }

    /// <summary>The training-mode outputs of each sample, flattened in NCHW order.</summary>
    public double[][] Outputs(double[] parameters, float[] inputs, int batch) =>
        Forward(parameters, inputs, batch).Outputs.Select(t => t.V).ToArray();

    private (Tensor[] Outputs, double Penalty) Forward(double[] parameters, float[] inputs, int batch)
    {
        int size = channels * height * width;
        var x = new Tensor[batch];
        for (int b = 0; b < batch; b++)
            x[b] = new Tensor(channels, height, width, inputs.AsSpan(b * size, size).ToArray().Select(v => (double)v).ToArray());
        int offset = 0;
        double penalty = 0;
        foreach (var layer in layers) x = Apply(layer, x, parameters, ref offset, ref penalty);
        if (offset != parameters.Length) throw new InvalidOperationException($"The reference read {offset} parameters of {parameters.Length}.");
        return (x, penalty);
    }

    /// <summary>One layer in training mode on a batch of samples, reading its parameters at <paramref name="offset"/> and moving it on.</summary>
    internal static Tensor[] Apply(RefLayer layer, Tensor[] x, double[] parameters, ref int offset, ref double penalty)
    {
        int batch = x.Length;
        switch (layer)
        {
            case RefConv conv:
            {
                int c = x[0].C, k = c * conv.KernelHeight * conv.KernelWidth;
                var weights = parameters.AsSpan(offset, conv.Filters * k).ToArray();
                var bias = parameters.AsSpan(offset + conv.Filters * k, conv.Filters).ToArray();
                for (int i = 0; i < weights.Length; i++) penalty += 0.5 * conv.L2 * weights[i] * weights[i];
                offset += conv.Filters * k + conv.Filters;
                return x.Select(t => Convolve(t, conv, weights, bias)).ToArray();
            }
            case RefMaxPool pool:
                return x.Select(t => Pool(t, pool.Size, pool.Stride, pool.Padding, max: true)).ToArray();
            case RefAvgPool pool:
                return x.Select(t => Pool(t, pool.Size, pool.Stride, pool.Padding, max: false)).ToArray();
            case RefGlobalAvgPool:
                return x.Select(t => new Tensor(t.C, 1, 1, Enumerable.Range(0, t.C).Select(c => t.V.Skip(c * t.H * t.W).Take(t.H * t.W).Average()).ToArray())).ToArray();
            case RefFlatten:
                return x.Select(t => new Tensor(t.V.Length, 1, 1, t.V)).ToArray();
            case RefDense dense:
            {
                int fanIn = x[0].V.Length;
                var p = parameters;
                int start = offset;
                x = x.Select(t => new Tensor(dense.Units, 1, 1, Activate(dense.Activation, dense.Alpha,
                    Enumerable.Range(0, dense.Units).Select(o =>
                    {
                        double sum = p[start + dense.Units * fanIn + o];
                        for (int i = 0; i < fanIn; i++) sum += p[start + o * fanIn + i] * t.V[i];
                        return sum;
                    }).ToArray()))).ToArray();
                for (int i = start; i < start + dense.Units * fanIn; i++) penalty += 0.5 * dense.L2 * p[i] * p[i];
                offset += dense.Units * fanIn + dense.Units;
                return x;
            }
            case RefBatchNorm norm:
            {
                int c = x[0].C, area = x[0].H * x[0].W;
                var next = x.Select(t => t with { V = new double[t.V.Length] }).ToArray();
                for (int ch = 0; ch < c; ch++)
                {
                    var values = x.SelectMany(t => t.V.Skip(ch * area).Take(area)).ToArray();
                    double mean = norm.RunningMean?[ch] ?? values.Average();
                    double variance = norm.RunningVariance?[ch] ?? values.Average(v => (v - mean) * (v - mean));
                    for (int b = 0; b < batch; b++)
                        for (int i = ch * area; i < (ch + 1) * area; i++)
                            next[b].V[i] = parameters[offset + ch] * (x[b].V[i] - mean) / Math.Sqrt(variance + norm.Epsilon) + parameters[offset + c + ch];
                }
                offset += 2 * c;
                return next;
            }
            case RefLayerNorm norm:
            {
                int n = x[0].V.Length, start = offset;
                x = x.Select(t =>
                {
                    double mean = t.V.Average();
                    double variance = t.V.Average(v => (v - mean) * (v - mean));
                    return t with { V = t.V.Select((v, i) => parameters[start + i] * (v - mean) / Math.Sqrt(variance + norm.Epsilon) + parameters[start + n + i]).ToArray() };
                }).ToArray();
                offset += 2 * n;
                return x;
            }
            case RefActivation activation:
                return x.Select(t => t with { V = Activate(activation.Activation, activation.Alpha, t.V) }).ToArray();
            default:
                throw new NotSupportedException(layer.ToString());
        }
    }

    /// <summary>Output size and padding before, by Keras's rules (see the remarks).</summary>
    public static (int Output, int PadBefore) Geometry(int input, int window, int stride, Padding padding)
    {
        if (padding == Padding.Valid) return ((int)Math.Floor((input - window) / (double)stride) + 1, 0);
        int output = (int)Math.Ceiling(input / (double)stride);
        int total = Math.Max((output - 1) * stride + window - input, 0);
        return (output, total / 2);
    }

    private static Tensor Convolve(Tensor x, RefConv conv, double[] weights, double[] bias)
    {
        var (outH, top) = Geometry(x.H, conv.KernelHeight, conv.Stride, conv.Padding);
        var (outW, left) = Geometry(x.W, conv.KernelWidth, conv.Stride, conv.Padding);
        var y = new double[conv.Filters * outH * outW];
        for (int f = 0; f < conv.Filters; f++)
        for (int oy = 0; oy < outH; oy++)
        for (int ox = 0; ox < outW; ox++)
        {
            double sum = bias[f];
            for (int c = 0; c < x.C; c++)
            for (int ky = 0; ky < conv.KernelHeight; ky++)
            for (int kx = 0; kx < conv.KernelWidth; kx++)
            {
                int iy = oy * conv.Stride - top + ky, ix = ox * conv.Stride - left + kx;
                if (iy < 0 || iy >= x.H || ix < 0 || ix >= x.W) continue; // zero padding
                sum += weights[((f * x.C + c) * conv.KernelHeight + ky) * conv.KernelWidth + kx] * x[c, iy, ix];
            }
            y[(f * outH + oy) * outW + ox] = sum;
        }
        // Softmax over the whole sample (one distribution per sample), like a Dense layer's.
        return new Tensor(conv.Filters, outH, outW, Activate(conv.Activation, conv.Alpha, y));
    }

    private static Tensor Pool(Tensor x, int size, int stride, Padding padding, bool max)
    {
        var (outH, top) = Geometry(x.H, size, stride, padding);
        var (outW, left) = Geometry(x.W, size, stride, padding);
        var y = new double[x.C * outH * outW];
        for (int c = 0; c < x.C; c++)
        for (int oy = 0; oy < outH; oy++)
        for (int ox = 0; ox < outW; ox++)
        {
            var cells = new List<double>();
            for (int ky = 0; ky < size; ky++)
            for (int kx = 0; kx < size; kx++)
            {
                int iy = oy * stride - top + ky, ix = ox * stride - left + kx;
                if (iy >= 0 && iy < x.H && ix >= 0 && ix < x.W) cells.Add(x[c, iy, ix]);
            }
            y[(c * outH + oy) * outW + ox] = max ? cells.Max() : cells.Average();
        }
        return new Tensor(x.C, outH, outW, y);
    }

    internal static double[] Activate(Activation activation, double alpha, double[] z)
    {
        if (double.IsNaN(alpha)) alpha = activation == Activation.ELU ? 1 : 0.01;
        if (activation == Activation.Softmax)
        {
            double max = z.Max();
            var e = z.Select(v => Math.Exp(v - max)).ToArray();
            double sum = e.Sum();
            return e.Select(v => v / sum).ToArray();
        }
        return z.Select(v => activation switch
        {
            Activation.Linear => v,
            Activation.Sigmoid => 1 / (1 + Math.Exp(-v)),
            Activation.Tanh => Math.Tanh(v),
            Activation.ReLU => Math.Max(0, v),
            Activation.LeakyReLU => v > 0 ? v : alpha * v,
            Activation.ELU => v > 0 ? v : alpha * (Math.Exp(v) - 1),
            Activation.GELU => 0.5 * v * (1 + Math.Tanh(Math.Sqrt(2 / Math.PI) * (v + 0.044715 * v * v * v))),
            Activation.SiLU => v / (1 + Math.Exp(-v)),
            _ => throw new NotSupportedException(activation.ToString()),
        }).ToArray();
    }
}
