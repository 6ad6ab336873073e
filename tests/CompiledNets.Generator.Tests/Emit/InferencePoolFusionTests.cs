using System.Reflection;
using CompiledNets.Generator.Tests.Infrastructure;

namespace CompiledNets.Generator.Tests.Emit;

/// <summary>
/// At inference, a stride-1 convolution of a chain followed by a pooling leaves its outputs in its extended rows, and the
/// pooling reads them there instead of from a compacted copy. The values read are the ones the compaction would copy, so
/// each chain must predict bit for bit what its graph twin does (the same layers with a name, which makes them a graph;
/// graphs keep the compaction). The twins cover max and average pooling, the vector paths of 2 × 2 windows (256-bit steps
/// on an odd side, 512-bit steps in an inference-only class), the scalar path of clipped, overlapping windows, and a
/// LeakyReLU applied in the forward kernel. The declarations that must keep the compaction (a stride of 2, an activation
/// applied after the kernel, a layer between) are checked in the generated code.
/// A convolution that predicts by Winograd pools 2 × 2 windows in its output kernel instead; its twins cover max and
/// average pooling, Valid and Same padding, a last row and column of tiles that no window takes whole, outputs that end
/// inside a window, and pooled planes of fewer than 16 positions (transposed element by element).
/// </summary>
public class InferencePoolFusionTests
{
    private const string Chains = """
        using CompiledNets;
        namespace Fusion;

        [Network(InputShape = new[] { 1, 15, 15 })]
        [Conv2D(8, 3, Activation.ReLU)] [MaxPool2D(2)] [Conv2D(16, 3, Activation.ReLU)] [AvgPool2D(2)] [Flatten] [Dense(5, Activation.Softmax)]
        [Loss(LossFunction.CrossEntropy)] [Adam]
        public partial class PairsChain;

        [Network(InputShape = new[] { 3, 13, 11 })]
        [Conv2D(6, 2, Activation.LeakyReLU, Alpha = 0.2f, Padding = Padding.Same)] [MaxPool2D(3, Stride = 1, Padding = Padding.Same)] [Flatten] [Dense(4, Activation.Softmax)]
        [Loss(LossFunction.CrossEntropy)] [Sgd]
        public partial class ClippedChain;

        [Network(InputShape = new[] { 2, 20, 34 }, InferenceOnly = true)]
        [Conv2D(4, 3, Activation.ReLU)] [MaxPool2D(2)] [Flatten] [Dense(3, Activation.Softmax)]
        public partial class WideChain;

        [Network(InputShape = new[] { 16, 11, 11 })]
        [Conv2D(32, 3, Activation.ReLU)] [MaxPool2D(2)] [Flatten] [Dense(4, Activation.Softmax)]
        [Loss(LossFunction.CrossEntropy)] [Adam]
        public partial class WinogradMaxChain;

        [Network(InputShape = new[] { 16, 11, 9 })]
        [Conv2D(32, 3, Activation.LeakyReLU, Alpha = 0.1f, Padding = Padding.Same)] [AvgPool2D(2)] [Flatten] [Dense(4, Activation.Softmax)]
        [Loss(LossFunction.CrossEntropy)] [Adam]
        public partial class WinogradAvgChain;

        [Network(InputShape = new[] { 32, 6, 6 }, InferenceOnly = true)]
        [Conv2D(64, 3, Padding = Padding.Same)] [MaxPool2D(2)] [Flatten] [Dense(3, Activation.Softmax)]
        public partial class WinogradSmallChain;
        """;

    private const string Graphs = """
        using CompiledNets;
        namespace Fusion;

        [Network(InputShape = new[] { 1, 15, 15 })]
        [Conv2D(8, 3, Activation.ReLU, Name = "c1")] [MaxPool2D(2)] [Conv2D(16, 3, Activation.ReLU)] [AvgPool2D(2)] [Flatten] [Dense(5, Activation.Softmax)]
        [Loss(LossFunction.CrossEntropy)] [Adam]
        public partial class PairsGraph;

        [Network(InputShape = new[] { 3, 13, 11 })]
        [Conv2D(6, 2, Activation.LeakyReLU, Alpha = 0.2f, Padding = Padding.Same, Name = "c1")] [MaxPool2D(3, Stride = 1, Padding = Padding.Same)] [Flatten] [Dense(4, Activation.Softmax)]
        [Loss(LossFunction.CrossEntropy)] [Sgd]
        public partial class ClippedGraph;

        [Network(InputShape = new[] { 2, 20, 34 }, InferenceOnly = true)]
        [Conv2D(4, 3, Activation.ReLU, Name = "c1")] [MaxPool2D(2)] [Flatten] [Dense(3, Activation.Softmax)]
        public partial class WideGraph;

        [Network(InputShape = new[] { 16, 11, 11 })]
        [Conv2D(32, 3, Activation.ReLU, Name = "c1")] [MaxPool2D(2)] [Flatten] [Dense(4, Activation.Softmax)]
        [Loss(LossFunction.CrossEntropy)] [Adam]
        public partial class WinogradMaxGraph;

        [Network(InputShape = new[] { 16, 11, 9 })]
        [Conv2D(32, 3, Activation.LeakyReLU, Alpha = 0.1f, Padding = Padding.Same, Name = "c1")] [AvgPool2D(2)] [Flatten] [Dense(4, Activation.Softmax)]
        [Loss(LossFunction.CrossEntropy)] [Adam]
        public partial class WinogradAvgGraph;

        [Network(InputShape = new[] { 32, 6, 6 }, InferenceOnly = true)]
        [Conv2D(64, 3, Padding = Padding.Same, Name = "c1")] [MaxPool2D(2)] [Flatten] [Dense(3, Activation.Softmax)]
        public partial class WinogradSmallGraph;
        """;

    private static readonly Lazy<Assembly> Networks = new(() => GeneratorHarness.CompileAndLoad(Chains, Graphs));

    private static INetwork Create(string name) => GeneratorHarness.Create(Networks.Value, "Fusion." + name, seed: 11);

    private static float[] RandomInputs(int count, int seed)
    {
        var random = new Random(seed);
        var values = new float[count];
        for (int i = 0; i < count; i++) values[i] = (float)(random.NextDouble() * 2 - 1);
        return values;
    }

    [Theory]
    [InlineData("Pairs")]
    [InlineData("Clipped")]
    [InlineData("Wide")]
    [InlineData("WinogradMax")]
    [InlineData("WinogradAvg")]
    [InlineData("WinogradSmall")]
    public void A_chain_predicts_bit_for_bit_what_its_graph_twin_does(string name)
    {
        var chain = Create(name + "Chain");
        var graph = Create(name + "Graph");
        Assert.Equal(chain.ParameterCount, graph.ParameterCount);
        chain.Parameters.CopyTo(graph.Parameters);

        const int Batch = 9;
        var inputs = RandomInputs(Batch * chain.InputSize, seed: 3);
        var fromChain = new float[Batch * chain.OutputSize];
        var fromGraph = new float[Batch * chain.OutputSize];
        chain.PredictBatch(inputs, fromChain, Batch);
        graph.PredictBatch(inputs, fromGraph, Batch);
        Assert.Equal(fromGraph, fromChain);

        var one = new float[chain.OutputSize];
        var other = new float[chain.OutputSize];
        chain.Predict(inputs.AsSpan(0, chain.InputSize), one);
        graph.Predict(inputs.AsSpan(0, chain.InputSize), other);
        Assert.Equal(other, one);
        Assert.Equal(fromChain.AsSpan(0, chain.OutputSize).ToArray(), one);
    }

    [Fact]
    public void Only_the_chains_pool_from_the_extended_rows()
    {
        var generated = GeneratorHarness.Run(Chains, Graphs).Sources.ToDictionary(s => s.HintName, s => s.Source);
        string Of(string name) => generated.Single(s => s.Key.EndsWith($".{name}.g.cs", StringComparison.Ordinal)).Value;

        Assert.Contains("MaxPool_8x13x13_2_in15x", Of("PairsChain"));
        Assert.Contains("AvgPool_16x4x4_2_in6x", Of("PairsChain"));
        Assert.Contains("MaxPool_6x13x11_3s1_same_in", Of("ClippedChain"));
        Assert.Contains("MaxPool_4x18x32_2_in34x", Of("WideChain"));
        Assert.DoesNotContain("_in15x", Of("PairsGraph"));
        Assert.DoesNotContain("_same_in", Of("ClippedGraph"));
        Assert.DoesNotContain("_in34x", Of("WideGraph"));
        // An inference-only chain emits neither the compaction nor the pooling over compacted inputs: no path calls them.
        Assert.DoesNotContain("ConvCompact_", Of("WideChain"));
        Assert.DoesNotContain("MaxPool_4x18x32_2(", Of("WideChain"));

        // By Winograd the output kernel pools; without AVX-512 the pooling reads the direct convolution's extended rows.
        Assert.Contains("Kernels.WinogradOutput_16x11x11_32x3x3_ReLU_MaxPool_32x9x9_2(", Of("WinogradMaxChain"));
        Assert.Contains("Kernels.MaxPool_32x9x9_2_in11x", Of("WinogradMaxChain"));
        Assert.Contains("Kernels.WinogradOutput_16x11x9_32x3x3_same_LeakyReLU", Of("WinogradAvgChain"));
        Assert.Contains("_AvgPool_32x11x9_2(", Of("WinogradAvgChain"));
        Assert.DoesNotContain("_MaxPool_32x9x9_2(", Of("WinogradMaxGraph"));
        Assert.DoesNotContain("_AvgPool_32x11x9_2(", Of("WinogradAvgGraph"));
        Assert.DoesNotContain("ConvCompact_", Of("WinogradSmallChain"));
    }

    /// <summary>Inference-only, so that only the prediction paths call the compaction and the pooling over compacted inputs.</summary>
    [Theory]
    [InlineData("[Conv2D(4, 3, Activation.ReLU, Stride = 2)] [MaxPool2D(2)]", "a stride of 2 leaves gaps in the extended rows")]
    [InlineData("[Conv2D(4, 3, Activation.Tanh)] [MaxPool2D(2)]", "Tanh is applied after the kernel, to the compacted outputs")]
    [InlineData("[Conv2D(4, 3, Activation.ReLU)] [BatchNorm] [MaxPool2D(2)]", "the pooling does not read the convolution")]
    public void Other_declarations_keep_the_compaction(string layers, string because)
    {
        string source = $$"""
            using CompiledNets;
            namespace Fusion;
            [Network(InputShape = new[] { 2, 12, 12 }, InferenceOnly = true)]
            {{layers}} [Flatten] [Dense(3, Activation.Softmax)]
            public partial class Kept;
            """;
        var generated = GeneratorHarness.Run(source).Sources.Single(s => s.HintName.EndsWith(".Kept.g.cs", StringComparison.Ordinal)).Source;
        string predict = generated[generated.IndexOf("public void Predict(", StringComparison.Ordinal)..generated.IndexOf("namespace CompiledNets.Generated", StringComparison.Ordinal)];
        Assert.True(predict.Contains("Kernels.ConvCompact_", StringComparison.Ordinal), because);
        Assert.DoesNotContain("_in", predict.Split("Kernels.MaxPool_")[1].Split('(')[0]);
    }
}
