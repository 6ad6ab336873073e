using CompiledNets.Export.Onnx;

namespace CompiledNets.Export.Tests;

/// <summary>Wide enough that its bfloat16 predictions differ from float32's by more than the exporter's probe tolerance.</summary>
[Network(Inputs = 784, InferenceWeights = WeightPrecision.BFloat16)]
[Dense(512, Activation.ReLU)]
[Maxout(64, 3)]
[Dense(10, Activation.Softmax)]
[Loss(LossFunction.CrossEntropy)]
[Adam]
public partial class BFloat16ExportNet;

/// <summary>
/// A network predicting from bfloat16 weights exports its float32 master weights; the exporter's probe checks the
/// layers over the weights Predict reads, so the export is not refused for the rounding.
/// </summary>
public class BFloat16ExportTests
{
    private static float[] Initializer(GraphProto graph, string name)
    {
        var tensor = Assert.Single(graph.Initializer, i => i.Name == name);
        var bytes = tensor.RawData.Span;
        var values = new float[bytes.Length / 4];
        for (int i = 0; i < values.Length; i++) values[i] = BitConverter.ToSingle(bytes.Slice(i * 4, 4));
        return values;
    }

    [Fact]
    public void The_export_holds_the_float32_weights_bit_for_bit()
    {
        INetwork network = new BFloat16ExportNet(seed: 3);
        Assert.Equal(WeightPrecision.BFloat16, network.InferenceWeights);
        OnnxHarness.Train(network, steps: 3);
        var graph = OnnxExport.BuildModel(network).Graph;
        foreach (var tensor in network.Tensors.Where(t => t.Storage == TensorStorage.Parameters))
        {
            var expected = network.Parameters.Slice(tensor.Offset, tensor.Length).ToArray();
            Assert.Equal(expected.Select(BitConverter.SingleToInt32Bits), Initializer(graph, tensor.Name).Select(BitConverter.SingleToInt32Bits));
        }
    }
}
