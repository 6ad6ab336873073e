using System.Buffers.Binary;
using CompiledNets.Export.Onnx;
using CompiledNets.Tests.Shared;

namespace CompiledNets.Export.Tests;

/// <summary>The exported file parsed back with the generated protobuf messages, the atomic write, and refusals.</summary>
public class OnnxFileTests
{
    /// <summary>Operators of the default domain that exist in opset 17 and that the exporter may emit.</summary>
    private static readonly HashSet<string> Opset17Operators =
        ["Gemm", "Relu", "Sigmoid", "Tanh", "Softmax", "LeakyRelu", "Elu", "Mul", "Add", "GreaterOrEqual", "Cast", "IsNaN", "Where", "Identity",
         "BatchNormalization", "LayerNormalization", "Reshape", "ReduceMax"];

    internal static IReadOnlySet<string> KnownOperators => Opset17Operators;

    [Fact]
    public void FileParsesBackWithHeaderShapesAndWeights()
    {
        INetwork network = new DeepMixedNet();
        OnnxHarness.Train(network);
        using var directory = new TempDirectory();
        string path = directory.File("deep.onnx");
        network.ExportOnnx(path);

        var model = ModelProto.Parser.ParseFrom(File.ReadAllBytes(path));
        Assert.Equal(OnnxExport.IrVersion, model.IrVersion);
        Assert.Equal(8, model.IrVersion);
        var opset = Assert.Single(model.OpsetImport);
        Assert.Equal("", opset.Domain);
        Assert.Equal(17, opset.Version);
        Assert.Equal("CompiledNets", model.ProducerName);
        Assert.Equal("0.1.0", model.ProducerVersion);
        Assert.Equal(network.Architecture, model.DocString);
        Assert.Contains(model.MetadataProps, p => p.Key == "compilednets.architecture" && p.Value == network.Architecture);

        var graph = model.Graph;
        Assert.Equal("DeepMixedNet", graph.Name);
        AssertMatrix(Assert.Single(graph.Input), "input", network.InputSize);
        AssertMatrix(Assert.Single(graph.Output), "output", network.OutputSize);

        // Every parameter tensor is an initializer with its name, shape and exact bits (little-endian raw_data).
        foreach (var tensor in network.Tensors.Where(t => t.Storage == TensorStorage.Parameters))
        {
            var initializer = Assert.Single(graph.Initializer, i => i.Name == tensor.Name);
            Assert.Equal((int)TensorProto.Types.DataType.Float, initializer.DataType);
            Assert.Equal(tensor.Shape.Select(d => (long)d), initializer.Dims);
            var bytes = initializer.RawData.Span;
            Assert.Equal(tensor.Length * 4, bytes.Length);
            var values = network.Parameters.Slice(tensor.Offset, tensor.Length);
            for (int i = 0; i < values.Length; i++)
                Assert.Equal(BitConverter.SingleToInt32Bits(values[i]), BinaryPrimitives.ReadInt32LittleEndian(bytes[(i * 4)..]));
        }
        Assert.DoesNotContain(graph.Initializer, i => i.Name.Contains("optimizer", StringComparison.OrdinalIgnoreCase) || i.Name.EndsWith(".m") || i.Name.EndsWith(".v"));

        // Topological order, single assignment, known operators, one Gemm (transB = 1) per Dense layer.
        var defined = new HashSet<string>(graph.Initializer.Select(i => i.Name)) { "input" };
        foreach (var node in graph.Node)
        {
            Assert.Contains(node.OpType, Opset17Operators);
            Assert.Equal("", node.Domain);
            Assert.All(node.Input, name => Assert.Contains(name, defined));
            Assert.All(node.Output, name => Assert.True(defined.Add(name), $"value '{name}' assigned twice"));
        }
        Assert.Contains("output", defined);
        var gemms = graph.Node.Where(n => n.OpType == "Gemm").ToList();
        Assert.Equal(network.Summary.Layers.Count, gemms.Count);
        Assert.All(gemms, g => Assert.Contains(g.Attribute, a => a.Name == "transB" && a.Type == AttributeProto.Types.AttributeType.Int && a.I == 1));
        var softmax = Assert.Single(graph.Node, n => n.OpType == "Softmax");
        Assert.Equal("output", Assert.Single(softmax.Output));
        Assert.Equal(-1, Assert.Single(softmax.Attribute).I);
    }

    [Fact]
    public void StreamAndBytesMatchTheFile()
    {
        INetwork network = new SigmoidNet();
        using var directory = new TempDirectory();
        string path = directory.File("sigmoid.onnx");
        network.ExportOnnx(path);
        using var stream = new MemoryStream();
        network.ExportOnnx(stream);
        Assert.Equal(File.ReadAllBytes(path), stream.ToArray());
        Assert.Equal(stream.ToArray(), network.ToOnnx()); // deterministic
    }

    [Fact]
    public void StatedAlphasBecomeFloatAttributesAndAWrongStatedAlphaIsRefused()
    {
        var network = OnnxRuntimeEquivalenceTests.StatedAlpha(new LeakyReluAlphaNet(), 0f, 0.3f);
        var inner = ((ForwardingNetwork)network).Inner;
        // The generated network really uses 0.2 in layer 1, so the probe check must refuse this summary.
        Assert.Throws<InvalidOperationException>(() => network.ToOnnx());
        // proto2 presence: the alpha is a FLOAT attribute whose f is written (it would be even for 0).
        var honest = OnnxRuntimeEquivalenceTests.StatedAlpha(inner, 0.2f, 0.3f);
        var model = ModelProto.Parser.ParseFrom(honest.ToOnnx());
        var alphas = model.Graph.Node.Where(n => n.OpType == "LeakyRelu").Select(n => Assert.Single(n.Attribute)).ToList();
        Assert.Equal([0.2f, 0.3f], alphas.Select(a => a.F));
        Assert.All(alphas, a => Assert.True(a.HasF && a.Type == AttributeProto.Types.AttributeType.Float));
    }

    [Fact]
    public void ExportIsAtomicAndOverwrites()
    {
        using var directory = new TempDirectory();
        string path = directory.File("model.onnx");
        File.WriteAllText(path, "old");
        INetwork network = new LinearNet();
        network.ExportOnnx(path);
        Assert.Equal(network.ToOnnx(), File.ReadAllBytes(path));
        Assert.Equal(["model.onnx"], Directory.GetFileSystemEntries(directory.Path).Select(Path.GetFileName));
    }

    [Fact]
    public void UnsupportedLayerKindIsRefusedByNameAndLeavesTheFileUntouched()
    {
        var network = new InsertedLayers(new ReluNet(), 1, new LayerSummary("conv1", "Conv1D", [32], 96, 0, "3 taps"));
        using var directory = new TempDirectory();
        string path = directory.File("model.onnx");
        File.WriteAllText(path, "old");
        var error = Assert.Throws<NotSupportedException>(() => network.ExportOnnx(path));
        Assert.Contains("Layer 2 (conv1, Conv1D 3 taps)", error.Message);
        Assert.Contains("'Conv1D'", error.Message);
        Assert.Contains("BatchNorm, LayerNorm, Maxout", error.Message);
        Assert.Equal("old", File.ReadAllText(path));
        Assert.Equal(["model.onnx"], Directory.GetFileSystemEntries(directory.Path).Select(Path.GetFileName));
    }

    [Fact]
    public void UnknownActivationIsRefusedByName()
    {
        var network = new SummaryRewrite(new LinearNet(), l => l with { Detail = "Swish2" });
        var error = Assert.Throws<NotSupportedException>(() => network.ToOnnx());
        Assert.Contains("Layer 1 (dense1, Dense Swish2)", error.Message);
    }

    [Fact]
    public void SummaryThatDoesNotDescribeTheNetworkIsRefused()
    {
        // The summary claims ReLU, the network computes Linear: the probe check catches it.
        var network = new SummaryRewrite(new LinearNet(), l => l with { Detail = "Tanh" });
        var error = Assert.Throws<InvalidOperationException>(() => network.ToOnnx());
        Assert.Contains("Predict", error.Message);
    }

    [Fact]
    public void MissingTensorIsReported()
    {
        var network = new SummaryRewrite(new LinearNet(), l => l with { Name = "dense9" });
        var error = Assert.Throws<InvalidOperationException>(() => network.ToOnnx());
        Assert.Contains("'dense9.weight'", error.Message);
    }

    private static void AssertMatrix(ValueInfoProto value, string name, int features)
    {
        Assert.Equal(name, value.Name);
        var tensor = value.Type.TensorType;
        Assert.Equal((int)TensorProto.Types.DataType.Float, tensor.ElemType);
        Assert.Equal(2, tensor.Shape.Dim.Count);
        Assert.Equal("N", tensor.Shape.Dim[0].DimParam);
        Assert.Equal(features, tensor.Shape.Dim[1].DimValue);
    }
}
