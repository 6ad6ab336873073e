using CompiledNets.Generator.Tests.Infrastructure;
using CompiledNets.Kernels;

namespace CompiledNets.Generator.Tests.Emit;

/// <summary>
/// A layer of 1,024 (or any multiple of 1,024) linear units copies its output gradient into row tiles before the weight
/// gradient, which then reads each tile's 4 values of a sample side by side. The copy must put every value where the
/// product reads it: for every output, sample, column and thread split, in each tile shape of the widest accelerated
/// vectors (on AVX-512: 4-, 8- and 16-row tiles, then 3 scalar columns), and for Maxout, whose linear units are its
/// pieces. The narrower vector variants run here under DOTNET_EnableAVX512=0 or DOTNET_EnableAVX2=0.
/// </summary>
public class WideLayerWeightGradientTests
{
    private const int Inputs = 307; // 4 tiles of 64 columns (4 rows each), one of 32 (8 rows), one of 16 (16 rows), 3 scalar columns

    private const string Source = """
        using CompiledNets;
        namespace DeltaTiles;

        [Network(Inputs = 307)]
        [Dense(1024)]
        [Loss(LossFunction.MeanSquaredError)]
        [Sgd]
        public partial class WideLinear;

        [Network(Inputs = 307)]
        [Maxout(256, 4)]
        [Dense(3)]
        [Loss(LossFunction.MeanSquaredError)]
        [Sgd]
        public partial class WideMaxout;
        """;

    private static readonly Lazy<System.Reflection.Assembly> Networks = new(() => GeneratorHarness.CompileAndLoad(Source));

    [Fact]
    public void Both_layers_take_the_row_tiles()
    {
        var run = GeneratorHarness.Run(Source);
        string code = run.Source("DeltaTiles.WideLinear.g.cs");
        Assert.Contains("PackDeltaTiles_1024(ref _deltaA[0], ref _deltaB[0], rows);", code);
        Assert.Contains("internal static void DenseWeightGradient_307x1024(ref float dy, ref float dyTiles,", code);
        // Maxout: its piece gradients (in the other buffer) are copied into the buffer its output gradient came in.
        Assert.Contains("PackDeltaTiles_1024(ref _deltaA[0], ref _deltaB[0], rows);", run.Source("DeltaTiles.WideMaxout.g.cs"));
    }

    public static TheoryData<string, int, int> Cases() => new()
    {
        { "WideLinear", 1, 1 },
        { "WideLinear", 5, 1 },
        { "WideLinear", 70, 1 }, // two reduction blocks of 64 samples
        { "WideLinear", 70, 2 }, // 39 MFLOP: split across two threads by input columns
        { "WideMaxout", 6, 1 },
        { "WideMaxout", 70, 2 },
    };

    /// <summary>
    /// Sample b alone has non-zero inputs in the columns k ≡ b (mod batch), and x[b, b] = 1. Every weight-gradient
    /// element then has exactly one non-zero term: dW[o, b] is sample b's gradient dy[b, o] itself, every other column k
    /// of sample b must be exactly dy[b, o]·x[b, k], and db[o] the sum of the dy[b, o] in batch order. For the linear
    /// layer dy[b, o] is also known from outside, 2 (y - t) / (batch × outputs), so a copy that swapped samples or
    /// outputs consistently in every column fails too.
    /// </summary>
    [Theory]
    [MemberData(nameof(Cases))]
    public void Every_product_reads_its_own_sample_and_output(string network, int batch, int threads)
    {
        var net = GeneratorHarness.Create(Networks.Value, "DeltaTiles." + network, seed: 11);
        net.GetType().GetProperty("Threads")!.SetValue(net, threads);
        int linear = network == "WideMaxout" ? 1024 : net.OutputSize;
        var random = new Random(batch * 7 + threads);
        var x = new float[batch * Inputs];
        for (int b = 0; b < batch; b++)
            for (int k = b; k < Inputs; k += batch) x[b * Inputs + k] = k == b ? 1f : (float)(random.NextDouble() * 2 - 1);
        var targets = new float[batch * net.OutputSize];
        for (int i = 0; i < targets.Length; i++) targets[i] = (float)(random.NextDouble() * 4 - 2);

        var outputs = new float[batch * net.OutputSize];
        net.PredictBatch(x, outputs, batch);
        net.ComputeGradients(x, targets, batch);

        var gradients = net.Gradients;
        int biasOffset = linear * Inputs, nonZero = 0;
        for (int o = 0; o < linear; o++)
        {
            float biasSum = 0f;
            for (int b = 0; b < batch; b++)
            {
                float dy = gradients[o * Inputs + b];
                if (dy != 0f) nonZero++;
                if (network == "WideLinear")
                {
                    // PredictBatch sums in another order than the training pass (samples in the vector lanes), so the
                    // outputs agree to rounding of their own scale, which y - t may cancel.
                    float y = outputs[b * linear + o], t = targets[b * linear + o], mse = 2f / (batch * linear) * (y - t);
                    float tolerance = 1e-5f * 2f / (batch * linear) * Math.Max(1f, Math.Max(MathF.Abs(y), MathF.Abs(t)));
                    Assert.True(MathF.Abs(dy - mse) <= tolerance, $"batch {batch}, {threads} thread(s): dW[{o}, {b}] = {dy:R} is not sample {b}'s gradient {mse:R}");
                }
                biasSum += dy;
                for (int k = b + batch; k < Inputs; k += batch)
                {
                    float expected = Subnormals.FlushToZero(dy * x[b * Inputs + k]);
                    float actual = gradients[o * Inputs + k];
                    Assert.True(Bits(expected) == Bits(actual), $"{network}, batch {batch}, {threads} thread(s): dW[{o}, {k}] is {actual:R}, expected dy[{b}, {o}]·x[{b}, {k}] = {expected:R}");
                }
            }
            Assert.True(Bits(biasSum) == Bits(gradients[biasOffset + o]), $"{network}, batch {batch}: db[{o}] is {gradients[biasOffset + o]:R}, expected {biasSum:R}");
        }
        // Maxout passes each output's gradient to one piece of four; a linear layer's gradients are all non-zero.
        Assert.True(nonZero >= linear * batch / 5, $"only {nonZero} of {linear * batch} output gradients are non-zero");
    }

    private static int Bits(float value) => BitConverter.SingleToInt32Bits(value);
}
