using System.Reflection;
using CompiledNets.Generator.Tests.Infrastructure;

namespace CompiledNets.Generator.Tests.Emit;

/// <summary>
/// Single-sample <c>Predict</c> reads the weights of Dense layers of more than 8,192 weights (and fewer than 262,144) from
/// a copy whose tiles of 4 rows are interleaved by vector. The sums are the dot tiles', in the same order, so Predict
/// must be bit for bit the dot tiles reading the parameters, before and after the weights change: <c>PredictBatch</c> of
/// the same sample for the graph and the convolution, and of a graph twin (the same layers, one with a name) holding the
/// same parameters for the chains, whose own <c>PredictBatch</c> runs with the samples in the vector lanes and sums in
/// another order. The cases cover rows that are whole 512-bit vectors and rows
/// with a remainder for every vector width (137 and 67 inputs), outputs that are not a multiple of 4 (67, 10), a graph,
/// a convolution before the Dense, a layer read from the copy after one that Predict splits across cores, and a layer
/// that reads the copy on one thread and splits across cores on two.
/// </summary>
public class InterleavedPredictTests
{
    private const string Source = """
        using CompiledNets;
        namespace Interleaved;

        [Network(Inputs = 784)]
        [Dense(128, Activation.ReLU)] [Dense(10, Activation.Softmax)]
        [Loss(LossFunction.CrossEntropy)] [Adam]
        public partial class Mnist;

        [Network(Inputs = 137)]
        [Dense(67, Activation.LeakyReLU, Alpha = 0.1f)] [Dense(300, Activation.Tanh)] [Dense(4, Activation.Softmax)]
        [Loss(LossFunction.CrossEntropy)] [Adam]
        public partial class Ragged;

        [Network]
        [Input("image", 200)] [Input("meta", 70)]
        [Dense(64, Activation.ReLU, Name = "pixels")] [Dense(8, Activation.SiLU, Name = "facts", From = "meta")]
        [Concat("pixels", "facts")] [Dense(3, Activation.Softmax)]
        [Loss(LossFunction.CrossEntropy)] [Adam]
        public partial class Graph;

        [Network(Inputs = 520)]
        [Dense(520, Activation.ReLU)] [Dense(200, Activation.ReLU)] [Dense(10, Activation.Softmax)]
        [Loss(LossFunction.CrossEntropy)] [Adam]
        public partial class Split;

        [Network(InputShape = new[] { 1, 16, 16 })]
        [Conv2D(8, 3, Activation.ReLU)] [Flatten] [Dense(10, Activation.Softmax)]
        [Loss(LossFunction.CrossEntropy)] [Adam]
        public partial class Convolution;

        [Network(Inputs = 784)]
        [Dense(128, Activation.ReLU, Name = "hidden")] [Dense(10, Activation.Softmax)]
        [Loss(LossFunction.CrossEntropy)] [Adam]
        public partial class MnistTwin;

        [Network(Inputs = 137)]
        [Dense(67, Activation.LeakyReLU, Alpha = 0.1f, Name = "first")] [Dense(300, Activation.Tanh)] [Dense(4, Activation.Softmax)]
        [Loss(LossFunction.CrossEntropy)] [Adam]
        public partial class RaggedTwin;

        [Network(Inputs = 520)]
        [Dense(520, Activation.ReLU, Name = "wide")] [Dense(200, Activation.ReLU)] [Dense(10, Activation.Softmax)]
        [Loss(LossFunction.CrossEntropy)] [Adam]
        public partial class SplitTwin;

        [Network(Inputs = 520)]
        [Dense(520, Activation.ReLU)] [Dense(256, Activation.ReLU)] [Dense(10, Activation.Softmax)]
        [Loss(LossFunction.CrossEntropy)] [Adam]
        public partial class StreamedSplit;

        [Network(Inputs = 520)]
        [Dense(520, Activation.ReLU, Name = "wide")] [Dense(256, Activation.ReLU)] [Dense(10, Activation.Softmax)]
        [Loss(LossFunction.CrossEntropy)] [Adam]
        public partial class StreamedSplitTwin;

        [Network(Inputs = 520)]
        [Dense(256, Activation.ReLU)] [Dense(10, Activation.Softmax)]
        [Loss(LossFunction.CrossEntropy)] [Adam]
        public partial class L2Resident;
        """;

    private static readonly Lazy<Assembly> Networks = new(() => GeneratorHarness.CompileAndLoad(Source));

    public static TheoryData<string> Names() => new("Mnist", "Ragged", "Graph", "Split", "Convolution");

    private static INetwork Create(string name, int seed = 5) => GeneratorHarness.Create(Networks.Value, "Interleaved." + name, seed);

    private static float[] RandomInputs(int count, int seed)
    {
        var random = new Random(seed);
        var values = new float[count];
        for (int i = 0; i < count; i++) values[i] = (float)(random.NextDouble() * 2 - 1);
        return values;
    }

    private static float[] Predict(INetwork network, float[] input)
    {
        var output = new float[network.OutputSize];
        network.Predict(input, output);
        return output;
    }

    private static float[] PredictBatchOfOne(INetwork network, float[] input)
    {
        var output = new float[network.OutputSize];
        network.PredictBatch(input, output, 1);
        return output;
    }

    /// <summary>The dot tiles reading the parameters: PredictBatch of the network, or of its graph twin for a chain.</summary>
    private static float[] DotTilesReference(INetwork network, float[] input)
    {
        string name = network.GetType().Name;
        if (!new[] { "Mnist", "Ragged", "Split", "StreamedSplit" }.Contains(name)) return PredictBatchOfOne(network, input);
        var twin = Create(name + "Twin");
        network.Parameters.CopyTo(twin.Parameters);
        return PredictBatchOfOne(twin, input);
    }

    private static void AssertPredictIsTheBatchKernel(INetwork network, float[] input, string because)
    {
        var expected = DotTilesReference(network, input);
        var actual = Predict(network, input);
        for (int i = 0; i < expected.Length; i++)
            Assert.True(BitConverter.SingleToInt32Bits(expected[i]) == BitConverter.SingleToInt32Bits(actual[i]), $"{because}: Predict gives {actual[i]:R} for output {i}, PredictBatch {expected[i]:R}");
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void Predict_is_bitwise_PredictBatch_of_the_same_sample(string name)
    {
        var network = Create(name);
        for (int sample = 0; sample < 3; sample++)
            AssertPredictIsTheBatchKernel(network, RandomInputs(network.InputSize, 100 + sample), $"{name}, sample {sample}");
    }

    /// <summary>
    /// With a pool, Split's first layer (270,400 weights) splits across cores and its second (104,000) reads the copy on
    /// the calling thread: the same bits as on one thread and as PredictBatch.
    /// </summary>
    [Fact]
    public void Predict_across_cores_reads_the_copy_of_the_layers_it_does_not_split()
    {
        var network = Create("Split");
        Assert.NotNull(network.GetType().GetMethod("PredictAcrossCores", BindingFlags.NonPublic | BindingFlags.Instance));
        var single = Create("Split");
        network.GetType().GetProperty("Threads")!.SetValue(network, 2);
        for (int sample = 0; sample < 3; sample++)
        {
            var input = RandomInputs(network.InputSize, 200 + sample);
            AssertPredictIsTheBatchKernel(network, input, $"Split on two threads, sample {sample}");
            Assert.Equal(Predict(single, input), Predict(network, input));
        }
    }

    /// <summary>
    /// A layer of 133,120 weights (512 KB or more, under 1 MB) splits across cores when the network's parameters reach
    /// 262,144, so that they stream from L3 anyway: StreamedSplit's second layer does, on two threads with the same bits as
    /// on one (where it reads the copy) and as the dot tiles. L2Resident's same layer, alone in a network that fits in L2,
    /// stays on the calling thread.
    /// </summary>
    [Fact]
    public void Predict_splits_a_layer_of_half_a_megabyte_only_in_a_network_that_streams_from_L3()
    {
        const BindingFlags Private = BindingFlags.NonPublic | BindingFlags.Instance;
        var network = Create("StreamedSplit");
        Assert.NotNull(network.GetType().GetMethod("Dense2ForwardPredict", Private));
        Assert.Null(Create("L2Resident").GetType().GetMethod("PredictAcrossCores", Private));
        var single = Create("StreamedSplit");
        network.GetType().GetProperty("Threads")!.SetValue(network, 2);
        for (int sample = 0; sample < 3; sample++)
        {
            var input = RandomInputs(network.InputSize, 300 + sample);
            AssertPredictIsTheBatchKernel(network, input, $"StreamedSplit on two threads, sample {sample}");
            Assert.Equal(Predict(single, input), Predict(network, input));
        }
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void The_copy_follows_a_training_step(string name)
    {
        var network = Create(name);
        var input = RandomInputs(network.InputSize, 1);
        var before = Predict(network, input);
        var inputs = RandomInputs(4 * network.InputSize, 2);
        var targets = new float[4 * network.OutputSize];
        for (int b = 0; b < 4; b++) targets[b * network.OutputSize + b % network.OutputSize] = 1f;
        network.TrainBatch(inputs, targets, 4);
        Assert.NotEqual(before, Predict(network, input));
        AssertPredictIsTheBatchKernel(network, input, $"{name} after a training step");
    }

    [Theory]
    [InlineData("Mnist")]
    [InlineData("Ragged")]
    public void The_copy_follows_a_write_through_Parameters(string name)
    {
        var network = Create(name);
        var input = RandomInputs(network.InputSize, 1);
        var before = Predict(network, input);
        var parameters = network.Parameters;
        for (int i = 0; i < parameters.Length; i++) parameters[i] *= -0.5f;
        Assert.NotEqual(before, Predict(network, input));
        AssertPredictIsTheBatchKernel(network, input, $"{name} after a write through Parameters");
    }

    [Theory]
    [InlineData("Mnist")]
    [InlineData("Convolution")]
    public void The_copy_follows_Load(string name)
    {
        var network = Create(name);
        var input = RandomInputs(network.InputSize, 1);
        var before = Predict(network, input);
        var other = Create(name, seed: 12);
        using var checkpoint = new MemoryStream();
        other.Save(checkpoint);
        checkpoint.Position = 0;
        network.Load(checkpoint);
        Assert.NotEqual(before, Predict(network, input));
        Assert.Equal(Predict(other, input), Predict(network, input));
    }

    /// <summary>Threads predicting at once after each step all read the complete new copy, whichever of them fills it.</summary>
    [Fact]
    public void Threads_predicting_at_once_after_each_step_agree()
    {
        const int threads = 4, rounds = 10;
        var network = Create("Mnist");
        var inputs = RandomInputs(8 * 784, 3);
        var targets = new float[8 * 10];
        for (int b = 0; b < 8; b++) targets[b * 10 + b] = 1f;
        var input = inputs[..784];
        var outputs = Enumerable.Range(0, threads).Select(_ => new float[10]).ToArray();
        using var start = new Barrier(threads + 1);
        using var done = new Barrier(threads + 1);
        var timeout = TimeSpan.FromMinutes(1); // a failed round fails the test instead of leaving the others waiting
        var workers = Enumerable.Range(0, threads).Select(t => new Thread(() =>
        {
            for (int round = 0; round < rounds; round++)
            {
                if (!start.SignalAndWait(timeout)) return;
                network.Predict(input, outputs[t]);
                if (!done.SignalAndWait(timeout)) return;
            }
        }) { IsBackground = true }).ToList();
        workers.ForEach(w => w.Start());
        for (int round = 0; round < rounds; round++)
        {
            network.TrainBatch(inputs, targets, 8);
            Assert.True(start.SignalAndWait(timeout), $"round {round}: the predicting threads did not start");
            Assert.True(done.SignalAndWait(timeout), $"round {round}: the predicting threads did not finish");
            var expected = DotTilesReference(network, input);
            for (int t = 0; t < threads; t++) Assert.Equal(expected, outputs[t]);
        }
        workers.ForEach(w => w.Join());
    }

    /// <summary>
    /// The copy is for Dense layers of float32 networks whose weights no longer stay in L1 but do not yet split across
    /// cores, with rows of a vector or more.
    /// </summary>
    [Fact]
    public void Only_Dense_layers_between_the_thresholds_read_a_copy()
    {
        var run = GeneratorHarness.Run("""
            using CompiledNets;
            [Network(Inputs = 784, InferenceOnly = true)]
            [Dense(10, Activation.ReLU)] [Dense(880, Activation.ReLU)] [Dense(300, Activation.ReLU)] [Dense(28)]
            public partial class Thresholds;

            [Network(Inputs = 784, InferenceOnly = true, InferenceWeights = WeightPrecision.BFloat16)]
            [Dense(128, Activation.ReLU)] [Dense(10)]
            public partial class Narrowed;
            """);
        string Generated(string name) => run.Sources.Single(s => s.HintName.StartsWith(name + ".", StringComparison.Ordinal)).Source;
        string thresholds = Generated("Thresholds");
        Assert.DoesNotContain("DensePredictInterleaved_784x10_", thresholds, StringComparison.Ordinal);  // 7,840 weights stay in L1
        Assert.DoesNotContain("DensePredictInterleaved_10x880_", thresholds, StringComparison.Ordinal);  // rows of 10
        Assert.DoesNotContain("DensePredictInterleaved_880x300_", thresholds, StringComparison.Ordinal); // 264,000 split across cores
        Assert.Contains("DensePredictInterleaved_300x28_Linear", thresholds, StringComparison.Ordinal);   // 8,400
        Assert.Contains("new(Dense4Weight, Dense4WeightInterleaved, Dense4Units, Dense4Inputs),", thresholds, StringComparison.Ordinal);
        Assert.DoesNotContain("InterleavedWeights", Generated("Narrowed"), StringComparison.Ordinal);
    }
}
