namespace CompiledNets.Runtime.Tests;

/// <summary>The summary table: Keras's layout, with image shapes written as Keras writes them, batch dimension first.</summary>
public class NetworkSummaryTests
{
    [Fact]
    public void Image_and_flat_shapes_print_as_Keras_tuples()
    {
        var summary = new NetworkSummary("ConvNet", 784,
        [
            new LayerSummary("conv1", "Conv2D", [32, 26, 26], 320, 0, "3x3, ReLU"),
            new LayerSummary("maxpool1", "MaxPool2D", [32, 13, 13], 0, 0, "2x2"),
            new LayerSummary("flatten1", "Flatten", [5408], 0, 0, ""),
            new LayerSummary("dense1", "Dense", [10], 54_090, 0, "Softmax"),
        ], "CrossEntropy", "Adam(lr 0.001)");
        string expected = """
            Model: "ConvNet"
            ━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━
            Layer (type)               Output shape        Param #
            ━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━
            conv1 (Conv2D, 3x3, ReLU)  (None, 32, 26, 26)      320
            ──────────────────────────────────────────────────────
            maxpool1 (MaxPool2D, 2x2)  (None, 32, 13, 13)        0
            ──────────────────────────────────────────────────────
            flatten1 (Flatten)         (None, 5408)              0
            ──────────────────────────────────────────────────────
            dense1 (Dense, Softmax)    (None, 10)           54,090
            ━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━
            Total params: 54,410 (212.54 KB)
            Trainable params: 54,410 (212.54 KB)
            Non-trainable params: 0 (0 B)
            Loss: CrossEntropy · Optimizer: Adam(lr 0.001)

            """;
        Assert.Equal(expected.ReplaceLineEndings("\n"), summary.ToString());
    }

    [Fact]
    public void An_interpreted_convnet_summary_shows_each_layers_shape()
    {
        var net = new Sequential(3, 8, 8).Conv2D(4, 3, Activation.ReLU, padding: Padding.Same).BatchNorm().AvgPool2D(2).GlobalAvgPool2D().Dense(2, Activation.Softmax)
            .Loss(LossFunction.CrossEntropy).Adam().Build(seed: 1, maxBatchSize: 2);
        var lines = net.Summary.ToString().Split('\n');
        Assert.Contains(lines, l => l.StartsWith("conv1 (Conv2D, 3x3, same, ReLU)", StringComparison.Ordinal) && l.Contains("(None, 4, 8, 8)") && l.EndsWith(" 112", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("batchnorm1 (BatchNorm)", StringComparison.Ordinal) && l.Contains("(None, 4, 8, 8)") && l.EndsWith(" 16", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("avgpool1 (AvgPool2D, 2x2)", StringComparison.Ordinal) && l.Contains("(None, 4, 4, 4)"));
        Assert.Contains(lines, l => l.StartsWith("globalavgpool1 (GlobalAvgPool2D)", StringComparison.Ordinal) && l.Contains("(None, 4)"));
        Assert.Contains("Non-trainable params: 8 (32 B)", lines);
    }
}
