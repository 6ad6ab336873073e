using CompiledNets.Tests.Shared;
using CompiledNets.Export.Onnx;
using Microsoft.ML.OnnxRuntime;
using Xunit.Abstractions;

namespace CompiledNets.Export.Tests.Export;

/// <summary>
/// Convolutional networks of the interpreted engine exported to ONNX and run in ONNX Runtime: every image layer (Conv,
/// MaxPool, AveragePool, GlobalAveragePool, Flatten, BatchNormalization per channel, LayerNormalization over C, H, W,
/// element-wise and whole-sample Softmax activations on images, Dropout), strides 1 and 2, both paddings with even and
/// odd windows, after training (so running statistics and gammas moved); outputs within the export's tolerance of
/// <c>PredictBatch</c>, with graph optimizations off and on.
/// </summary>
public class ImageLayerOnnxTests(ITestOutputHelper output)
{
    private static readonly Dictionary<string, Func<Sequential>> Networks = new()
    {
        ["mnist convnet"] = () => new Sequential(1, 28, 28)
            .Conv2D(8, 3, Activation.ReLU).MaxPool2D(2).Conv2D(16, 3, Activation.ReLU).MaxPool2D(2)
            .Flatten().Dropout(0.5f).Dense(10, Activation.Softmax).Loss(LossFunction.CrossEntropy).Adam(),
        ["lenet (same tanh, average pools)"] = () => new Sequential(1, 16, 16)
            .Conv2D(6, 5, Activation.Tanh, padding: Padding.Same).AvgPool2D(2).Conv2D(8, 5, Activation.Tanh).AvgPool2D(2)
            .Flatten().Dense(12, Activation.Tanh).Dense(4, Activation.Softmax).Loss(LossFunction.CrossEntropy).Adam(),
        ["strides, same padding on odd sizes, even and rectangular kernels"] = () => new Sequential(3, 11, 9)
            .Conv2D(5, 4, Activation.LeakyReLU, padding: Padding.Same, alpha: 0.2f)
            .Conv2D(6, 3, Activation.ELU, stride: 2, padding: Padding.Same, kernelWidth: 2, alpha: 0.5f)
            .MaxPool2D(3, stride: 2, padding: Padding.Same).AvgPool2D(2, stride: 1, padding: Padding.Same)
            .Conv2D(4, 2, Activation.SiLU, stride: 2).Flatten().Dense(3, Activation.Sigmoid).Loss(LossFunction.BinaryCrossEntropy).Sgd(0.05f),
        ["normalisations and activations on images, global pooling"] = () => new Sequential(2, 9, 8)
            .Conv2D(6, 3).BatchNorm().Activation(Activation.ReLU).Dropout(0.2f)
            .Conv2D(5, 3, Activation.GELU, padding: Padding.Same).LayerNorm().MaxPool2D(2).Activation(Activation.Sigmoid)
            .GlobalAvgPool2D().BatchNorm().Dense(3, Activation.Softmax).Loss(LossFunction.CrossEntropy).Adam(3e-3f),
        ["image-shaped output with a whole-sample softmax"] = () => new Sequential(2, 6, 5)
            .Conv2D(3, 3, Activation.Tanh, padding: Padding.Same).AvgPool2D(3, stride: 1, padding: Padding.Same)
            .Conv2D(2, 2, Activation.Softmax).Loss(LossFunction.CrossEntropy).Adam(),
        ["image-shaped linear output"] = () => new Sequential(1, 7, 7)
            .Conv2D(2, 3, Activation.Linear, stride: 2).Loss(LossFunction.MeanSquaredError).Sgd(),
    };

    public static TheoryData<string> Cases => new(Networks.Keys);

    private static Sequential Trained(string name)
    {
        var network = Networks[name]().Build(seed: 7, maxBatchSize: 16);
        OnnxHarness.Train(network, steps: 10, batch: 8);
        return network;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Onnx_Runtime_agrees_with_PredictBatch(string name)
    {
        var network = Trained(name);
        using var directory = new TempDirectory();
        string path = directory.File("image.onnx");
        network.ExportOnnx(path);
        int[] inputShape = [.. network.InputShape];
        int[] outputShape = network.Summary.Layers[^1].OutputShape;
        double worst = 0;
        foreach (int batch in new[] { 1, 7, network.MaxBatchSize + 3 })
        {
            var inputs = OnnxHarness.Uniform(batch * network.InputSize, seed: 90 + batch, -2f, 2f);
            var expected = new float[batch * network.OutputSize];
            network.PredictBatch(inputs, expected, batch);
            foreach (bool optimized in new[] { false, true })
            {
                var actual = Run(path, inputs, batch, inputShape, outputShape, optimized);
                worst = Math.Max(worst, OnnxHarness.AssertClose(expected, actual, $"{name}, batch {batch}, optimized {optimized}"));
            }
        }
        output.WriteLine($"{name}: largest difference {worst:E2}");
    }

    [Fact]
    public void The_mnist_convnet_graph_takes_NCHW_and_writes_the_window_attributes()
    {
        var network = Trained("mnist convnet");
        var model = OnnxExport.BuildModel(network);
        var graph = model.Graph;
        Assert.Equal(["Conv", "Relu", "MaxPool", "Conv", "Relu", "MaxPool", "Flatten", "Gemm", "Softmax"], graph.Node.Select(n => n.OpType));
        Assert.Equal(["N", "1", "28", "28"], Dims(Assert.Single(graph.Input)));
        Assert.Equal(["N", "10"], Dims(Assert.Single(graph.Output)));

        var conv = graph.Node[0];
        Assert.Equal(["input", "conv1.weight", "conv1.bias"], conv.Input);
        Assert.Equal([3L, 3L], Attribute(conv, "kernel_shape").Ints);
        Assert.Equal([1L, 1L], Attribute(conv, "strides").Ints);
        Assert.Equal([0L, 0L, 0L, 0L], Attribute(conv, "pads").Ints);
        Assert.Equal([8L, 1L, 3L, 3L], Assert.Single(graph.Initializer, i => i.Name == "conv1.weight").Dims);
        Assert.Equal(Tensor(network, "conv2.weight"), Initializer(graph, "conv2.weight"));
        Assert.Equal(Tensor(network, "conv2.bias"), Initializer(graph, "conv2.bias"));

        var pool = graph.Node[2];
        Assert.Equal([2L, 2L], Attribute(pool, "kernel_shape").Ints);
        Assert.Equal([2L, 2L], Attribute(pool, "strides").Ints);
        Assert.Equal(1, Attribute(graph.Node[6], "axis").I);
        Assert.Equal(["flatten1.output", "dense1.weight", "dense1.bias"], graph.Node[7].Input);
        Assert.Contains(model.MetadataProps, p => p.Key == "compilednets.architecture" && p.Value.StartsWith("1x28x28 -> Conv2D(8, 3x3, ReLU)", StringComparison.Ordinal));
    }

    [Fact]
    public void Same_padding_is_written_explicitly_with_the_extra_cell_after()
    {
        var network = Trained("strides, same padding on odd sizes, even and rectangular kernels");
        var graph = OnnxExport.BuildModel(network).Graph;
        var convs = graph.Node.Where(n => n.OpType == "Conv").ToArray();
        // 11x9, 4x4 kernel, stride 1: padTotal 3 = 1 before + 2 after in both dimensions.
        Assert.Equal([1L, 1L, 2L, 2L], Attribute(convs[0], "pads").Ints);
        // 11x9, 3x2 kernel, stride 2: out 6x5; rows padTotal 5·2 + 3 - 11 = 2 (1 + 1), columns 4·2 + 2 - 9 = 1 (0 + 1).
        Assert.Equal([3L, 2L], Attribute(convs[1], "kernel_shape").Ints);
        Assert.Equal([2L, 2L], Attribute(convs[1], "strides").Ints);
        Assert.Equal([1L, 0L, 1L, 1L], Attribute(convs[1], "pads").Ints);
        Assert.Equal([6L, 5L, 3L, 2L], Assert.Single(graph.Initializer, i => i.Name == "conv2.weight").Dims);
        var average = Assert.Single(graph.Node, n => n.OpType == "AveragePool");
        Assert.Equal(0, Attribute(average, "count_include_pad").I);
        Assert.Equal([0L, 0L, 1L, 1L], Attribute(average, "pads").Ints);
        Assert.All(graph.Node, n => Assert.Contains(n.OpType, KnownOperators));
    }

    [Fact]
    public void Normalisations_on_images_are_per_channel_and_over_the_whole_sample()
    {
        var network = Trained("normalisations and activations on images, global pooling");
        var graph = OnnxExport.BuildModel(network).Graph;
        Assert.Equal(["Conv", "BatchNormalization", "Relu", "Conv", "Mul", "Mul", "Mul", "Add", "Mul", "Tanh", "Add", "Mul", "Mul", "LayerNormalization", "MaxPool", "Sigmoid",
                      "GlobalAveragePool", "Flatten", "BatchNormalization", "Gemm", "Softmax"], graph.Node.Select(n => n.OpType));
        Assert.Equal([6L], Assert.Single(graph.Initializer, i => i.Name == "batchnorm1.running_var").Dims);
        Assert.Equal(Tensor(network, "batchnorm1.running_var"), Initializer(graph, "batchnorm1.running_var"));
        Assert.Contains(Tensor(network, "batchnorm1.running_var"), v => MathF.Abs(v - 1f) > 1e-3f);
        var layerNorm = Assert.Single(graph.Node, n => n.OpType == "LayerNormalization");
        Assert.Equal(1, Attribute(layerNorm, "axis").I);
        Assert.Equal([5L, 7L, 6L], Assert.Single(graph.Initializer, i => i.Name == "layernorm1.gamma").Dims);
        Assert.Equal(Tensor(network, "layernorm1.gamma"), Initializer(graph, "layernorm1.gamma"));
    }

    [Fact]
    public void An_image_shaped_output_keeps_its_shape_and_a_softmax_covers_the_whole_sample()
    {
        var network = Trained("image-shaped output with a whole-sample softmax");
        var graph = OnnxExport.BuildModel(network).Graph;
        Assert.Equal(["N", "2", "5", "4"], Dims(Assert.Single(graph.Output)));
        Assert.Equal(["Conv", "Tanh", "AveragePool", "Conv", "Flatten", "Softmax", "Reshape"], graph.Node.Select(n => n.OpType));
        var outputs = new float[network.OutputSize];
        network.Predict(OnnxHarness.Uniform(network.InputSize, 3), outputs);
        Assert.Equal(1.0, outputs.Sum(v => (double)v), 5); // one distribution over all 2·5·4 values
    }

    [Fact]
    public void A_summary_whose_window_does_not_match_the_network_is_refused()
    {
        var network = Trained("mnist convnet");
        // Stride 2 would give [8, 13, 13], not the [8, 26, 26] the summary states.
        var stride = new SummaryRewrite(network, l => l.Name == "conv1" ? l with { Detail = "3x3, stride 2, ReLU" } : l);
        Assert.Contains("[8, 13, 13]", Assert.Throws<InvalidOperationException>(() => stride.ToOnnx()).Message);
        // An average pool where the network takes the maximum: same shapes, other values; the probe check refuses it.
        var kind = new SummaryRewrite(network, l => l.Name == "maxpool1" ? l with { Kind = "AvgPool2D" } : l);
        Assert.Contains("would not match", Assert.Throws<InvalidOperationException>(() => kind.ToOnnx()).Message);
        // Dense on an image-shaped input (the Flatten left out).
        var flatten = new SummaryRewrite(network, l => l.Name is "flatten1" or "dropout1" ? l with { Kind = "Dropout", OutputShape = [16, 5, 5] } : l);
        Assert.Contains("a Flatten must come before it", Assert.Throws<InvalidOperationException>(() => flatten.ToOnnx()).Message);
        Assert.Contains("cannot read the window", Assert.Throws<NotSupportedException>(() =>
            new SummaryRewrite(network, l => l.Name == "conv2" ? l with { Detail = "ReLU" } : l).ToOnnx()).Message);
    }

    /// <summary>Operators of opset 17 the exporter may emit for image networks (beside those of <see cref="OnnxFileTests.KnownOperators"/>).</summary>
    private static readonly HashSet<string> KnownOperators =
        [.. OnnxFileTests.KnownOperators, "Conv", "MaxPool", "AveragePool", "GlobalAveragePool", "Flatten"];

    /// <summary>Runs the model on <c>[batch, C, H, W]</c> (or <c>[batch, features]</c>) and checks the output's shape.</summary>
    private static float[] Run(string path, float[] inputs, int batch, int[] inputShape, int[] outputShape, bool optimized)
    {
        using var options = new SessionOptions
        {
            GraphOptimizationLevel = optimized ? GraphOptimizationLevel.ORT_ENABLE_ALL : GraphOptimizationLevel.ORT_DISABLE_ALL,
            IntraOpNumThreads = 1,
        };
        using var session = new InferenceSession(path, options);
        using var input = OrtValue.CreateTensorValueFromMemory(inputs, [batch, .. inputShape.Select(d => (long)d)]);
        using var runOptions = new RunOptions();
        using var results = session.Run(runOptions, [OnnxExport.InputName], [input], [OnnxExport.OutputName]);
        Assert.Equal([batch, .. outputShape.Select(d => (long)d)], results[0].GetTensorTypeAndShape().Shape);
        return results[0].GetTensorDataAsSpan<float>().ToArray();
    }

    private static string[] Dims(ValueInfoProto value) =>
        value.Type.TensorType.Shape.Dim.Select(d => d.HasDimParam ? d.DimParam : d.DimValue.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToArray();

    private static AttributeProto Attribute(NodeProto node, string name) => Assert.Single(node.Attribute, a => a.Name == name);

    private static float[] Tensor(INetwork network, string name)
    {
        var tensor = Assert.Single(network.Tensors, t => t.Name == name);
        var storage = tensor.Storage == TensorStorage.Parameters ? network.Parameters : network.Buffers;
        return storage.Slice(tensor.Offset, tensor.Length).ToArray();
    }

    private static float[] Initializer(GraphProto graph, string name)
    {
        var bytes = Assert.Single(graph.Initializer, i => i.Name == name).RawData.Span;
        var values = new float[bytes.Length / 4];
        for (int i = 0; i < values.Length; i++) values[i] = BitConverter.ToSingle(bytes.Slice(i * 4, 4));
        return values;
    }
}
