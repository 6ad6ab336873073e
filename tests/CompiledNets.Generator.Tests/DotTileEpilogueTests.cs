using System.Runtime.Intrinsics;
using CompiledNets.Generator.Tests.Infrastructure;

namespace CompiledNets.Generator.Tests;

/// <summary>
/// A dot-product tile of 4 outputs over whole 512-bit rows applies bias and activation to its 16 (or 4) sums in one
/// vector and stores each sample's outputs at once. Every output must be bitwise what the scalar epilogue gives:
/// <c>act(Vector512.Sum(fma chain) + bias)</c>, in the right row and column, NaN and infinities included.
/// </summary>
public class DotTileEpilogueTests
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

        [Network(Inputs = 64)]
        [Dense(13)]
        [Loss(LossFunction.MeanSquaredError)]
        [Sgd]
        public partial class LinearLayer;
        """));

    /// <summary>The forward pass as the kernel's scalar epilogue defines it: one FMA chain per 16 lanes, summed as Vector512.Sum.</summary>
    private static float Expected(ReadOnlySpan<float> x, ReadOnlySpan<float> w, float bias, Func<float, float> activation)
    {
        var accumulator = Vector512<float>.Zero;
        for (int k = 0; k < Inputs; k += 16)
            accumulator = Vector512.FusedMultiplyAdd(Vector512.Create(w.Slice(k, 16)), Vector512.Create(x.Slice(k, 16)), accumulator);
        return activation(Vector512.Sum(accumulator) + bias);
    }

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
    public void Vector_epilogue_is_bitwise_the_scalar_one(string network, int batch)
    {
        // The reference sums as the 512-bit path does; other widths take the scalar epilogue, which the corpus covers.
        if (!Vector512.IsHardwareAccelerated) return;
        Func<float, float> activation = network switch
        {
            "ReluLayer" => v => MathF.Max(v, 0f),
            "LeakyLayer" => v => v > 0f ? v : 0.2f * v,
            _ => v => v,
        };
        var net = GeneratorHarness.Create(Networks.Value, "Epilogues." + network, seed: 7);
        int units = net.OutputSize;
        var random = new Random(batch * 31 + units);
        var parameters = net.Parameters;
        for (int i = 0; i < parameters.Length; i++) parameters[i] = (float)(random.NextDouble() * 2 - 1);
        // Biases of both signs and a NaN one; weights as drawn (the first units * Inputs parameters).
        for (int o = 0; o < units; o++) parameters[units * Inputs + o] = o == 5 ? float.NaN : (float)(random.NextDouble() - 0.5);
        var inputs = new float[batch * Inputs];
        for (int i = 0; i < inputs.Length; i++) inputs[i] = (float)(random.NextDouble() * 2 - 1);
        inputs[Inputs * (batch - 1) + 3] = float.PositiveInfinity; // the last sample's outputs are ±∞ or NaN
        if (batch > 2) inputs[Inputs + 7] = float.NaN;              // the second sample's are NaN

        var outputs = new float[batch * units];
        net.PredictBatch(inputs, outputs, batch);
        var single = new float[units];
        for (int b = 0; b < batch; b++)
        {
            net.Predict(inputs.AsSpan(b * Inputs, Inputs), single);
            for (int o = 0; o < units; o++)
            {
                float expected = Expected(inputs.AsSpan(b * Inputs, Inputs), parameters.Slice(o * Inputs, Inputs), parameters[units * Inputs + o], activation);
                Assert.True(Bits(expected) == Bits(outputs[b * units + o]), $"{network}, batch {batch}: PredictBatch sample {b} output {o} is {outputs[b * units + o]:R}, expected {expected:R}");
                Assert.True(Bits(expected) == Bits(single[o]), $"{network}: Predict sample {b} output {o} is {single[o]:R}, expected {expected:R}");
            }
        }
    }

    private static int Bits(float value) => BitConverter.SingleToInt32Bits(value);
}
