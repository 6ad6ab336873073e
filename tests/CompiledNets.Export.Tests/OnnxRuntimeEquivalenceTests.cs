using CompiledNets.Tests.Shared;
using Xunit.Abstractions;

namespace CompiledNets.Export.Tests;

/// <summary>
/// Every trainable activation, at a few depths and shapes: train a few steps, export, run the file in ONNX Runtime
/// and compare with <see cref="INetwork.PredictBatch"/> and <see cref="INetwork.Predict"/> within 1e-5 (relative
/// above 1, absolute below).
/// </summary>
public class OnnxRuntimeEquivalenceTests(ITestOutputHelper output)
{
    private const int Batch = 37;

    /// <summary>Case name → (what it covers, a trained network).</summary>
    private static INetwork Create(string name) => name switch
    {
        "Linear" => new LinearNet(),
        "Sigmoid" => new SigmoidNet(),
        "Tanh" => new TanhNet(),
        "ReLU + Softmax" => new ReluNet(),
        "LeakyReLU" => new LeakyReluNet(),
        "ELU" => new EluNet(),
        "GELU" => new GeluNet(),
        "SiLU" => new SiluNet(),
        "Softmax (single layer)" => new SoftmaxNet(),
        "5 layers ReLU-GELU-SiLU-Tanh-Softmax" => new DeepMixedNet(),
        "196-128-10 ReLU-Softmax" => new WideNet(),
        // The generator's summary states a non-default alpha ("LeakyReLU(alpha 0.2)").
        "LeakyReLU alpha 0.2/0.3" => new LeakyReluAlphaNet(),
        "ELU alpha 0.5" => new EluAlphaNet(),
        // Layer kinds beyond Dense.
        "All kinds: Dense-BatchNorm-ReLU-Dropout-Maxout-LayerNorm-Softmax" => new AllKindsNet(),
        "BatchNorm + Tanh layer" => new BatchNormNet(),
        "BatchNorm on inputs and output" => new BatchNormEndsNet(),
        "LayerNorm (hidden and output)" => new LayerNormNet(),
        "Maxout 4 pieces + Maxout 2 pieces" => new MaxoutNet(),
        "Activation layers LeakyReLU(0.2)-ELU(0.5)-SiLU-Softmax" => new ActivationLayersNet(),
        "Dropout" => new DropoutNet(),
        _ => throw new ArgumentOutOfRangeException(nameof(name), name, null),
    };

    public static TheoryData<string> Cases => new()
    {
        "Linear", "Sigmoid", "Tanh", "ReLU + Softmax", "LeakyReLU", "ELU", "GELU", "SiLU", "Softmax (single layer)",
        "5 layers ReLU-GELU-SiLU-Tanh-Softmax", "196-128-10 ReLU-Softmax", "LeakyReLU alpha 0.2/0.3", "ELU alpha 0.5",
        "All kinds: Dense-BatchNorm-ReLU-Dropout-Maxout-LayerNorm-Softmax", "BatchNorm + Tanh layer", "BatchNorm on inputs and output",
        "LayerNorm (hidden and output)", "Maxout 4 pieces + Maxout 2 pieces", "Activation layers LeakyReLU(0.2)-ELU(0.5)-SiLU-Softmax", "Dropout",
    };

    /// <summary>
    /// Rewrites the alpha each LeakyReLU/ELU layer states in its summary detail (<c>LeakyReLU(alpha 0.2)</c>),
    /// whatever the detail said before; the network that runs is unchanged.
    /// </summary>
    internal static INetwork StatedAlpha(INetwork network, params float[] alphas)
    {
        int layer = 0;
        return new SummaryRewrite(network, l =>
        {
            float alpha = alphas[Math.Min(layer++, alphas.Length - 1)];
            int open = l.Detail.IndexOf('(');
            string name = open >= 0 ? l.Detail[..open] : l.Detail;
            return name is "LeakyReLU" or "ELU" ? l with { Detail = $"{name}(alpha {alpha.ToString(System.Globalization.CultureInfo.InvariantCulture)})" } : l;
        });
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void OnnxRuntimeMatchesPredict(string name)
    {
        var network = Create(name);
        OnnxHarness.Train(network);
        using var directory = new TempDirectory();
        string path = directory.File("model.onnx");
        network.ExportOnnx(path);

        var inputs = OnnxHarness.Uniform(Batch * network.InputSize, seed: 7, -2f, 2f);
        var onnx = OnnxHarness.Run(path, inputs, Batch, network.InputSize, network.OutputSize);

        var batch = new float[Batch * network.OutputSize];
        network.PredictBatch(inputs, batch, Batch);
        double maxBatch = OnnxHarness.AssertClose(batch, onnx, $"{name} vs PredictBatch");

        var single = new float[network.OutputSize];
        double maxSingle = 0;
        for (int b = 0; b < Batch; b++)
        {
            network.Predict(inputs.AsSpan(b * network.InputSize, network.InputSize), single);
            maxSingle = Math.Max(maxSingle, OnnxHarness.AssertClose(single, onnx.AsSpan(b * network.OutputSize, network.OutputSize), $"{name} vs Predict, sample {b}"));
        }
        // With every ONNX Runtime graph optimization on (fusions), the same tolerance holds.
        var optimized = OnnxHarness.Run(path, inputs, Batch, network.InputSize, network.OutputSize, optimized: true);
        double maxOptimized = OnnxHarness.AssertClose(batch, optimized, $"{name} vs PredictBatch, optimized session");
        double max = Math.Max(maxBatch, maxSingle);
        OnnxHarness.MaxDifference[name] = max;
        output.WriteLine($"{name}: {network.Architecture}: max |onnx - predict| = {max:E2} (optimized session {maxOptimized:E2})");
    }

    [Fact]
    public void GeneratedCustomAlphaIsExportedCorrectlyOrRefused()
    {
        // A generated network declared with Alpha = 0.2f / 0.3f: its summary states the alphas, so the export must
        // match ONNX Runtime. (A summary that did not state them would be refused by the probe check; see
        // OnnxFileTests.StatedAlphasBecomeFloatAttributesAndAWrongStatedAlphaIsRefused.)
        INetwork network = new LeakyReluAlphaNet();
        Assert.Equal(["LeakyReLU(alpha 0.2)", "LeakyReLU(alpha 0.3)"], network.Summary.Layers.Select(l => l.Detail));
        OnnxHarness.Train(network);
        using var directory = new TempDirectory();
        string path = directory.File("alpha.onnx");
        network.ExportOnnx(path);
        var inputs = OnnxHarness.Uniform(Batch * network.InputSize, seed: 9, -2f, 2f);
        var expected = new float[Batch * network.OutputSize];
        network.PredictBatch(inputs, expected, Batch);
        double max = OnnxHarness.AssertClose(expected, OnnxHarness.Run(path, inputs, Batch, network.InputSize, network.OutputSize), "LeakyReluAlphaNet");
        output.WriteLine($"LeakyReluAlphaNet exported with its stated alphas: max |onnx - predict| = {max:E2}");
    }

    [Fact]
    public void StepMatchesIncludingNaN()
    {
        // Step cannot be generated (CN0011): a generated Linear layer's outputs go through the runtime's Step kernel.
        var network = new StepNetwork(new LinearNet());
        using var directory = new TempDirectory();
        string path = directory.File("step.onnx");
        network.ExportOnnx(path);
        var inputs = OnnxHarness.Uniform(Batch * network.InputSize, seed: 3, -2f, 2f);
        inputs[0] = float.NaN; // sample 0: every output NaN, which Step keeps
        var onnx = OnnxHarness.Run(path, inputs, Batch, network.InputSize, network.OutputSize);
        var expected = new float[Batch * network.OutputSize];
        network.PredictBatch(inputs, expected, Batch);
        Assert.True(float.IsNaN(onnx[0]));
        Assert.Equal(expected, onnx);
        Assert.All(onnx.Skip(network.OutputSize), v => Assert.True(v is 0f or 1f));
    }

    [Fact]
    public void DropoutIsRemoved()
    {
        // A Dropout row inserted between the Dense layers of a network without one (a generated Dropout network is a
        // case of OnnxRuntimeMatchesPredict): identity at inference, no node.
        var inner = new ReluNet();
        OnnxHarness.Train(inner);
        var network = new InsertedLayers(inner, 1, new LayerSummary("dropout1", "Dropout", [32], 0, 0, "0.5"));
        var model = OnnxExport.BuildModel(network);
        Assert.DoesNotContain(model.Graph.Node, n => n.OpType is "Dropout" or "Identity");
        Assert.Equal(OnnxExport.BuildModel(inner).Graph.Node.Count, model.Graph.Node.Count);
        using var directory = new TempDirectory();
        string path = directory.File("dropout.onnx");
        network.ExportOnnx(path);
        var inputs = OnnxHarness.Uniform(Batch * network.InputSize, seed: 5);
        var expected = new float[Batch * network.OutputSize];
        network.PredictBatch(inputs, expected, Batch);
        OnnxHarness.AssertClose(expected, OnnxHarness.Run(path, inputs, Batch, network.InputSize, network.OutputSize), "Dropout");
    }

    [Fact]
    public void BatchOfOneAndLargeBatchRun()
    {
        // The batch dimension is symbolic: 1 and a batch larger than MaxBatchSize both run.
        INetwork network = new TanhNet();
        OnnxHarness.Train(network);
        using var directory = new TempDirectory();
        string path = directory.File("tanh.onnx");
        network.ExportOnnx(path);
        foreach (int batch in new[] { 1, network.MaxBatchSize + 3 })
        {
            var inputs = OnnxHarness.Uniform(batch * network.InputSize, seed: batch);
            var expected = new float[batch * network.OutputSize];
            network.PredictBatch(inputs, expected, batch);
            OnnxHarness.AssertClose(expected, OnnxHarness.Run(path, inputs, batch, network.InputSize, network.OutputSize), $"batch {batch}");
        }
    }
}
