using System.Reflection;
using CompiledNets.Generator.Tests.Infrastructure;

namespace CompiledNets.Generator.Tests.Emit;

/// <summary>
/// Generated graphs against central finite differences of an independent double-precision model: gradients through
/// fan-out (a value read by two, three and four layers, once twice by the same merge), every merge with and without an
/// activation, two inputs, and layers whose gradient passes through in place (an activation, LayerNorm, Maxout).
/// Smooth activations keep the differences away from kinks; the tolerance is that of <see cref="GradientCheckTests"/>.
/// </summary>
public class GraphGradientCheckTests
{
    private const string Residual = """
        [Network(Inputs = 6)]
        [Dense(7, Activation.Tanh, Name = "h1")]
        [Dense(7, Activation.ELU, Name = "h2")]
        [Dense(7, Name = "h3")]
        [Add("h1", "h3", Name = "res", Activation = Activation.Tanh)]
        [Dense(4, Activation.GELU, Name = "side", From = "h1")]
        [Concat("res", "side")]
        [Dense(3, Activation.Softmax)]
        [Loss(LossFunction.CrossEntropy)]
        [Sgd]
        public partial class Residual;
        """;

    private const string TwoInputs = """
        [Network]
        [Input("image", 5)]
        [Input("meta", 3)]
        [Dense(6, Activation.Tanh, Name = "pixels")]
        [Dense(4, Activation.SiLU, Name = "facts", From = "meta")]
        [Concat("pixels", "facts", "meta")]
        [Dense(2, Activation.Sigmoid)]
        [Loss(LossFunction.BinaryCrossEntropy)]
        [Sgd]
        public partial class TwoInputs;
        """;

    private const string Gates = """
        [Network(Inputs = 5)]
        [Dense(6, Activation.Tanh, Name = "a")]
        [Dense(6, Activation.Sigmoid, Name = "gate", From = "input")]
        [Multiply("a", "gate", Name = "gated")]
        [Dense(6, Activation.ELU, Name = "c", From = "a")]
        [Average("a", "gated", "c", Activation = Activation.SiLU)]
        [Multiply("a", "gate", "c")]
        [Add("average1", "multiply2", "a")]
        [Dense(2)]
        [Loss(LossFunction.MeanSquaredError)]
        [Sgd]
        public partial class Gates;
        """;

    private const string InPlace = """
        [Network(Inputs = 5)]
        [Dense(6, Activation.GELU, Name = "x")]
        [ActivationLayer(Activation.Tanh, Name = "t", From = "x")]
        [Add("x", "x", Name = "twice")]
        [Maxout(3, 2, Name = "m", From = "x")]
        [LayerNorm(Name = "norm", From = "twice")]
        [Concat("t", "norm", "m", "input")]
        [Dense(3, Activation.Softmax)]
        [Loss(LossFunction.CrossEntropy)]
        [Sgd]
        public partial class InPlace;
        """;

    /// <summary>
    /// Wide values from a narrow input: the rows single-sample Predict keeps (30,720 floats) exceed what it puts on the
    /// stack, and the 5,120-unit products copy dy into row tiles for their weight gradient.
    /// </summary>
    private const string WideRows = """
        [Network(Inputs = 4)]
        [Dense(5120, Activation.Tanh, Name = "a")]
        [Dense(5120, Activation.ReLU, Name = "b", From = "input")]
        [Dense(5120, Name = "c", From = "input")]
        [Add("a", "b", Activation = Activation.ELU)]
        [Concat("add1", "c")]
        [Dense(3, Activation.Softmax)]
        [Loss(LossFunction.CrossEntropy)]
        [Adam]
        public partial class WideRows;
        """;

    private static readonly Lazy<Assembly> Networks = new(() => GeneratorHarness.CompileAndLoad(
        new[] { Residual, TwoInputs, Gates, InPlace, WideRows }.Select(d => "using CompiledNets;\nnamespace Graphs;\n" + d).ToArray()));

    private static GraphReferenceModel Reference(string name) => name switch
    {
        "Residual" => new GraphReferenceModel(new[] { 6 }, LossFunction.CrossEntropy,
            ReferenceNode.Of(new ReferenceLayer(7, Activation.Tanh), -1),
            ReferenceNode.Of(new ReferenceLayer(7, Activation.ELU), 0),
            ReferenceNode.Of(new ReferenceLayer(7, Activation.Linear), 1),
            ReferenceNode.Merge(ReferenceOp.Add, Activation.Tanh, 0, 2),
            ReferenceNode.Of(new ReferenceLayer(4, Activation.GELU), 0),
            ReferenceNode.Merge(ReferenceOp.Concat, Activation.Linear, 3, 4),
            ReferenceNode.Of(new ReferenceLayer(3, Activation.Softmax), 5)),
        "TwoInputs" => new GraphReferenceModel(new[] { 5, 3 }, LossFunction.BinaryCrossEntropy,
            ReferenceNode.Of(new ReferenceLayer(6, Activation.Tanh), -1),
            ReferenceNode.Of(new ReferenceLayer(4, Activation.SiLU), -2),
            ReferenceNode.Merge(ReferenceOp.Concat, Activation.Linear, 0, 1, -2),
            ReferenceNode.Of(new ReferenceLayer(2, Activation.Sigmoid), 2)),
        "Gates" => new GraphReferenceModel(new[] { 5 }, LossFunction.MeanSquaredError,
            ReferenceNode.Of(new ReferenceLayer(6, Activation.Tanh), -1),
            ReferenceNode.Of(new ReferenceLayer(6, Activation.Sigmoid), -1),
            ReferenceNode.Merge(ReferenceOp.Multiply, Activation.Linear, 0, 1),
            ReferenceNode.Of(new ReferenceLayer(6, Activation.ELU), 0),
            ReferenceNode.Merge(ReferenceOp.Average, Activation.SiLU, 0, 2, 3),
            ReferenceNode.Merge(ReferenceOp.Multiply, Activation.Linear, 0, 1, 3),
            ReferenceNode.Merge(ReferenceOp.Add, Activation.Linear, 4, 5, 0),
            ReferenceNode.Of(new ReferenceLayer(2, Activation.Linear), 6)),
        _ => new GraphReferenceModel(new[] { 5 }, LossFunction.CrossEntropy,
            ReferenceNode.Of(new ReferenceLayer(6, Activation.GELU), -1),
            ReferenceNode.Of(ReferenceLayer.Act(Activation.Tanh), 0),
            ReferenceNode.Merge(ReferenceOp.Add, Activation.Linear, 0, 0),
            ReferenceNode.Of(ReferenceLayer.Maxout(3, 2), 0),
            ReferenceNode.Of(ReferenceLayer.LayerNorm(), 2),
            ReferenceNode.Merge(ReferenceOp.Concat, Activation.Linear, 1, 4, 3, -1),
            ReferenceNode.Of(new ReferenceLayer(3, Activation.Softmax), 5)),
    };

    private static (int Inputs, int Outputs, LossFunction Loss) Sizes(string name) => name switch
    {
        "Residual" => (6, 3, LossFunction.CrossEntropy),
        "TwoInputs" => (8, 2, LossFunction.BinaryCrossEntropy),
        "Gates" => (5, 2, LossFunction.MeanSquaredError),
        "WideRows" => (4, 3, LossFunction.CrossEntropy),
        _ => (5, 3, LossFunction.CrossEntropy),
    };

    [Theory]
    [InlineData("Residual")]
    [InlineData("TwoInputs")]
    [InlineData("Gates")]
    [InlineData("InPlace")]
    public void Gradients_match_central_finite_differences(string name)
    {
        var network = GeneratorHarness.Create(Networks.Value, "Graphs." + name, seed: 7);
        var (inputs, outputs, loss) = Sizes(name);
        const int batch = 5;
        var random = new Random(3);
        var x = Enumerable.Range(0, batch * inputs).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
        var targets = GradientCheckTests.Targets(loss, batch, outputs, random);

        GradientCheckTests.AssertGradientsMatch(network, Reference(name), x, targets, batch);
    }

    [Theory]
    [InlineData("Residual")]
    [InlineData("TwoInputs")]
    [InlineData("Gates")]
    [InlineData("InPlace")]
    [InlineData("WideRows")]
    public void Predict_PredictBatch_and_the_training_forward_agree_and_threads_do_not_change_a_bit(string name)
    {
        var (inputs, outputs, loss) = Sizes(name);
        const int batch = 9;
        var random = new Random(11);
        var x = Enumerable.Range(0, batch * inputs).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
        var targets = GradientCheckTests.Targets(loss, batch, outputs, random);
        float[] Run(int threads)
        {
            var network = GeneratorHarness.Create(Networks.Value, "Graphs." + name, seed: 5);
            network.GetType().GetProperty("Threads")!.SetValue(network, threads);
            for (int step = 0; step < 3; step++) network.TrainBatch(x, targets, batch);
            var batched = new float[batch * outputs];
            network.PredictBatch(x, batched, batch);
            var single = new float[outputs];
            for (int b = 0; b < batch; b++)
            {
                network.Predict(x.AsSpan(b * inputs, inputs), single);
                for (int j = 0; j < outputs; j++)
                    Assert.True(Math.Abs(single[j] - batched[b * outputs + j]) <= 1e-5f * Math.Max(1, Math.Abs(single[j])), $"sample {b} output {j}: Predict {single[j]}, PredictBatch {batched[b * outputs + j]}");
            }
            network.ComputeGradients(x, targets, batch);
            var training = network.TrainingOutputs.ToArray();
            for (int i = 0; i < batched.Length; i++)
                Assert.True(Math.Abs(training[i] - batched[i]) <= 1e-5f * Math.Max(1, Math.Abs(batched[i])), $"value {i}: training {training[i]}, PredictBatch {batched[i]}");
            return batched.Concat(network.Parameters.ToArray()).ToArray();
        }
        Assert.Equal(Run(1), Run(2));
    }

    [Fact]
    public void Two_inputs_get_a_Predict_taking_one_span_each()
    {
        var network = GeneratorHarness.Create(Networks.Value, "Graphs.TwoInputs", seed: 2);
        var predict = network.GetType().GetMethods().Single(m => m.Name == "Predict" && m.GetParameters().Length == 3);
        Assert.Equal(new[] { "image", "meta", "output" }, predict.GetParameters().Select(p => p.Name));
        var row = new float[] { 0.1f, -0.2f, 0.3f, 0.4f, -0.5f, 0.6f, 0.7f, -0.8f };
        var joined = new float[2];
        network.Predict(row, joined);
        // Spans cannot be boxed for reflection: call through a compiled delegate of the right shape.
        var split = new float[2];
        var call = (PredictByInputs)Delegate.CreateDelegate(typeof(PredictByInputs), network, predict);
        call(row.AsSpan(0, 5), row.AsSpan(5, 3), split);
        Assert.Equal(joined, split);
        var error = Assert.Throws<ArgumentException>(() => call(row.AsSpan(0, 4), row.AsSpan(5, 3), split));
        Assert.Contains("'image'", error.Message);
    }

    private delegate void PredictByInputs(ReadOnlySpan<float> image, ReadOnlySpan<float> meta, Span<float> output);

    [Fact]
    public void Named_layers_name_their_tensors_and_the_architecture_lists_what_each_reads()
    {
        var network = GeneratorHarness.Create(Networks.Value, "Graphs.Residual", seed: 2);
        Assert.Equal(
            "input:6 -> h1=Dense(7, Tanh)(input) -> h2=Dense(7, ELU)(h1) -> h3=Dense(7, Linear)(h2) -> res=Add(Tanh)(h1, h3) -> side=Dense(4, GELU)(h1) -> concat1=Concat(res, side) -> dense5=Dense(3, Softmax)(concat1) | CrossEntropy | Sgd",
            network.Architecture);
        Assert.Equal(new[] { "h1.weight", "h1.bias", "h2.weight", "h2.bias", "h3.weight", "h3.bias", "side.weight", "side.bias", "dense5.weight", "dense5.bias" },
            network.Tensors.Where(t => t.Storage == TensorStorage.Parameters).Select(t => t.Name));
        Assert.Equal(new[] { "h1", "h2", "h3", "res", "side", "concat1", "dense5" }, network.Summary.Layers.Select(l => l.Name));
        Assert.Equal(new[] { 11 }, network.Summary.Layers[5].OutputShape);
    }
}
