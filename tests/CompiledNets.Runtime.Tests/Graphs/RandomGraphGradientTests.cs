using CompiledNets.Runtime.Tests.Interpreted;

namespace CompiledNets.Runtime.Tests.Graphs;

/// <summary>
/// Seeded random graphs (one or two inputs, 2–8 hidden nodes reading any earlier value: Dense layers, standalone
/// activations, Add, Average and Multiply of equally sized values, Concat of any) against the double-precision
/// <see cref="GraphReference"/>: loss, outputs and every gradient. Smooth activations only, so the central differences
/// never straddle a kink.
/// </summary>
public class RandomGraphGradientTests
{
    private static readonly Activation[] Smooth = [Activation.Linear, Activation.Tanh, Activation.Sigmoid, Activation.ELU, Activation.GELU, Activation.SiLU];

    public static TheoryData<int> Seeds => new(Enumerable.Range(1, 16));

    [Theory]
    [MemberData(nameof(Seeds))]
    public void Random_graphs_match_central_finite_differences(int seed)
    {
        var random = new Random(seed);
        var g = new Graph();
        var refInputs = new List<RefInput>();
        var refNodes = new List<RefNode>();
        var values = new List<(GraphNode Node, int Size)>();
        int inputCount = random.Next(1, 3);
        for (int i = 0; i < inputCount; i++)
        {
            int size = random.Next(2, 6);
            values.Add((g.Input("in" + i, size), size));
            refInputs.Add(new RefInput("in" + i, size));
        }
        int hidden = random.Next(2, 9);
        for (int n = 0; n < hidden; n++)
        {
            string name = "n" + n;
            var source = values[random.Next(values.Count)];
            Activation activation = Smooth[random.Next(Smooth.Length)];
            switch (random.Next(6))
            {
                case 0 or 1:
                {
                    int units = random.Next(2, 6);
                    values.Add((g.Dense(source.Node, units, activation, name: name), units));
                    refNodes.Add(new RefLayerNode(name, source.Node.Name, new RefDense(units, activation)));
                    break;
                }
                case 2:
                    values.Add((g.Activation(source.Node, activation == Activation.Linear ? Activation.Tanh : activation, name: name), source.Size));
                    refNodes.Add(new RefLayerNode(name, source.Node.Name, new RefActivation(activation == Activation.Linear ? Activation.Tanh : activation)));
                    break;
                case 3:
                {
                    var parts = Enumerable.Range(0, random.Next(2, 4)).Select(_ => values[random.Next(values.Count)]).ToArray();
                    values.Add((g.Concat(parts.Select(p => p.Node).ToArray(), activation, name: name), parts.Sum(p => p.Size)));
                    refNodes.Add(new RefMerge(name, "Concat", parts.Select(p => p.Node.Name).ToArray(), activation));
                    break;
                }
                default:
                {
                    // An element-wise merge of values of the source's size (the source itself may come twice).
                    var same = values.Where(v => v.Size == source.Size).ToList();
                    var parts = new[] { source }.Concat(Enumerable.Range(0, random.Next(1, 3)).Select(_ => same[random.Next(same.Count)])).ToArray();
                    string kind = new[] { "Add", "Average", "Multiply" }[random.Next(3)];
                    var nodes = parts.Select(p => p.Node).ToArray();
                    var merged = kind switch
                    {
                        "Add" => g.Add(nodes, activation, name: name),
                        "Average" => g.Average(nodes, activation, name: name),
                        _ => g.Multiply(nodes, activation, name: name),
                    };
                    values.Add((merged, source.Size));
                    refNodes.Add(new RefMerge(name, kind, parts.Select(p => p.Node.Name).ToArray(), activation));
                    break;
                }
            }
        }
        // The output is a Dense layer reading the last hidden node; hidden nodes nothing reads are dead branches.
        var last = values[^1];
        bool softmax = random.Next(2) == 0;
        int outputs = random.Next(2, 4);
        g.Dense(last.Node, outputs, softmax ? Activation.Softmax : Activation.Linear, name: "out");
        refNodes.Add(new RefLayerNode("out", last.Node.Name, new RefDense(outputs, softmax ? Activation.Softmax : Activation.Linear)));
        var loss = softmax ? LossFunction.CrossEntropy : LossFunction.MeanSquaredError;
        g.Loss(loss).Sgd().Build(seed: seed, maxBatchSize: 4);

        var reference = new GraphReference(refInputs.ToArray(), refNodes.ToArray(), loss);
        var rows = Enumerable.Range(0, 3 * g.InputSize).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
        var targets = ConvGradientCheckTests.Targets(loss, 3, outputs, random);
        float engineLoss = g.ComputeGradients(rows, targets, 3);
        var gradients = g.Gradients.ToArray();
        var parameters = g.Parameters.ToArray().Select(p => (double)p).ToArray();
        double expectedLoss = reference.MeanLoss(parameters, rows, targets, 3);
        Assert.True(Math.Abs(engineLoss - expectedLoss) <= 1e-4 * Math.Max(1, Math.Abs(expectedLoss)), $"{g.Architecture}: loss {engineLoss} vs {expectedLoss}");
        const double h = 1e-6;
        for (int i = 0; i < parameters.Length; i++)
        {
            double saved = parameters[i];
            parameters[i] = saved + h;
            double plus = reference.MeanLoss(parameters, rows, targets, 3);
            parameters[i] = saved - h;
            double minus = reference.MeanLoss(parameters, rows, targets, 3);
            parameters[i] = saved;
            double numeric = (plus - minus) / (2 * h);
            Assert.True(Math.Abs(gradients[i] - numeric) <= 1e-3 * Math.Max(Math.Abs(numeric), 1e-3),
                $"{g.Architecture}: parameter {i}: engine {gradients[i]:G6}, finite difference {numeric:G6}");
        }
    }
}
