using CompiledNets.Export.Onnx;
using CompiledNets.Tests.Shared;
using Microsoft.ML.OnnxRuntime;
using Xunit.Abstractions;

namespace CompiledNets.Export.Tests.Export;

/// <summary>
/// Graph-form networks of the interpreted <see cref="Graph"/> exported to ONNX and run in ONNX Runtime: a residual MLP
/// (fan-out, Add with ReLU, Concat of features), a two-input network (one ONNX input per declared input, each with its own
/// shape; Multiply and Average with activations), a small residual convnet (Add of images, Concat along channels), and
/// merges reading the inputs directly with a Dropout as the output. Trained first; outputs within the export's tolerance of
/// <c>PredictBatch</c>, with graph optimizations off and on.
/// </summary>
public class GraphOnnxTests(ITestOutputHelper output)
{
    private static Graph ResidualMlp()
    {
        var g = new Graph();
        var x = g.Input("input", 12);
        var h1 = g.Dense(x, 16, Activation.ReLU, "h1");
        var h3 = g.Dense(g.Dense(h1, 16, Activation.ReLU, "h2"), 16, name: "h3");
        var res = g.Add([h1, h3], Activation.ReLU, name: "res");
        var side = g.Dense(h1, 6, Activation.ReLU, "side");
        g.Dense(g.Concat(res, side), 4, Activation.Softmax);
        return g.Loss(LossFunction.CrossEntropy).Adam(3e-3f);
    }

    private static Graph TwoInputs()
    {
        var g = new Graph();
        var image = g.Input("image", 1, 6, 6);
        var meta = g.Input("meta", 3);
        var pixels = g.Dense(g.Flatten(g.Conv2D(image, 2, 3, Activation.ReLU)), 8, Activation.ReLU, "pixels");
        var facts = g.Dense(meta, 8, Activation.Tanh, "facts");
        var gate = g.Multiply([pixels, facts], Activation.Sigmoid, name: "gate");
        var mean = g.Average([pixels, facts, gate], Activation.LeakyReLU, alpha: 0.2f, name: "mean");
        g.Dense(g.Concat(mean, g.Dense(meta, 2, name: "direct")), 1, Activation.Sigmoid);
        return g.Loss(LossFunction.BinaryCrossEntropy).Adam(3e-3f);
    }

    private static Graph ResidualConvnet()
    {
        var g = new Graph();
        var x = g.Input("image", 2, 10, 10);
        var stem = g.Conv2D(x, 4, 3, Activation.ReLU, padding: Padding.Same, name: "stem");
        var c2 = g.Conv2D(g.Conv2D(stem, 4, 3, Activation.ReLU, padding: Padding.Same, name: "c1"), 4, 3, padding: Padding.Same, name: "c2");
        var block = g.Add([stem, c2], Activation.ReLU, name: "block");
        var wide = g.Concat([block, g.Conv2D(x, 3, 1, Activation.Tanh, name: "side"), x], name: "wide");
        var pooled = g.BatchNorm(g.MaxPool2D(wide, 2));
        g.Dense(g.Dropout(g.GlobalAvgPool2D(pooled), 0.25f), 3, Activation.Softmax, name: "head");
        return g.Loss(LossFunction.CrossEntropy).Adam(3e-3f);
    }

    private static Graph MergedInputsEndingInDropout()
    {
        var g = new Graph();
        var a = g.Input("a", 5);
        var b = g.Input("b", 5);
        var sum = g.Add(a, b);
        var h = g.Dense(sum, 5, Activation.Tanh);
        var both = g.Average([h, sum, a], Activation.ELU);
        var product = g.Multiply(both, h, b);
        g.Dense(product, 3, name: "unused");
        g.Dropout(product, 0.1f);
        return g.Loss(LossFunction.MeanSquaredError).Sgd(0.01f);
    }

    private static readonly Dictionary<string, Func<Graph>> Networks = new()
    {
        ["residual MLP"] = ResidualMlp,
        ["two inputs"] = TwoInputs,
        ["residual convnet"] = ResidualConvnet,
        ["merged inputs ending in dropout"] = MergedInputsEndingInDropout,
    };

    public static TheoryData<string> Cases => new(Networks.Keys);

    private static Graph Trained(string name)
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
        string path = directory.File("graph.onnx");
        network.ExportOnnx(path);
        double worst = 0;
        foreach (int batch in new[] { 1, 7, network.MaxBatchSize + 3 })
        {
            var inputs = OnnxHarness.Uniform(batch * network.InputSize, seed: 90 + batch, -2f, 2f);
            var expected = new float[batch * network.OutputSize];
            network.PredictBatch(inputs, expected, batch);
            foreach (bool optimized in new[] { false, true })
            {
                var actual = Run(path, network, inputs, batch, optimized);
                worst = Math.Max(worst, OnnxHarness.AssertClose(expected, actual, $"{name}, batch {batch}, optimized {optimized}"));
            }
        }
        output.WriteLine($"{name}: largest difference {worst:E2}");
    }

    [Fact]
    public void The_residual_MLP_becomes_Gemm_Add_Concat_with_the_node_names()
    {
        var network = Trained("residual MLP");
        var graph = OnnxExport.BuildModel(network).Graph;
        Assert.Equal(["Gemm", "Relu", "Gemm", "Relu", "Gemm", "Add", "Relu", "Gemm", "Relu", "Concat", "Gemm", "Softmax"], graph.Node.Select(n => n.OpType));
        var add = graph.Node[5];
        Assert.Equal(["h1.output", "h3.gemm"], add.Input);
        var concat = graph.Node[9];
        Assert.Equal(["res.output", "side.output"], concat.Input);
        Assert.Equal(1, Assert.Single(concat.Attribute, a => a.Name == "axis").I);
        Assert.Equal(["h1.output", "side.weight", "side.bias"], graph.Node[7].Input);
        Assert.Equal(OnnxExport.InputName, Assert.Single(graph.Input).Name);
        Assert.Equal(["N", "4"], Dims(Assert.Single(graph.Output)));
    }

    [Fact]
    public void Each_declared_input_becomes_a_named_ONNX_input_with_its_own_shape()
    {
        var network = Trained("two inputs");
        var graph = OnnxExport.BuildModel(network).Graph;
        Assert.Equal(["image", "meta"], graph.Input.Select(i => i.Name));
        Assert.Equal(["N", "1", "6", "6"], Dims(graph.Input[0]));
        Assert.Equal(["N", "3"], Dims(graph.Input[1]));
        Assert.Contains(graph.Node, n => n.OpType == "Mul" && n.Input.SequenceEqual(["pixels.output", "facts.output"]));
        Assert.Contains(graph.Node, n => n.OpType == "Mean" && n.Input.Count == 3);
        Assert.Contains(graph.Node, n => n.OpType == "LeakyRelu" && n.Input[0].StartsWith("mean.", StringComparison.Ordinal));
        Assert.Equal(["meta", "direct.weight", "direct.bias"], Assert.Single(graph.Node, n => n.Input.Contains("direct.weight")).Input);
    }

    [Fact]
    public void Images_concatenate_along_channels_and_add_element_wise()
    {
        var network = Trained("residual convnet");
        var graph = OnnxExport.BuildModel(network).Graph;
        var concat = Assert.Single(graph.Node, n => n.OpType == "Concat");
        Assert.Equal(["block.output", "side.output", "image"], concat.Input);
        Assert.Equal(1, Assert.Single(concat.Attribute, a => a.Name == "axis").I);
        var add = Assert.Single(graph.Node, n => n.OpType == "Add");
        Assert.Equal(["stem.output", "c2.conv"], add.Input);
        Assert.DoesNotContain(graph.Node, n => n.OpType == "Dropout");
    }

    [Fact]
    public void A_shared_value_at_the_end_is_passed_out_through_an_Identity()
    {
        var network = Trained("merged inputs ending in dropout");
        var graph = OnnxExport.BuildModel(network).Graph;
        var identity = graph.Node[^1];
        Assert.Equal("Identity", identity.OpType);
        Assert.Equal(OnnxExport.OutputName, Assert.Single(identity.Output));
        // The product is still read by the unused Dense, under its own name.
        string product = Assert.Single(identity.Input);
        Assert.Contains(graph.Node, n => n.OpType == "Gemm" && n.Input[0] == product);
        Assert.Equal(2, graph.Node.Count(n => n.OpType == "Mul"));
    }

    /// <summary>Runs the model with one tensor per graph input, cut out of each row in declaration order.</summary>
    private static float[] Run(string path, Graph network, float[] rows, int batch, bool optimized)
    {
        using var options = new SessionOptions
        {
            GraphOptimizationLevel = optimized ? GraphOptimizationLevel.ORT_ENABLE_ALL : GraphOptimizationLevel.ORT_DISABLE_ALL,
            IntraOpNumThreads = 1,
        };
        using var session = new InferenceSession(path, options);
        var inputs = network.Summary.Inputs;
        Assert.Equal(inputs.Select(i => i.Name), session.InputNames);
        var values = new List<OrtValue>();
        try
        {
            int offset = 0;
            foreach (var input in inputs)
            {
                int size = input.Shape.Aggregate(1, (p, d) => p * d);
                var block = new float[batch * size];
                for (int b = 0; b < batch; b++) rows.AsSpan(b * network.InputSize + offset, size).CopyTo(block.AsSpan(b * size));
                values.Add(OrtValue.CreateTensorValueFromMemory(block, [batch, .. input.Shape.Select(d => (long)d)]));
                offset += size;
            }
            using var runOptions = new RunOptions();
            using var outputs = session.Run(runOptions, inputs.Select(i => i.Name).ToArray(), values, [OnnxExport.OutputName]);
            Assert.Equal([batch, (long)network.OutputSize], outputs[0].GetTensorTypeAndShape().Shape);
            return outputs[0].GetTensorDataAsSpan<float>().ToArray();
        }
        finally
        {
            foreach (var value in values) value.Dispose();
        }
    }

    private static string[] Dims(ValueInfoProto value) =>
        value.Type.TensorType.Shape.Dim.Select(d => d.DimParam.Length > 0 ? d.DimParam : d.DimValue.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToArray();
}
