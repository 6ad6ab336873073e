using System.Reflection;
using CompiledNets.Generator.Tests.Infrastructure;
using CompiledNets.Kernels;
using Microsoft.CodeAnalysis;

namespace CompiledNets.Generator.Tests.Emit;

/// <summary>
/// <c>[Network(InferenceWeights = WeightPrecision.BFloat16)]</c>: predictions read a bfloat16 copy of the Dense and Maxout
/// weights. Each case is declared twice, in float32 and in bfloat16, on both sides of the generator's paths (sample lanes,
/// rows shorter than a vector, a per-thread scratch, Predict across cores, Maxout, a graph, a convolution before a Dense).
/// With the same weights rounded to bfloat16, the float32 twin computes the same sums in the same order, so predictions
/// must agree bit for bit; against the unrounded twin they stay within the documented bound.
/// </summary>
public class BFloat16InferenceTests
{
    /// <summary>
    /// (name, [Network] arguments, layers and loss, optimizer, bit for bit against the rounded float32 twin). The float32
    /// twins only predict and are declared InferenceOnly (their kernels take a fraction of the time to compile); so are the
    /// bfloat16 networks no test trains (an empty optimizer).
    /// </summary>
    private static readonly (string Name, string Network, string Layers, string Optimizer, bool Bitwise)[] Declarations =
    {
        // 56 weights: the float32 twin predicts in sample lanes (another summation order), and the bfloat16 network trains in them with the SGD step.
        ("Tiny", "Inputs = 4", "[Dense(8, Activation.ReLU)] [Dense(3, Activation.Softmax)] [Loss(LossFunction.CrossEntropy)]", "[Sgd(LearningRate = 0.1f)]", false),
        // Rows of 3 (the remainder along k unrolled), 37 (16-, 8- and 4-wide steps, then scalar) and 21 (an edge tile of
        // 1 output), LeakyReLU's alpha, Maxout's pieces, GELU applied after the product.
        ("Mixed", "Inputs = 3", "[Dense(37, Activation.LeakyReLU, Alpha = 0.1f)] [Maxout(21, 3)] [Dense(5, Activation.GELU)] [Dense(4, Activation.Softmax)] [Loss(LossFunction.CrossEntropy)]", "[Adam]", true),
        // 520 × 520 = 270,400 weights: Predict splits the layer across cores when there is a pool.
        ("Wide", "Inputs = 520", "[Dense(520, Activation.ReLU)] [Dense(10, Activation.Softmax)] [Loss(LossFunction.CrossEntropy)]", "[Adam]", true),
        // Two rows of 8,200 floats exceed the stack's budget: Predict keeps them in a buffer of the thread's own.
        ("WideRows", "Inputs = 8", "[Dense(8200, Activation.ReLU)] [Dense(4)] [Loss(LossFunction.MeanSquaredError)]", "", true),
        ("Graph", "", """[Input("image", 30)] [Input("meta", 6)] [Dense(16, Activation.ReLU, Name = "pixels")] [Dense(8, Activation.SiLU, Name = "facts", From = "meta")] [Concat("pixels", "facts")] [Dense(3, Activation.Softmax)] [Loss(LossFunction.CrossEntropy)]""", "", true),
        // The convolution keeps reading float32 weights; the Dense after it reads bfloat16.
        ("Convolution", "InputShape = new[] { 1, 8, 8 }", "[Conv2D(4, 3, Activation.ReLU)] [Flatten] [Dense(5, Activation.Softmax)] [Loss(LossFunction.CrossEntropy)]", "", true),
    };

    private static string Declare(string name, string network, string layers, string optimizer, bool bfloat16)
    {
        var arguments = new List<string>();
        if (network.Length > 0) arguments.Add(network);
        if (bfloat16) arguments.Add("InferenceWeights = WeightPrecision.BFloat16");
        if (!bfloat16 || optimizer.Length == 0) arguments.Add("InferenceOnly = true");
        return $"[Network({string.Join(", ", arguments)})] {layers} {(bfloat16 ? optimizer : "")} public partial class {name}{(bfloat16 ? "BFloat16" : "")};";
    }

    private static readonly Lazy<Assembly> Networks = new(() => GeneratorHarness.CompileAndLoad(
        "using CompiledNets;\nnamespace Precision;\n" + string.Join("\n", Declarations.SelectMany(d => new[]
        {
            Declare(d.Name, d.Network, d.Layers, d.Optimizer, bfloat16: false),
            Declare(d.Name, d.Network, d.Layers, d.Optimizer, bfloat16: true),
        }))));

    /// <summary>
    /// The bound docs/bfloat16.md states for networks like these (weights of He or Glorot scale, inputs in [-1, 1]): every
    /// output within 1 % of the largest output's magnitude (or of 1, when that is smaller) of the float32 prediction.
    /// </summary>
    private const float RelativeBound = 0.01f;

    public static TheoryData<string> Names() => new(Declarations.Select(d => d.Name));

    private static INetwork Create(string name, bool bfloat16, int seed = 11) =>
        GeneratorHarness.Create(Networks.Value, "Precision." + name + (bfloat16 ? "BFloat16" : ""), seed);

    private static void SetThreads(INetwork network, int threads) => network.GetType().GetProperty("Threads")!.SetValue(network, threads);

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

    /// <summary>The float32 parameters with every product weight (a weight tensor of rank 2) rounded to bfloat16, as the copy holds them.</summary>
    private static float[] RoundedProductWeights(INetwork network)
    {
        var values = network.Parameters.ToArray();
        foreach (var tensor in network.Tensors.Where(t => t.Storage == TensorStorage.Parameters && t.Name.EndsWith(".weight", StringComparison.Ordinal) && t.Shape.Length == 2))
        {
            int length = tensor.Shape.Aggregate(1, (product, d) => product * d);
            for (int i = tensor.Offset; i < tensor.Offset + length; i++) values[i] = BFloat16.ToSingle(BFloat16.FromSingle(values[i]));
        }
        return values;
    }

    private static void AssertBitwise(float[] expected, float[] actual, string because)
    {
        for (int i = 0; i < expected.Length; i++)
            Assert.True(BitConverter.SingleToInt32Bits(expected[i]) == BitConverter.SingleToInt32Bits(actual[i]), $"{because}: output {i} is {actual[i]:R}, expected {expected[i]:R}");
    }

    private static void AssertWithinBound(float[] expected, float[] actual, string because)
    {
        float scale = Math.Max(1f, expected.Max(MathF.Abs));
        for (int i = 0; i < expected.Length; i++)
            Assert.True(MathF.Abs(expected[i] - actual[i]) <= RelativeBound * scale, $"{because}: output {i} is {actual[i]:R}, float32 gives {expected[i]:R}");
    }

    /// <summary>A float32 twin holding <paramref name="parameters"/>.</summary>
    private static INetwork Float32Twin(string name, ReadOnlySpan<float> parameters)
    {
        var twin = Create(name, bfloat16: false);
        parameters.CopyTo(twin.Parameters);
        return twin;
    }

    /// <summary>The bfloat16 network's prediction against its float32 twin's: bit for bit over rounded weights where the twin sums alike, else within the bound.</summary>
    private static void AssertMatchesFloat32(string name, INetwork network, float[] input, string because)
    {
        bool bitwise = Declarations.Single(d => d.Name == name).Bitwise;
        var actual = Predict(network, input);
        if (bitwise) AssertBitwise(Predict(Float32Twin(name, RoundedProductWeights(network)), input), actual, because + " (rounded float32 twin)");
        AssertWithinBound(Predict(Float32Twin(name, network.Parameters), input), actual, because);
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void Predict_matches_the_float32_twin(string name)
    {
        foreach (int threads in new[] { 1, 2 })
        {
            var network = Create(name, bfloat16: true);
            SetThreads(network, threads);
            for (int sample = 0; sample < 3; sample++)
                AssertMatchesFloat32(name, network, RandomInputs(network.InputSize, sample), $"{name}, {threads} thread(s), sample {sample}");
        }
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void PredictBatch_is_within_the_bound_of_float32(string name)
    {
        const int batch = 7;
        var network = Create(name, bfloat16: true);
        SetThreads(network, 2);
        var twin = Float32Twin(name, network.Parameters);
        var inputs = RandomInputs(batch * network.InputSize, 5);
        var actual = new float[batch * network.OutputSize];
        var expected = new float[batch * network.OutputSize];
        network.PredictBatch(inputs, actual, batch);
        twin.PredictBatch(inputs, expected, batch);
        for (int b = 0; b < batch; b++)
            AssertWithinBound(expected.AsSpan(b * network.OutputSize, network.OutputSize).ToArray(), actual.AsSpan(b * network.OutputSize, network.OutputSize).ToArray(), $"{name}, sample {b}");
    }

    /// <summary>Predict across cores (Wide) and on one thread read the same copy with the same kernels.</summary>
    [Theory]
    [MemberData(nameof(Names))]
    public void Predict_is_bitwise_the_same_on_one_and_two_threads(string name)
    {
        var one = Create(name, bfloat16: true);
        var two = Create(name, bfloat16: true);
        SetThreads(one, 1);
        SetThreads(two, 2);
        for (int sample = 0; sample < 3; sample++)
        {
            var input = RandomInputs(one.InputSize, 100 + sample);
            AssertBitwise(Predict(one, input), Predict(two, input), $"{name}, sample {sample}");
        }
    }

    /// <summary>Tiny trains in the sample-lane kernel with its SGD step; Mixed and Wide through the per-layer products and Adam.</summary>
    [Theory]
    [InlineData("Tiny")]
    [InlineData("Mixed")]
    [InlineData("Wide")]
    public void The_copy_follows_a_training_step(string name)
    {
        var network = Create(name, bfloat16: true);
        var input = RandomInputs(network.InputSize, 1);
        var before = Predict(network, input);
        var inputs = RandomInputs(4 * network.InputSize, 2);
        var targets = new float[4 * network.OutputSize];
        for (int b = 0; b < 4; b++) targets[b * network.OutputSize + b % network.OutputSize] = 1f;
        network.TrainBatch(inputs, targets, 4);
        Assert.NotEqual(before, Predict(network, input));
        AssertMatchesFloat32(name, network, input, $"{name} after a training step");
    }

    [Theory]
    [InlineData("Mixed")]
    [InlineData("WideRows")]
    public void The_copy_follows_a_write_through_Parameters(string name)
    {
        var network = Create(name, bfloat16: true);
        var input = RandomInputs(network.InputSize, 1);
        var before = Predict(network, input);
        var parameters = network.Parameters;
        for (int i = 0; i < parameters.Length; i++) parameters[i] *= -0.5f;
        Assert.NotEqual(before, Predict(network, input));
        AssertMatchesFloat32(name, network, input, $"{name} after a write through Parameters");
    }

    [Theory]
    [InlineData("Mixed")]
    [InlineData("Wide")]
    public void The_copy_follows_Load(string name)
    {
        var network = Create(name, bfloat16: true);
        var input = RandomInputs(network.InputSize, 1);
        var before = Predict(network, input);
        var other = Create(name, bfloat16: false, seed: 12);
        using var checkpoint = new MemoryStream();
        other.Save(checkpoint);
        checkpoint.Position = 0;
        network.Load(checkpoint);
        Assert.NotEqual(before, Predict(network, input));
        Assert.Equal(other.Parameters.ToArray(), network.Parameters.ToArray());
        AssertMatchesFloat32(name, network, input, $"{name} after Load");
    }

    /// <summary>The checkpoint holds the float32 master weights, not the rounded copy predictions read.</summary>
    [Theory]
    [InlineData("Mixed")]
    [InlineData("Wide")]
    public void A_checkpoint_of_a_bfloat16_network_holds_the_float32_weights_bit_for_bit(string name)
    {
        var network = Create(name, bfloat16: true);
        Predict(network, RandomInputs(network.InputSize, 1));
        var expected = network.Parameters.ToArray();
        Assert.Contains(expected, v => BFloat16.ToSingle(BFloat16.FromSingle(v)) != v);
        using var checkpoint = new MemoryStream();
        network.Save(checkpoint);
        checkpoint.Position = 0;
        var reader = Create(name, bfloat16: false, seed: 99);
        reader.Load(checkpoint);
        Assert.Equal(expected.Select(BitConverter.SingleToInt32Bits), reader.Parameters.ToArray().Select(BitConverter.SingleToInt32Bits));
    }

    [Fact]
    public void Float32_networks_have_no_copy_and_bfloat16_networks_have_the_kernels()
    {
        const string layers = "[Dense(21, Activation.LeakyReLU, Alpha = 0.1f)] [Dense(5)] [Loss(LossFunction.MeanSquaredError)]";
        var run = GeneratorHarness.Run("using CompiledNets;\n" + Declare("Odd", "Inputs = 37", layers, "[Adam]", false) + "\n" + Declare("Odd", "Inputs = 37", layers, "[Adam]", true));
        string float32 = run.Sources.Single(s => s.HintName.StartsWith("Odd.", StringComparison.Ordinal)).Source;
        string bfloat16 = run.Sources.Single(s => s.HintName.StartsWith("OddBFloat16.", StringComparison.Ordinal)).Source;
        Assert.DoesNotContain("BFloat16", float32, StringComparison.Ordinal);
        Assert.Contains("DenseForwardBFloat16_37x21_LeakyReLU_0p1", bfloat16, StringComparison.Ordinal);
        Assert.Contains("_inferenceWeights.EnsureCurrent(_parameters);", bfloat16, StringComparison.Ordinal);
    }

    [Fact]
    public void An_undefined_precision_is_reported()
    {
        var run = GeneratorHarness.Run("""
            using CompiledNets;
            [Network(Inputs = 4, InferenceWeights = (WeightPrecision)7)]
            [Dense(2)]
            [Loss(LossFunction.MeanSquaredError)]
            [Sgd]
            public partial class Unknown;
            """);
        var diagnostic = Assert.Single(run.GeneratorDiagnostics);
        Assert.Equal("CN0013", diagnostic.Id);
        Assert.Contains("WeightPrecision.BFloat16", diagnostic.GetMessage(), StringComparison.Ordinal);
    }
}
