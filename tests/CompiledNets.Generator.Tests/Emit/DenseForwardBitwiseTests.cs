using System.Runtime.Intrinsics;
using CompiledNets.Generator.Tests.Infrastructure;

namespace CompiledNets.Generator.Tests.Emit;

/// <summary>
/// Single-sample <c>Predict</c> runs a dot-product tile of 4 outputs over whole 512-bit rows, which applies bias and
/// activation to its 16 (or 4) sums in one vector and stores each sample's outputs at once: every output must be bitwise
/// <c>act(Vector512.Sum(fma chain of 16 lanes) + bias)</c>. <c>PredictBatch</c> of these Dense chains runs with the samples
/// in the vector lanes, one FMA chain per output over the inputs in order: every output must be bitwise
/// <c>act(fma chain + bias)</c>. Both in the right row and column, -0, NaN and infinities included.
/// </summary>
public class DenseForwardBitwiseTests
{
    private const int Inputs = 64;

    private static readonly Lazy<System.Reflection.Assembly> Networks = new(() => GeneratorHarness.CompileAndLoad("""
        using CompiledNets;
        namespace Epilogues;

        [Network(Inputs = 64)]
        [Dense(12, Activation.ReLU)]
        [Loss(LossFunction.MeanSquaredError)]
        [Sgd]
        public partial class ReluLayer;

        [Network(Inputs = 64)]
        [Dense(12, Activation.LeakyReLU, Alpha = 0.2f)]
        [Loss(LossFunction.MeanSquaredError)]
        [Sgd]
        public partial class LeakyLayer;

        [Network(Inputs = 784)]
        [Dense(130, Activation.ReLU)]
        [Loss(LossFunction.MeanSquaredError)]
        [Sgd]
        public partial class WideRelu;

        [Network(Inputs = 64)]
        [Dense(13)]
        [Loss(LossFunction.MeanSquaredError)]
        [Sgd]
        public partial class LinearLayer;
        """));

    /// <summary>The pre-activation as the kernel's scalar epilogue defines it: one FMA chain per 16 lanes, summed as Vector512.Sum, plus bias.</summary>
    private static float PreActivation(ReadOnlySpan<float> x, ReadOnlySpan<float> w, float bias)
    {
        var accumulator = Vector512<float>.Zero;
        for (int k = 0; k < x.Length; k += 16)
            accumulator = Vector512.FusedMultiplyAdd(Vector512.Create(w.Slice(k, 16)), Vector512.Create(x.Slice(k, 16)), accumulator);
        return Vector512.Sum(accumulator) + bias;
    }

    /// <summary>The pre-activation as <c>PredictBatch</c>'s lane tile defines it: one FMA chain over the inputs in order, from +0, plus bias.</summary>
    private static float LanePreActivation(ReadOnlySpan<float> x, ReadOnlySpan<float> w, float bias)
    {
        float accumulator = 0f;
        for (int k = 0; k < x.Length; k++) accumulator = MathF.FusedMultiplyAdd(w[k], x[k], accumulator);
        return accumulator + bias;
    }

    private static Func<float, float> ScalarActivation(string network) => network switch
    {
        "ReluLayer" or "WideRelu" => v => MathF.Max(v, 0f),
        "LeakyLayer" => v => v > 0f ? v : 0.2f * v,
        _ => v => v,
    };

    public static TheoryData<string, int> Cases()
    {
        var cases = new TheoryData<string, int>();
        foreach (string network in new[] { "ReluLayer", "LeakyLayer", "LinearLayer" })
            foreach (int batch in new[] { 1, 3, 4, 5, 8, 9 })
                cases.Add(network, batch);
        return cases;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Outputs_are_bitwise_the_scalar_formula(string network, int batch)
    {
        // The reference sums as the 512-bit path does; without AVX-512 every tile takes the scalar epilogue, which the
        // equivalence corpus covers, and there is no vector epilogue to check.
        if (!Vector512.IsHardwareAccelerated) return;
        var net = GeneratorHarness.Create(Networks.Value, "Epilogues." + network, seed: 7);
        var (inputs, parameters) = Fill(net, batch, Inputs);
        AssertOutputs(net, network, inputs, parameters, batch, Inputs, checkSingle: true);
    }

    /// <summary>
    /// 784 inputs × 130 units on two threads: 81 samples are a whole block of 64 and a partial one of 17, run by either
    /// thread, and 130 outputs end in a tail of 10 after whole lane tiles of 12.
    /// </summary>
    [Fact]
    public void Outputs_of_a_wide_layer_split_across_threads_are_bitwise_the_scalar_formula()
    {
        if (!Vector512.IsHardwareAccelerated) return;
        const int wideInputs = 784, batch = 81;
        var net = GeneratorHarness.Create(Networks.Value, "Epilogues.WideRelu", seed: 7);
        net.GetType().GetProperty("Threads")!.SetValue(net, 2);
        var (inputs, parameters) = Fill(net, batch, wideInputs);
        AssertOutputs(net, "WideRelu", inputs, parameters, batch, wideInputs, checkSingle: false);
    }

    /// <summary>
    /// Random weights and biases with a NaN bias; the last sample has an infinite input, the second a NaN one, and the
    /// first (from 3 samples) inputs of -ε with output 0's weights 0.25 and bias -0, so its pre-activation is exactly -0
    /// (ReLU must give +0, Linear -0).
    /// </summary>
    private static (float[] Inputs, float[] Parameters) Fill(INetwork net, int batch, int inputs)
    {
        int units = net.OutputSize;
        var random = new Random(batch * 31 + units);
        var parameters = net.Parameters;
        for (int i = 0; i < parameters.Length; i++) parameters[i] = (float)(random.NextDouble() * 2 - 1);
        for (int o = 0; o < units; o++) parameters[units * inputs + o] = o == 5 ? float.NaN : (float)(random.NextDouble() - 0.5);
        var x = new float[batch * inputs];
        for (int i = 0; i < x.Length; i++) x[i] = (float)(random.NextDouble() * 2 - 1);
        x[inputs * (batch - 1) + 3] = float.PositiveInfinity;
        if (batch > 2)
        {
            x[inputs + 7] = float.NaN;
            x.AsSpan(0, inputs).Fill(-float.Epsilon);
            parameters.Slice(0, inputs).Fill(0.25f);
            parameters[units * inputs] = -0f;
            Assert.Equal(Bits(-0f), Bits(PreActivation(x.AsSpan(0, inputs), parameters.Slice(0, inputs), -0f)));
            Assert.Equal(Bits(-0f), Bits(LanePreActivation(x.AsSpan(0, inputs), parameters.Slice(0, inputs), -0f)));
        }
        return (x, parameters.ToArray());
    }

    private static void AssertOutputs(INetwork net, string network, float[] inputs, float[] parameters, int batch, int k, bool checkSingle)
    {
        var activation = ScalarActivation(network);
        int units = net.OutputSize;
        var outputs = new float[batch * units];
        net.PredictBatch(inputs, outputs, batch);
        var single = new float[units];
        for (int b = 0; b < batch; b++)
        {
            if (checkSingle) net.Predict(inputs.AsSpan(b * k, k), single);
            for (int o = 0; o < units; o++)
            {
                // NaN stays NaN; which NaN's payload an add of two NaNs keeps is the JIT's choice, so NaNs compare as NaN.
                ReadOnlySpan<float> row = inputs.AsSpan(b * k, k), weights = parameters.AsSpan(o * k, k);
                float bias = parameters[units * k + o];
                AssertSame(activation(LanePreActivation(row, weights, bias)), outputs[b * units + o], $"{network}, batch {batch}: PredictBatch sample {b} output {o}");
                if (checkSingle) AssertSame(activation(PreActivation(row, weights, bias)), single[o], $"{network}: Predict sample {b} output {o}");
            }
        }
    }

    private static void AssertSame(float expected, float actual, string what) =>
        Assert.True(float.IsNaN(expected) ? float.IsNaN(actual) : Bits(expected) == Bits(actual), $"{what} is {actual:R}, expected {expected:R}");

    private static int Bits(float value) => BitConverter.SingleToInt32Bits(value);
}
