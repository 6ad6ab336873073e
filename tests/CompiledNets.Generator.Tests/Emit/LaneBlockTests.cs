using System.Reflection;
using CompiledNets.Generator.Tests.Infrastructure;

namespace CompiledNets.Generator.Tests.Emit;

/// <summary>
/// <c>PredictBatch</c> of a chain of Dense layers runs its blocks with the samples in the vector lanes
/// (<c>LaneBlockKernelEmitter</c>). Its outputs must stay within rounding of <c>Predict</c> and of the training forward
/// pass, be the same bits on 1 and 2 threads, and the same bits for a sample in a whole block and in a partial one (each
/// output is one FMA chain over the inputs, whatever the tile). The networks cover a Softmax applied to the rows after the
/// lanes, outputs that fill whole tiles of 12 and tails (10, 13, 1), inputs under 16 (transposed element by element), a
/// LeakyReLU's alpha, and a Dropout between layers. Declarations that keep the per-layer kernels are checked in the code.
/// </summary>
public class LaneBlockTests
{
    private const string Source = """
        using CompiledNets;
        namespace Lanes;

        [Network(Inputs = 784)]
        [Dense(128, Activation.ReLU)] [Dense(10, Activation.Softmax)]
        [Loss(LossFunction.CrossEntropy)] [Adam]
        public partial class Small;

        [Network(Inputs = 37)]
        [Dense(60, Activation.LeakyReLU, Alpha = 0.05f)] [Dropout(0.2f)] [Dense(13, Activation.Tanh)] [Dense(1, Activation.Sigmoid)]
        [Loss(LossFunction.BinaryCrossEntropy)] [Sgd]
        public partial class Tails;

        [Network(Inputs = 9, InferenceOnly = true)]
        [Dense(24, Activation.ReLU)] [Dense(24, Activation.ReLU)] [Dense(3)]
        public partial class NarrowInputs;
        """;

    private static readonly Lazy<Assembly> Networks = new(() => GeneratorHarness.CompileAndLoad(Source));

    public static TheoryData<string> Names() => new("Small", "Tails", "NarrowInputs");

    private static INetwork Create(string name, int threads = 1)
    {
        var network = GeneratorHarness.Create(Networks.Value, "Lanes." + name, seed: 5);
        network.GetType().GetProperty("Threads")!.SetValue(network, threads);
        return network;
    }

    private static int BlockRows(INetwork network) =>
        (int)network.GetType().GetField("PredictBlockRows", BindingFlags.NonPublic | BindingFlags.Static)!.GetValue(null)!;

    private static float[] RandomInputs(int count, int seed)
    {
        var random = new Random(seed);
        var values = new float[count];
        for (int i = 0; i < count; i++) values[i] = (float)(random.NextDouble() * 2 - 1);
        return values;
    }

    private static void AssertWithinRounding(ReadOnlySpan<float> expected, ReadOnlySpan<float> actual, string what)
    {
        for (int i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(expected[i] - actual[i]) <= 1e-5f * Math.Max(1f, Math.Abs(expected[i])), $"{what}[{i}]: {actual[i]} against {expected[i]}");
    }

    [Fact]
    public void Chains_of_Dense_layers_predict_their_blocks_in_lanes()
    {
        var sources = GeneratorHarness.Run(Source).Sources.ToDictionary(s => s.HintName, s => s.Source);
        string Of(string name) => sources.Single(s => s.Key.EndsWith($".{name}.g.cs", StringComparison.Ordinal)).Value;
        Assert.Contains("Kernels.DensePredictLanes_784x128_ReLU_", Of("Small"));
        Assert.Contains("Kernels.DensePredictLanes_128x10_Linear_", Of("Small"));
        Assert.Contains("Kernels.SoftmaxRows_10(outputs)", Of("Small"));
        Assert.Contains("Kernels.DensePredictLanes_60x13_Linear_", Of("Tails")); // Tanh has no vector form: applied to the lanes after
        Assert.Contains(".Tanh(lanes", Of("Tails"));
        Assert.Contains("Kernels.LanesFromRows_9_", Of("NarrowInputs"));
    }

    [Theory]
    [InlineData("[Dense(64, Activation.ReLU)] [BatchNorm] [Dense(3)]", "a BatchNorm is not a Dense layer")]
    [InlineData("[Dense(64, Activation.ReLU, Name = \"a\")] [Dense(3)]", "a graph keeps a row per value")]
    [InlineData("[Dense(64, Activation.Softmax)] [Dense(3)]", "a hidden Softmax is not applied in the product")]
    [InlineData("[Maxout(16, 2)] [Dense(3)]", "Maxout has pieces")]
    public void Other_chains_keep_the_per_layer_kernels(string layers, string because)
    {
        string source = $$"""
            using CompiledNets;
            namespace Lanes;
            [Network(Inputs = 40, InferenceOnly = true)]
            {{layers}}
            public partial class Kept;
            """;
        var generated = GeneratorHarness.Run(source).Sources.Single(s => s.HintName.EndsWith(".Kept.g.cs", StringComparison.Ordinal)).Source;
        Assert.False(generated.Contains("DensePredictLanes_", StringComparison.Ordinal), because);
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void PredictBatch_is_Predict_and_the_training_forward_pass_to_rounding(string name)
    {
        var network = Create(name);
        int batch = BlockRows(network) + 5; // a whole block and a partial one
        var inputs = RandomInputs(batch * network.InputSize, seed: 1);
        var rows = new float[batch * network.OutputSize];
        network.PredictBatch(inputs, rows, batch);
        var one = new float[network.OutputSize];
        for (int b = 0; b < batch; b++)
        {
            network.Predict(inputs.AsSpan(b * network.InputSize, network.InputSize), one);
            AssertWithinRounding(one, rows.AsSpan(b * network.OutputSize, network.OutputSize), $"{name} sample {b}");
        }
        if (name != "Small") return; // NarrowInputs is inference-only, and Tails' training pass drops inputs
        var targets = new float[4 * network.OutputSize];
        network.ComputeGradients(inputs.AsSpan(0, 4 * network.InputSize), targets, 4);
        AssertWithinRounding(network.TrainingOutputs[..(4 * network.OutputSize)], rows.AsSpan(0, 4 * network.OutputSize), $"{name} against training");
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void A_sample_gives_the_same_bits_in_any_block_and_on_any_thread(string name)
    {
        var one = Create(name);
        var two = Create(name, threads: 2);
        int blockRows = BlockRows(one);
        int batch = 40 * blockRows + 7; // enough for the pool to split it
        var inputs = RandomInputs(batch * one.InputSize, seed: 3);
        var single = new float[batch * one.OutputSize];
        var pooled = new float[batch * one.OutputSize];
        one.PredictBatch(inputs, single, batch);
        two.PredictBatch(inputs, pooled, batch);
        Assert.Equal(single, pooled);

        // Samples from 3 on as a partial block of their own, against their places in whole blocks: fewer than 16 (moved
        // to the lanes one by one), whole groups of 16 and a few more, and whole groups only.
        foreach (int rows in new[] { 9, 37, 48 })
        {
            var partial = new float[rows * one.OutputSize];
            one.PredictBatch(inputs.AsSpan(3 * one.InputSize, rows * one.InputSize), partial, rows);
            Assert.Equal(single.AsSpan(3 * one.OutputSize, rows * one.OutputSize).ToArray(), partial);
        }
    }
}
