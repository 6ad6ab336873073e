// The graph examples of docs/attributes.md ("Graphs"), compiled here so the page cannot drift from the API.
namespace CompiledNets.Runtime.Tests.Docs.GraphPage;

[Network(Inputs = 784)]
[Dense(256, Activation.ReLU, Name = "h1")]
[Dense(256, Activation.ReLU, Name = "h2")]
[Dense(256, Name = "h3")]
[Add("h1", "h3", Name = "res", Activation = Activation.ReLU)]
[Dense(64, Activation.ReLU, Name = "side", From = "h1")]
[Concat("res", "side")]
[Dense(10, Activation.Softmax)]
[Loss(LossFunction.CrossEntropy)]
[Adam]
public partial class ResidualNet;

[Network]
[Input("image", 784)]
[Input("meta", 4)]
[Dense(128, Activation.ReLU, Name = "pixels")]
[Dense(16, Activation.ReLU, Name = "facts", From = "meta")]
[Concat("pixels", "facts")]
[Dense(1, Activation.Sigmoid)]
[Loss(LossFunction.BinaryCrossEntropy)]
[Adam]
public partial class TwoInputNet;

public class GraphDocExamples
{
    /// <summary>The page's run-time <c>Graph</c>, as written there.</summary>
    private static Graph PageGraph()
    {
        var g = new Graph();
        var x = g.Input("input", 784);
        var h1 = g.Dense(x, 256, Activation.ReLU, "h1");
        var h2 = g.Dense(h1, 256, Activation.ReLU, "h2");
        var h3 = g.Dense(h2, 256, Activation.Linear, "h3");
        var res = g.Add(new[] { h1, h3 }, Activation.ReLU, name: "res");
        var side = g.Dense(h1, 64, Activation.ReLU, "side");
        g.Dense(g.Concat(res, side), 10, Activation.Softmax);
        return g.Loss(LossFunction.CrossEntropy).Adam().Build(seed: 42);
    }

    [Fact]
    public void The_declared_and_the_built_residual_net_are_the_same_network()
    {
        var declared = new ResidualNet(42);
        var built = PageGraph();
        Assert.Equal(declared.Architecture, built.Architecture);
        Assert.StartsWith("input:784 -> h1=Dense(256, ReLU)(input) -> ", declared.Architecture, StringComparison.Ordinal);
        Assert.Contains("res=Add(ReLU)(h1, h3)", declared.Architecture, StringComparison.Ordinal);
        Assert.True(declared.Parameters.SequenceEqual(built.Parameters), "the same seed gives the same weights in both engines");
        Assert.Equal(new[] { "h1", "h3" }, declared.Summary.Layers.Single(l => l.Name == "res").ConnectedTo);
        Assert.Contains("Connected to", declared.Summary.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void The_two_input_net_predicts_the_same_from_its_row_and_from_one_span_per_input()
    {
        var net = new TwoInputNet(7);
        var random = new Random(3);
        var row = Enumerable.Range(0, TwoInputNet.InputSize).Select(_ => (float)random.NextDouble()).ToArray();
        var fromRow = new float[1];
        var fromInputs = new float[1];
        net.Predict(row, fromRow);
        net.Predict(row.AsSpan(0, 784), row.AsSpan(784, 4), fromInputs);
        Assert.Equal(fromRow, fromInputs);
        Assert.Equal(788, TwoInputNet.InputSize);
    }
}
