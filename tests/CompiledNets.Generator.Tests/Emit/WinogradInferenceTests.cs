using System.Reflection;
using CompiledNets.Generator.Tests.Infrastructure;

namespace CompiledNets.Generator.Tests.Emit;

/// <summary>
/// 3 × 3, stride-1 convolutions of at least 16 channels (whole passes of 32 filters) predict by Winograd's
/// F(4 × 4, 3 × 3), while training keeps the direct convolution. Predictions must stay within rounding of the training
/// forward pass (1e-5 of the outputs' scale), be the same bits in <c>Predict</c> and <c>PredictBatch</c> and for any
/// <c>Threads</c>, and follow the weights after a training step. The networks cover Valid and Same padding, tiles that
/// make one register block of the product and whole blocks with a smaller one after (1, 9 and 25 tiles), outputs that
/// end inside a tile, an activation applied after the transform (Tanh), LeakyReLU and none in it, 96 filters (three
/// passes), 48 and 16 filters (a last pass of one vector), and two layers of one geometry with different activations
/// (they share the input and product kernels).
/// </summary>
public class WinogradInferenceTests
{
    private const string Source = """
        using CompiledNets;
        namespace Winograd;

        [Network(InputShape = new[] { 1, 28, 28 })]
        [Conv2D(32, 3, Activation.ReLU)] [MaxPool2D(2)] [Conv2D(64, 3, Activation.ReLU)] [MaxPool2D(2)] [Flatten] [Dense(10, Activation.Softmax)]
        [Loss(LossFunction.CrossEntropy)] [Adam]
        public partial class Keras;

        [Network(InputShape = new[] { 16, 9, 10 })]
        [Conv2D(32, 3, Activation.LeakyReLU, Padding = Padding.Same)] [Flatten] [Dense(3, Activation.Softmax)]
        [Loss(LossFunction.CrossEntropy)] [Adam]
        public partial class Same;

        [Network(InputShape = new[] { 32, 6, 6 })]
        [Conv2D(96, 3, Activation.Tanh)] [GlobalAvgPool2D] [Dense(2, Activation.Softmax)]
        [Loss(LossFunction.CrossEntropy)] [Sgd]
        public partial class OneTile;

        [Network(InputShape = new[] { 16, 21, 19 })]
        [Conv2D(32, 3)] [Flatten] [Dense(4, Activation.Softmax)]
        [Loss(LossFunction.CrossEntropy)] [Adam]
        public partial class Wide;

        [Network(InputShape = new[] { 32, 8, 8 })]
        [Conv2D(32, 3, Activation.ReLU, Padding = Padding.Same)] [Conv2D(32, 3, Padding = Padding.Same)] [Flatten] [Dense(2, Activation.Softmax)]
        [Loss(LossFunction.CrossEntropy)] [Adam]
        public partial class Twice;

        [Network(InputShape = new[] { 16, 10, 9 })]
        [Conv2D(48, 3, Activation.ReLU, Padding = Padding.Same)] [MaxPool2D(2)] [Conv2D(16, 3, Activation.LeakyReLU)] [Flatten] [Dense(3, Activation.Softmax)]
        [Loss(LossFunction.CrossEntropy)] [Adam]
        public partial class HalfPasses;
        """;

    private static readonly Lazy<Assembly> Networks = new(() => GeneratorHarness.CompileAndLoad(Source));

    public static TheoryData<string> Names() => new("Keras", "Same", "OneTile", "Wide", "Twice", "HalfPasses");

    private static INetwork Create(string name, int threads = 1)
    {
        var network = GeneratorHarness.Create(Networks.Value, "Winograd." + name, seed: 7);
        network.GetType().GetProperty("Threads")!.SetValue(network, threads);
        return network;
    }

    private static float[] RandomInputs(int count, int seed)
    {
        var random = new Random(seed);
        var values = new float[count];
        for (int i = 0; i < count; i++) values[i] = (float)(random.NextDouble() * 2 - 1);
        return values;
    }

    private static void AssertWithinRounding(ReadOnlySpan<float> expected, ReadOnlySpan<float> actual, string what)
    {
        float scale = 0;
        foreach (float value in expected) scale = Math.Max(scale, Math.Abs(value));
        for (int i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(expected[i] - actual[i]) <= 1e-5f * scale, $"{what}[{i}]: {actual[i]} predicted, {expected[i]} in training");
    }

    [Fact]
    public void The_qualifying_convolutions_predict_by_Winograd()
    {
        var sources = GeneratorHarness.Run(Source).Sources.ToDictionary(s => s.HintName, s => s.Source);
        string Of(string name) => sources.Single(s => s.Key.EndsWith($".{name}.g.cs", StringComparison.Ordinal)).Value;
        Assert.Contains("WinogradProduct_32x13x13_64x3x3", Of("Keras"));
        Assert.DoesNotContain("WinogradProduct_1x28x28", Of("Keras")); // one channel: the direct convolution
        Assert.Contains("WinogradProduct_16x9x10_32x3x3", Of("Same"));
        Assert.Contains("WinogradProduct_32x6x6_96x3x3", Of("OneTile"));
        Assert.Contains("WinogradProduct_16x21x19_32x3x3", Of("Wide"));
        Assert.Contains("WinogradProduct_16x10x9_48x3x3_same", Of("HalfPasses")); // a pass of 32 filters, then one of 16
        Assert.Contains("WinogradProduct_48x5x4_16x3x3", Of("HalfPasses")); // 16 filters: no pass of 32
        Assert.Contains("WinogradOutput_16x10x9_48x3x3_same_ReLU_MaxPool_48x10x9_2(", Of("HalfPasses"));
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void Predictions_are_the_training_forward_pass_to_rounding(string name)
    {
        var network = Create(name);
        const int Batch = 5;
        var inputs = RandomInputs(Batch * network.InputSize, seed: 2);
        var targets = new float[Batch * network.OutputSize];
        for (int b = 0; b < Batch; b++) targets[b * network.OutputSize + b % network.OutputSize] = 1;
        var predicted = new float[Batch * network.OutputSize];
        for (int step = 0; step < 2; step++)
        {
            network.ComputeGradients(inputs, targets, Batch);
            network.PredictBatch(inputs, predicted, Batch);
            AssertWithinRounding(network.TrainingOutputs, predicted, $"{name} after {step} steps");
            network.ApplyGradients(); // the transformed filters must follow
        }
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void Predict_PredictBatch_and_threads_give_the_same_bits(string name)
    {
        var one = Create(name);
        var two = Create(name, threads: 2);
        const int Batch = 7;
        var inputs = RandomInputs(Batch * one.InputSize, seed: 4);
        var batch = new float[Batch * one.OutputSize];
        var batchTwo = new float[Batch * one.OutputSize];
        one.PredictBatch(inputs, batch, Batch);
        two.PredictBatch(inputs, batchTwo, Batch);
        Assert.Equal(batch, batchTwo);
        var single = new float[one.OutputSize];
        for (int b = 0; b < Batch; b++)
        {
            one.Predict(inputs.AsSpan(b * one.InputSize, one.InputSize), single);
            Assert.Equal(batch.AsSpan(b * one.OutputSize, one.OutputSize).ToArray(), single);
        }
    }

    [Fact]
    public void A_write_through_Parameters_reaches_the_next_prediction()
    {
        var network = Create("OneTile");
        var inputs = RandomInputs(network.InputSize, seed: 6);
        var before = new float[network.OutputSize];
        network.Predict(inputs, before);
        var parameters = network.Parameters;
        for (int i = 0; i < 32 * 96 * 9; i++) parameters[i] *= -1f; // the convolution's filters
        var after = new float[network.OutputSize];
        network.Predict(inputs, after);
        Assert.NotEqual(before, after);
        var targets = new float[network.OutputSize];
        targets[0] = 1;
        network.ComputeGradients(inputs, targets, 1);
        AssertWithinRounding(network.TrainingOutputs, after, "after the write");
    }
}
