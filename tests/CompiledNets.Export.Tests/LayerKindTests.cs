using CompiledNets.Export.Onnx;
using CompiledNets.Tests.Shared;
using Xunit.Abstractions;

namespace CompiledNets.Export.Tests;

/// <summary>
/// BatchNorm, LayerNorm, Maxout and standalone activations in the exported graph: the nodes and attributes written,
/// the running statistics taken from the buffers, and the epsilon rule (exported correctly or refused, never wrong).
/// Equivalence with ONNX Runtime for these kinds is in <see cref="OnnxRuntimeEquivalenceTests"/>.
/// </summary>
public class LayerKindTests(ITestOutputHelper output)
{
    private const int Batch = 37;

    private static float[] Tensor(INetwork network, string name)
    {
        var tensor = Assert.Single(network.Tensors, t => t.Name == name);
        var storage = tensor.Storage == TensorStorage.Parameters ? network.Parameters : network.Buffers;
        return storage.Slice(tensor.Offset, tensor.Length).ToArray();
    }

    private static float[] Initializer(GraphProto graph, string name)
    {
        var tensor = Assert.Single(graph.Initializer, i => i.Name == name);
        Assert.Equal((int)TensorProto.Types.DataType.Float, tensor.DataType);
        var bytes = tensor.RawData.Span;
        var values = new float[bytes.Length / 4];
        for (int i = 0; i < values.Length; i++) values[i] = BitConverter.ToSingle(bytes.Slice(i * 4, 4));
        return values;
    }

    private static AttributeProto Attribute(NodeProto node, string name) => Assert.Single(node.Attribute, a => a.Name == name);

    [Fact]
    public void AllKindsGraphHasTheNormalisationsMaxoutAndTrainedStatistics()
    {
        INetwork network = new AllKindsNet();
        OnnxHarness.Train(network);

        // 20 steps moved the running statistics and the gammas away from their initial 0 / 1.
        Assert.Contains(Tensor(network, "batchnorm1.running_mean"), v => MathF.Abs(v) > 1e-3f);
        Assert.Contains(Tensor(network, "batchnorm1.running_var"), v => MathF.Abs(v - 1f) > 1e-3f);
        Assert.Contains(Tensor(network, "batchnorm1.gamma"), v => MathF.Abs(v - 1f) > 1e-3f);
        Assert.Contains(Tensor(network, "layernorm1.gamma"), v => MathF.Abs(v - 1f) > 1e-3f);

        var graph = OnnxExport.BuildModel(network).Graph;
        Assert.Equal(["Gemm", "BatchNormalization", "Relu", "Gemm", "Reshape", "ReduceMax", "LayerNormalization", "Gemm", "Softmax"],
            graph.Node.Select(n => n.OpType));
        Assert.All(graph.Node, n => Assert.Contains(n.OpType, OnnxFileTests.KnownOperators));

        // BatchNorm: inference form with the running statistics from the buffers, epsilon 1e-5, never training mode.
        var batchNorm = Assert.Single(graph.Node, n => n.OpType == "BatchNormalization");
        Assert.Equal(["dense1.gemm", "batchnorm1.gamma", "batchnorm1.beta", "batchnorm1.running_mean", "batchnorm1.running_var"], batchNorm.Input);
        Assert.Equal(1e-5f, Attribute(batchNorm, "epsilon").F);
        Assert.DoesNotContain(batchNorm.Attribute, a => a.Name == "training_mode");
        foreach (string name in new[] { "batchnorm1.gamma", "batchnorm1.beta", "batchnorm1.running_mean", "batchnorm1.running_var", "layernorm1.gamma", "layernorm1.beta", "maxout1.weight", "maxout1.bias" })
            Assert.Equal(Tensor(network, name), Initializer(graph, name));

        // LayerNorm: over the last axis.
        var layerNorm = Assert.Single(graph.Node, n => n.OpType == "LayerNormalization");
        Assert.Equal(["maxout1.output", "layernorm1.gamma", "layernorm1.beta"], layerNorm.Input);
        Assert.Equal(-1, Attribute(layerNorm, "axis").I);
        Assert.Equal(1e-5f, Attribute(layerNorm, "epsilon").F);

        // Maxout: [N, 24] -> [N, 8, 3] (0 copies N) -> max over the pieces, axes an attribute (opset 13-17 form).
        var reshape = Assert.Single(graph.Node, n => n.OpType == "Reshape");
        var shape = Assert.Single(graph.Initializer, i => i.Name == reshape.Input[1]);
        Assert.Equal((int)TensorProto.Types.DataType.Int64, shape.DataType);
        Assert.Equal([3L], shape.Dims);
        Assert.Equal([0L, 8L, 3L], Enumerable.Range(0, 3).Select(i => BitConverter.ToInt64(shape.RawData.Span.Slice(i * 8, 8))));
        var reduceMax = Assert.Single(graph.Node, n => n.OpType == "ReduceMax");
        Assert.Equal(AttributeProto.Types.AttributeType.Ints, Attribute(reduceMax, "axes").Type);
        Assert.Equal([2L], Attribute(reduceMax, "axes").Ints);
        Assert.Equal(0, Attribute(reduceMax, "keepdims").I);
        Assert.Equal([24L, 32L], Assert.Single(graph.Initializer, i => i.Name == "maxout1.weight").Dims);

        // Dropout left no trace; the standalone ReLU is one Relu node.
        Assert.DoesNotContain(graph.Node, n => n.OpType is "Dropout" or "Identity");
        Assert.Equal("batchnorm1.output", Assert.Single(Assert.Single(graph.Node, n => n.OpType == "Relu").Input));
    }

    [Fact]
    public void AllKindsRunsForBatchOfOneAndALargeBatch()
    {
        INetwork network = new AllKindsNet();
        OnnxHarness.Train(network);
        using var directory = new TempDirectory();
        string path = directory.File("all.onnx");
        network.ExportOnnx(path);
        foreach (int batch in new[] { 1, network.MaxBatchSize + 3 })
        {
            var inputs = OnnxHarness.Uniform(batch * network.InputSize, seed: 40 + batch, -2f, 2f);
            var expected = new float[batch * network.OutputSize];
            network.PredictBatch(inputs, expected, batch);
            OnnxHarness.AssertClose(expected, OnnxHarness.Run(path, inputs, batch, network.InputSize, network.OutputSize, optimized: true), $"batch {batch}");
        }
    }

    public static TheoryData<string> EpsilonCases => new() { "BatchNorm epsilon 1e-3", "LayerNorm epsilon 1e-2" };

    private static INetwork CreateEpsilonCase(string name) => name switch
    {
        "BatchNorm epsilon 1e-3" => new BatchNormEpsilonNet(),
        "LayerNorm epsilon 1e-2" => new LayerNormEpsilonNet(),
        _ => throw new ArgumentOutOfRangeException(nameof(name), name, null),
    };

    [Theory]
    [MemberData(nameof(EpsilonCases))]
    public void NonDefaultEpsilonIsExportedCorrectlyOrRefused(string name)
    {
        // The summary does not state the epsilon (detail ""), so the exporter assumes 1e-5 and verifies it strictly
        // against Predict: either the model it writes matches ONNX Runtime within 1e-5, or it refuses, naming the
        // epsilon, and writes nothing.
        INetwork network = CreateEpsilonCase(name);
        OnnxHarness.Train(network);
        using var directory = new TempDirectory();
        string path = directory.File("epsilon.onnx");
        bool stated = network.Summary.Layers.Any(l => l.Detail.Contains("eps", StringComparison.OrdinalIgnoreCase));
        Exception? error = Record.Exception(() => network.ExportOnnx(path));
        if (error is not null)
        {
            Assert.False(stated, "a summary that states the epsilon must export");
            var refusal = Assert.IsType<InvalidOperationException>(error);
            Assert.Contains("epsilon", refusal.Message, StringComparison.Ordinal);
            Assert.Contains("Epsilon", refusal.Message, StringComparison.Ordinal);
            Assert.Empty(Directory.GetFileSystemEntries(directory.Path));
            output.WriteLine($"{name}: refused: {refusal.Message}");
        }
        else
        {
            var inputs = OnnxHarness.Uniform(Batch * network.InputSize, seed: 8, -2f, 2f);
            var expected = new float[Batch * network.OutputSize];
            network.PredictBatch(inputs, expected, Batch);
            double max = OnnxHarness.AssertClose(expected, OnnxHarness.Run(path, inputs, Batch, network.InputSize, network.OutputSize), name);
            output.WriteLine($"{name}: exported; max |onnx - predict| = {max:E2}");
        }
    }

    [Theory]
    [InlineData("BatchNorm epsilon 1e-3", "eps 0.001", 1e-3f)]
    [InlineData("LayerNorm epsilon 1e-2", "epsilon=0.01", 1e-2f)]
    public void StatedEpsilonIsWrittenAndMatches(string name, string detail, float epsilon)
    {
        // What a summary that states the epsilon exports: the attribute carries it and ONNX Runtime matches Predict.
        INetwork inner = CreateEpsilonCase(name);
        OnnxHarness.Train(inner);
        var network = new SummaryRewrite(inner, l => l.Kind is "BatchNorm" or "LayerNorm" ? l with { Detail = detail } : l);
        var node = Assert.Single(OnnxExport.BuildModel(network).Graph.Node, n => n.OpType is "BatchNormalization" or "LayerNormalization");
        Assert.Equal(epsilon, Attribute(node, "epsilon").F);

        using var directory = new TempDirectory();
        string path = directory.File("stated.onnx");
        network.ExportOnnx(path);
        var inputs = OnnxHarness.Uniform(Batch * network.InputSize, seed: 8, -2f, 2f);
        var expected = new float[Batch * network.OutputSize];
        network.PredictBatch(inputs, expected, Batch);
        double max = OnnxHarness.AssertClose(expected, OnnxHarness.Run(path, inputs, Batch, network.InputSize, network.OutputSize), name);
        output.WriteLine($"{name} stated as '{detail}': max |onnx - predict| = {max:E2}");
    }

    [Fact]
    public void WrongStatedEpsilonIsRefused()
    {
        // A summary stating an epsilon the network does not use is caught by the ordinary probe check.
        INetwork inner = new LayerNormEpsilonNet();
        OnnxHarness.Train(inner);
        var network = new SummaryRewrite(inner, l => l.Kind == "LayerNorm" ? l with { Detail = "eps 1" } : l);
        var error = Assert.Throws<InvalidOperationException>(() => network.ToOnnx());
        Assert.Contains("Predict", error.Message);
    }

    [Fact]
    public void DefaultEpsilonNetworksPassTheStrictProbeCheckWithMargin()
    {
        // The strict check must not refuse honest networks: their replay is far inside the tolerance.
        foreach (INetwork network in new INetwork[] { new AllKindsNet(), new BatchNormNet(), new BatchNormEndsNet(), new LayerNormNet() })
        {
            OnnxHarness.Train(network);
            double deviation = OnnxExport.ProbeDeviation(network);
            output.WriteLine($"{network.Summary.NetworkName}: probe deviation {deviation:E2}");
            Assert.True(deviation < OnnxExport.StrictProbeTolerance / 4, $"{network.Summary.NetworkName}: {deviation:E2}");
        }
    }

    [Fact]
    public void MaxoutPiecesAreReadFromTheDetail()
    {
        var network = new SummaryRewrite(new MaxoutNet(), l => l.Name == "maxout1" ? l with { Detail = "four pieces" } : l);
        var error = Assert.Throws<NotSupportedException>(() => network.ToOnnx());
        Assert.Contains("Layer 1 (maxout1, Maxout four pieces)", error.Message);
        // A wrong piece count does not fit the weight's shape.
        var wrong = new SummaryRewrite(new MaxoutNet(), l => l.Name == "maxout1" ? l with { Detail = "3 pieces" } : l);
        Assert.Contains("'maxout1.weight'", Assert.Throws<InvalidOperationException>(() => wrong.ToOnnx()).Message);
    }
}
