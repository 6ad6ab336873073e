using CompiledNets.Runtime.Tests.Interpreted;

namespace CompiledNets.Runtime.Tests.Graphs;

/// <summary>
/// <see cref="Graph"/>'s ComputeGradients against central finite differences (double precision) of the independent
/// <see cref="GraphReference"/>: fan-out (a value read by two and three nodes, and twice by one merge), every merge kind
/// with and without an activation, merges reading inputs and merges as the output, two inputs, concatenation along
/// channels, residual dense and conv blocks, in-place layers (BatchNorm, Activation) that fan out, and a dead branch
/// with weight decay. Tolerance as the sequential checks: |g − fd| ≤ 1e-3 · max(|fd|, 1e-3).
/// </summary>
public class GraphGradientTests
{

    private sealed record Case(string Name, LossFunction Loss, RefInput[] Inputs, Action<Graph, GraphNode[]> Build, RefNode[] Reference, int Batch = 3);

    private static RefLayerNode D(string name, string source, int units, Activation activation = Activation.Linear, double l2 = 0) =>
        new(name, source, new RefDense(units, activation, L2: l2));

    private static readonly Case[] All =
    [
        new("Residual: relu(h1 + h3), h1 read by h2 and the Add", LossFunction.CrossEntropy, [new("input", 6)],
            (g, x) =>
            {
                var h1 = g.Dense(x[0], 5, Activation.Tanh, name: "h1");
                var h3 = g.Dense(g.Dense(h1, 5, Activation.ReLU, name: "h2"), 5, name: "h3");
                g.Dense(g.Add([h1, h3], Activation.ReLU, name: "res"), 3, Activation.Softmax);
            },
            [D("h1", "input", 5, Activation.Tanh), D("h2", "h1", 5, Activation.ReLU), D("h3", "h2", 5), new RefMerge("res", "Add", ["h1", "h3"], Activation.ReLU), D("out", "res", 3, Activation.Softmax)]),
        new("ResidualNet in small: h1 read by three nodes, Concat of the residual and a side branch", LossFunction.CrossEntropy, [new("input", 7)],
            (g, x) =>
            {
                var h1 = g.Dense(x[0], 6, Activation.ReLU, "h1");
                var h2 = g.Dense(h1, 6, Activation.ReLU, "h2");
                var h3 = g.Dense(h2, 6, name: "h3");
                var res = g.Add([h1, h3], Activation.ReLU, name: "res");
                var side = g.Dense(h1, 3, Activation.Sigmoid, "side");
                g.Dense(g.Concat(res, side), 4, Activation.Softmax);
            },
            [D("h1", "input", 6, Activation.ReLU), D("h2", "h1", 6, Activation.ReLU), D("h3", "h2", 6), new RefMerge("res", "Add", ["h1", "h3"], Activation.ReLU),
             D("side", "h1", 3, Activation.Sigmoid), new RefMerge("concat1", "Concat", ["res", "side"]), D("out", "concat1", 4, Activation.Softmax)]),
        new("Multiply of two (gating), Linear", LossFunction.MeanSquaredError, [new("input", 5)],
            (g, x) => g.Dense(g.Multiply(g.Dense(x[0], 4, Activation.Sigmoid), g.Dense(x[0], 4, Activation.Tanh)), 2),
            [D("a", "input", 4, Activation.Sigmoid), D("b", "input", 4, Activation.Tanh), new RefMerge("m", "Multiply", ["a", "b"]), D("out", "m", 2)]),
        new("Multiply of three with Tanh, Average of three with LeakyReLU(0.2)", LossFunction.MeanSquaredError, [new("input", 4)],
            (g, x) =>
            {
                var a = g.Dense(x[0], 3, Activation.Tanh);
                var b = g.Dense(x[0], 3, Activation.Sigmoid);
                var c = g.Dense(a, 3, Activation.ELU);
                var m = g.Multiply([a, b, c], Activation.Tanh);
                var v = g.Average([a, m, c], Activation.LeakyReLU, alpha: 0.2f);
                g.Dense(v, 2);
            },
            [D("a", "input", 3, Activation.Tanh), D("b", "input", 3, Activation.Sigmoid), D("c", "a", 3, Activation.ELU),
             new RefMerge("m", "Multiply", ["a", "b", "c"], Activation.Tanh), new RefMerge("v", "Average", ["a", "m", "c"], Activation.LeakyReLU, 0.2), D("out", "v", 2)]),
        new("Average of two, Linear, and Add of an input and a layer", LossFunction.MeanSquaredError, [new("input", 4)],
            (g, x) =>
            {
                var h = g.Dense(x[0], 4, Activation.SiLU);
                var skip = g.Add(x[0], h);
                g.Dense(g.Average(skip, g.Dense(skip, 4, Activation.GELU)), 3);
            },
            [D("h", "input", 4, Activation.SiLU), new RefMerge("skip", "Add", ["input", "h"]), D("k", "skip", 4, Activation.GELU),
             new RefMerge("avg", "Average", ["skip", "k"]), D("out", "avg", 3)]),
        new("Two inputs (TwoInputNet in small), BinaryCrossEntropy", LossFunction.BinaryCrossEntropy, [new("image", 6), new("meta", 3)],
            (g, x) => g.Dense(g.Concat(g.Dense(x[0], 4, Activation.ReLU, "pixels"), g.Dense(x[1], 2, Activation.ReLU, "facts")), 1, Activation.Sigmoid),
            [D("pixels", "image", 4, Activation.ReLU), D("facts", "meta", 2, Activation.ReLU), new RefMerge("cat", "Concat", ["pixels", "facts"]), D("out", "cat", 1, Activation.Sigmoid)]),
        new("Two inputs merged directly, the second read twice", LossFunction.MeanSquaredError, [new("a", 3), new("b", 3)],
            (g, x) => g.Dense(g.Concat(g.Multiply(x[0], x[1]), g.Dense(x[1], 2, Activation.Tanh)), 2),
            [new RefMerge("m", "Multiply", ["a", "b"]), D("t", "b", 2, Activation.Tanh), new RefMerge("c", "Concat", ["m", "t"]), D("out", "c", 2)]),
        new("A merge as the output: Add with Softmax", LossFunction.CrossEntropy, [new("input", 5)],
            (g, x) => g.Add([g.Dense(x[0], 3, Activation.Tanh), g.Dense(x[0], 3)], Activation.Softmax),
            [D("a", "input", 3, Activation.Tanh), D("b", "input", 3), new RefMerge("out", "Add", ["a", "b"], Activation.Softmax)]),
        new("A merge as the output: Concat, Linear, of a node read twice", LossFunction.MeanSquaredError, [new("input", 4)],
            (g, x) => { var h = g.Dense(x[0], 3, Activation.Tanh); g.Concat(h, g.Dense(h, 2), h); },
            [D("h", "input", 3, Activation.Tanh), D("k", "h", 2), new RefMerge("out", "Concat", ["h", "k", "h"])]),
        new("BatchNorm and a standalone activation that fan out (in-place backward)", LossFunction.MeanSquaredError, [new("input", 5)],
            (g, x) =>
            {
                var bn = g.BatchNorm(g.Dense(x[0], 6));
                var act = g.Activation(bn, Activation.ReLU);
                g.Dense(g.Add(g.Dense(bn, 4, Activation.Tanh), g.Dense(act, 4, Activation.Tanh), g.Dense(act, 4)), 2);
            },
            [D("h", "input", 6), new RefLayerNode("bn", "h", new RefBatchNorm()), new RefLayerNode("act", "bn", new RefActivation(Activation.ReLU)),
             D("a", "bn", 4, Activation.Tanh), D("b", "act", 4, Activation.Tanh), D("c", "act", 4), new RefMerge("sum", "Add", ["a", "b", "c"]), D("out", "sum", 2)], Batch: 4),
        new("A dead branch with its own L2 and network weight decay", LossFunction.MeanSquaredError, [new("input", 4)],
            (g, x) =>
            {
                g.WeightDecay(0.01f);
                var h = g.Dense(x[0], 3, Activation.Tanh);
                g.Dense(h, 2, Activation.ReLU, l2: 0.1f, name: "unused");
                g.Dense(h, 2);
            },
            [D("h", "input", 3, Activation.Tanh, 0.01), D("unused", "h", 2, Activation.ReLU, 0.1), D("out", "h", 2, l2: 0.01)]),
        new("Concat along channels of two convolutions, then a convolution", LossFunction.CrossEntropy, [new("image", 2, 6, 5)],
            (g, x) =>
            {
                var c1 = g.Conv2D(x[0], 3, 3, Activation.ReLU, padding: Padding.Same);
                var c2 = g.Conv2D(x[0], 2, 1, Activation.Tanh);
                var c3 = g.Conv2D(g.Concat(c1, c2), 2, 3, Activation.Tanh);
                g.Dense(g.Flatten(c3), 3, Activation.Softmax);
            },
            [new RefLayerNode("c1", "image", new RefConv(3, 3, 3, Activation.ReLU, 1, Padding.Same)), new RefLayerNode("c2", "image", new RefConv(2, 1, 1, Activation.Tanh)),
             new RefMerge("cat", "Concat", ["c1", "c2"]), new RefLayerNode("c3", "cat", new RefConv(2, 3, 3, Activation.Tanh)),
             new RefLayerNode("f", "c3", new RefFlatten()), D("out", "f", 3, Activation.Softmax)]),
        new("Residual conv block: relu(c1 + c2), pooled, plus Concat of a pooled input", LossFunction.MeanSquaredError, [new("image", 2, 6, 6)],
            (g, x) =>
            {
                var c1 = g.Conv2D(x[0], 3, 3, Activation.ReLU, padding: Padding.Same);
                var c2 = g.Conv2D(c1, 3, 3, padding: Padding.Same);
                var res = g.Add([c1, c2], Activation.ReLU);
                var pooled = g.Concat(g.MaxPool2D(res, 2), g.AvgPool2D(x[0], 2));
                g.Dense(g.GlobalAvgPool2D(pooled), 2);
            },
            [new RefLayerNode("c1", "image", new RefConv(3, 3, 3, Activation.ReLU, 1, Padding.Same)), new RefLayerNode("c2", "c1", new RefConv(3, 3, 3, Activation.Linear, 1, Padding.Same)),
             new RefMerge("res", "Add", ["c1", "c2"], Activation.ReLU), new RefLayerNode("mp", "res", new RefMaxPool(2, 2)), new RefLayerNode("ap", "image", new RefAvgPool(2, 2)),
             new RefMerge("cat", "Concat", ["mp", "ap"]), new RefLayerNode("gap", "cat", new RefGlobalAvgPool()), D("out", "gap", 2)], Batch: 2),
    ];

    public static TheoryData<string> Cases => new(All.Select(c => c.Name));

    [Theory]
    [MemberData(nameof(Cases))]
    public void Gradients_match_central_finite_differences(string name)
    {
        var test = All.Single(c => c.Name == name);
        var g = new Graph();
        var inputs = test.Inputs.Select(i => i.H == 1 && i.W == 1 ? g.Input(i.Name, i.C) : g.Input(i.Name, i.C, i.H, i.W)).ToArray();
        test.Build(g, inputs);
        g.Loss(test.Loss).Sgd().Build(seed: 5, maxBatchSize: 8);
        var reference = new GraphReference(test.Inputs, test.Reference, test.Loss);
        var random = new Random(17);
        var rows = Enumerable.Range(0, test.Batch * g.InputSize).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
        var targets = ConvGradientCheckTests.Targets(test.Loss, test.Batch, g.OutputSize, random);
        AssertGradientsMatch(g, reference, rows, targets, test.Batch);
    }

    /// <summary>
    /// ComputeGradients twice (the second must give the same gradients: nothing accumulates across steps), then the loss,
    /// the outputs and every gradient against the reference and its central differences.
    /// </summary>
    private static void AssertGradientsMatch(Graph network, GraphReference reference, float[] rows, float[] targets, int batch)
    {
        network.ComputeGradients(rows, targets, batch);
        var first = network.Gradients.ToArray();
        float loss = network.ComputeGradients(rows, targets, batch);
        Assert.Equal(first, network.Gradients.ToArray());
        var parameters = network.Parameters.ToArray().Select(p => (double)p).ToArray();
        var expectedOutputs = reference.Outputs(parameters, rows, batch).SelectMany(o => o).ToArray();
        var outputs = network.TrainingOutputs.ToArray();
        Assert.Equal(expectedOutputs.Length, outputs.Length);
        for (int i = 0; i < outputs.Length; i++) Assert.True(Math.Abs(outputs[i] - expectedOutputs[i]) <= 1e-4, $"output {i}: {outputs[i]} vs {expectedOutputs[i]}");
        ConvGradientCheckTests.AssertFiniteDifferences(network, loss, p => reference.MeanLoss(p, rows, targets, batch));
    }
}
