using CompiledNets.Generator.Tests.Infrastructure;

namespace CompiledNets.Generator.Tests.Emit;

/// <summary>
/// The sample-lane networks with plain SGD take the step inside their training kernel. That must be bitwise the step
/// <c>ComputeGradients</c> then <c>ApplyGradients</c> takes: same loss, gradients, outputs and parameters, step after step.
/// </summary>
public class TrainBatchMatchesSeparateStepsTests
{
    private const int MaxBatch = 9;

    public static TheoryData<string, int> Cases()
    {
        var data = new TheoryData<string, int>();
        // 1-4 samples run the one-group kernel, 5-9 the loop over groups of four (9 ends on a partial group).
        foreach (string network in new[] { "xor", "single", "linear", "regression", "classifier", "wide", "bottleneck" })
            foreach (int batch in new[] { 1, 3, 4, 5, 8, 9 })
                data.Add(network, batch);
        return data;
    }

    private static INetwork Create(string network, int seed) => network switch
    {
        "xor" => new XorNet(seed, MaxBatch),
        "single" => new SingleNeuron(seed, MaxBatch),
        "linear" => new LinearSgd(seed, MaxBatch),
        "regression" => new LaneSgdRegression(seed, MaxBatch),
        "classifier" => new LaneSgdClassifier(seed, MaxBatch),
        "wide" => new LaneSgdWide(seed, MaxBatch),
        "bottleneck" => GeneratorHarness.Create(Bottleneck.Value, "LaneNames.Bottleneck", seed),
        _ => throw new ArgumentOutOfRangeException(nameof(network)),
    };

    /// <summary>
    /// 2-1-3 with a softmax: the first layer's 3 parameters are summed one by one (no group of four), and their
    /// indices 0-2 include the softmax layer's number, 2. The kernel once declared both as <c>sum2</c> and did not compile.
    /// </summary>
    private static readonly Lazy<System.Reflection.Assembly> Bottleneck = new(() => GeneratorHarness.CompileAndLoad("""
        using CompiledNets;
        namespace LaneNames;

        [Network(Inputs = 2, MaxBatchSize = 9)]
        [Dense(1, Activation.ReLU)]
        [Dense(3, Activation.Softmax)]
        [Loss(LossFunction.CrossEntropy)]
        [Sgd(LearningRate = 0.2f)]
        public partial class Bottleneck;
        """));

    [Theory]
    [MemberData(nameof(Cases))]
    public void TrainBatch_is_bitwise_ComputeGradients_then_ApplyGradients(string network, int batch)
    {
        INetwork fused = Create(network, seed: 11), separate = Create(network, seed: 11);
        var random = new Random(batch);
        var inputs = new float[batch * fused.InputSize];
        var targets = new float[batch * fused.OutputSize];
        for (int step = 0; step < 12; step++)
        {
            Fill(random, inputs, targets, fused.OutputSize, fused.Loss);
            if (step == 6) fused.LearningRate = separate.LearningRate = 0.037f; // a schedule's change between steps
            float fusedLoss = fused.TrainBatch(inputs, targets, batch);
            float separateLoss = separate.ComputeGradients(inputs, targets, batch);
            separate.ApplyGradients();

            Assert.Equal(Bits(separateLoss), Bits(fusedLoss));
            AssertBitwise(separate.Gradients, fused.Gradients, $"gradients after step {step}");
            AssertBitwise(separate.Parameters, fused.Parameters, $"parameters after step {step}");
            AssertBitwise(separate.TrainingOutputs, fused.TrainingOutputs, $"outputs of step {step}");
            Assert.Equal(separate.OptimizerStep, fused.OptimizerStep);
        }
        Assert.Equal(12, fused.OptimizerStep);
    }

    [Fact]
    public void ComputeGradients_alone_leaves_the_parameters_unchanged()
    {
        INetwork network = new XorNet(3, MaxBatch);
        float[] before = network.Parameters.ToArray();
        network.ComputeGradients([0, 0, 0, 1, 1, 0, 1, 1], [0, 1, 1, 0], 4);
        AssertBitwise(before, network.Parameters, "parameters");
        Assert.Contains(network.Gradients.ToArray(), g => g != 0);
        Assert.Equal(0, network.OptimizerStep);
    }

    private static void Fill(Random random, float[] inputs, float[] targets, int outputs, LossFunction loss)
    {
        for (int i = 0; i < inputs.Length; i++) inputs[i] = (float)(random.NextDouble() * 4 - 2);
        Array.Clear(targets);
        for (int row = 0; row < targets.Length / outputs; row++)
        {
            if (loss == LossFunction.CrossEntropy) targets[row * outputs + random.Next(outputs)] = 1f;
            else
                for (int o = 0; o < outputs; o++)
                    targets[row * outputs + o] = loss == LossFunction.BinaryCrossEntropy ? random.Next(2) : (float)random.NextDouble();
        }
    }

    private static int Bits(float value) => BitConverter.SingleToInt32Bits(value);

    private static void AssertBitwise(ReadOnlySpan<float> expected, ReadOnlySpan<float> actual, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
            Assert.True(Bits(expected[i]) == Bits(actual[i]), $"{what}: element {i} is {actual[i]:R}, expected {expected[i]:R}");
    }
}
