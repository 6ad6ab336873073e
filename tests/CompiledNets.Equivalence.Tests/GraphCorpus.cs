using System.Globalization;
using System.Text;

namespace CompiledNets.Equivalence.Tests;

/// <summary>
/// Graphs (the Functional API) in the corpus: the two examples, residual and concatenating convnets, every merge
/// with an activation, a value read four times, dropout and normalisations on branches; plus seeded random graphs of
/// one or two inputs and 2 to 8 layers, each reading any earlier value, merging two or three of them, every value read.
/// </summary>
public static class GraphCorpus
{
    public static IEnumerable<CorpusEntry> Handwritten()
    {
        yield return CorpusEntry.Graph("ResidualNet", 784, """
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
            """, () =>
        {
            var g = new Graph();
            var x = g.Input("input", 784);
            var h1 = g.Dense(x, 256, Activation.ReLU, "h1");
            var h2 = g.Dense(h1, 256, Activation.ReLU, "h2");
            var h3 = g.Dense(h2, 256, Activation.Linear, "h3");
            var res = g.Add(new[] { h1, h3 }, Activation.ReLU, name: "res");
            var side = g.Dense(h1, 64, Activation.ReLU, "side");
            g.Dense(g.Concat(res, side), 10, Activation.Softmax);
            return g.Loss(LossFunction.CrossEntropy).Adam();
        });

        yield return CorpusEntry.Graph("TwoInputNet", 788, """
            [Network]
            [Input("image", 784)]
            [Input("meta", 4)]
            [Dense(128, Activation.ReLU, Name = "pixels")]
            [Dense(16, Activation.ReLU, Name = "facts", From = "meta")]
            [Concat("pixels", "facts")]
            [Dense(1, Activation.Sigmoid)]
            [Loss(LossFunction.BinaryCrossEntropy)]
            [Adam]
            """, () =>
        {
            var g = new Graph();
            var image = g.Input("image", 784);
            var meta = g.Input("meta", 4);
            var pixels = g.Dense(image, 128, Activation.ReLU, "pixels");
            var facts = g.Dense(meta, 16, Activation.ReLU, "facts");
            g.Dense(g.Concat(pixels, facts), 1, Activation.Sigmoid);
            return g.Loss(LossFunction.BinaryCrossEntropy).Adam();
        });

        // A residual conv block (Same padding, Add on [C, H, W]) and a channel concatenation, then global pooling.
        yield return CorpusEntry.Graph("ResidualConv", 1 * 12 * 12, """
            [Network(InputShape = new[] { 1, 12, 12 })]
            [Conv2D(6, 3, Activation.ReLU, Name = "stem")]
            [Conv2D(6, 3, Activation.ReLU, Padding = Padding.Same, Name = "a")]
            [Conv2D(6, 3, Padding = Padding.Same, Name = "b")]
            [Add("stem", "b", Name = "block", Activation = Activation.ReLU)]
            [MaxPool2D(2, Name = "pool", From = "stem")]
            [AvgPool2D(2, From = "block")]
            [Concat("pool", "avgpool1")]
            [BatchNorm]
            [GlobalAvgPool2D]
            [Dense(4, Activation.Softmax)]
            [Loss(LossFunction.CrossEntropy)]
            [Adam]
            """, () =>
        {
            var g = new Graph();
            var x = g.Input("input", 1, 12, 12);
            var stem = g.Conv2D(x, 6, 3, Activation.ReLU, name: "stem");
            var a = g.Conv2D(stem, 6, 3, Activation.ReLU, padding: Padding.Same, name: "a");
            var b = g.Conv2D(a, 6, 3, padding: Padding.Same, name: "b");
            var block = g.Add(new[] { stem, b }, Activation.ReLU, name: "block");
            var pool = g.MaxPool2D(stem, 2, name: "pool");
            var avg = g.AvgPool2D(block, 2);
            var joined = g.Concat(pool, avg);
            g.Dense(g.GlobalAvgPool2D(g.BatchNorm(joined)), 4, Activation.Softmax);
            return g.Loss(LossFunction.CrossEntropy).Adam();
        }) with { ImageShape = new[] { 1, 12, 12 } };

        // Every merge with an activation; one value read by four layers; a gate; normalisation and dropout on branches.
        yield return CorpusEntry.Graph("MergesWithActivations", 9, """
            [Network(Inputs = 9)]
            [Dense(12, Activation.Tanh, Name = "x")]
            [Dense(12, Activation.Sigmoid, Name = "gate", From = "input")]
            [Multiply("x", "gate", Name = "gated", Activation = Activation.ELU)]
            [LayerNorm(Name = "norm", From = "x")]
            [Dropout(0.25f, Name = "drop", From = "x")]
            [Average("gated", "norm", "drop", Activation = Activation.GELU)]
            [Add("average1", "x", Activation = Activation.LeakyReLU, Alpha = 0.2f)]
            [Concat("add1", "x", "input", Activation = Activation.SiLU)]
            [Dense(3)]
            [Loss(LossFunction.MeanSquaredError)]
            [RmsProp(LearningRate = 0.01f)]
            """, () =>
        {
            var g = new Graph();
            var input = g.Input("input", 9);
            var x = g.Dense(input, 12, Activation.Tanh, "x");
            var gate = g.Dense(input, 12, Activation.Sigmoid, "gate");
            var gated = g.Multiply(new[] { x, gate }, Activation.ELU, name: "gated");
            var norm = g.LayerNorm(x, name: "norm");
            var drop = g.Dropout(x, 0.25f, name: "drop");
            var average = g.Average(new[] { gated, norm, drop }, Activation.GELU);
            var add = g.Add(new[] { average, x }, Activation.LeakyReLU, alpha: 0.2f);
            g.Dense(g.Concat(new[] { add, x, input }, Activation.SiLU), 3);
            return g.Loss(LossFunction.MeanSquaredError).RmsProp(0.01f);
        });
    }

    /// <summary>
    /// Wide values from a narrow input, past two size thresholds: single-sample Predict keeps 30,720 floats of rows, more
    /// than it puts on the stack, and the 5,120-unit products copy dy into row tiles (a multiple of 1,024 units).
    /// </summary>
    public static IEnumerable<CorpusEntry> Wide()
    {
        yield return CorpusEntry.Graph("WideRows", 4, """
            [Network(Inputs = 4)]
            [Dense(5120, Activation.Tanh, Name = "a")]
            [Dense(5120, Activation.ReLU, Name = "b", From = "input")]
            [Dense(5120, Name = "c", From = "input")]
            [Add("a", "b", Activation = Activation.ELU)]
            [Concat("add1", "c")]
            [Dense(3, Activation.Softmax)]
            [Loss(LossFunction.CrossEntropy)]
            [Adam]
            """, () =>
        {
            var g = new Graph();
            var x = g.Input("input", 4);
            var a = g.Dense(x, 5120, Activation.Tanh, "a");
            var b = g.Dense(x, 5120, Activation.ReLU, "b");
            var c = g.Dense(x, 5120, Activation.Linear, "c");
            var add = g.Add(new[] { a, b }, Activation.ELU);
            g.Dense(g.Concat(add, c), 3, Activation.Softmax);
            return g.Loss(LossFunction.CrossEntropy).Adam();
        });
    }

    /// <summary>A node of a random graph, rendered both as an attribute and as a builder call.</summary>
    private sealed record Node(string Kind, string Name, int[] Sources, int Size, Activation Activation);

    public static IEnumerable<CorpusEntry> Random(int count, int seed)
    {
        var random = new Random(seed);
        var activations = new[] { Activation.Linear, Activation.ReLU, Activation.Tanh, Activation.Sigmoid, Activation.LeakyReLU, Activation.ELU, Activation.GELU, Activation.SiLU };
        for (int n = 1; n <= count; n++)
        {
            var inputs = new List<(string Name, int Size)> { ("input", random.Next(3, 41)) };
            if (random.NextDouble() < 0.35) inputs = new() { ("pixels", random.Next(3, 41)), ("extra", random.Next(1, 9)) };
            var nodes = new List<Node>();
            // Values by encoded reference (input k = -1 - k, node i = i) with their sizes.
            int SizeOf(int value) => value < 0 ? inputs[-1 - value].Size : nodes[value].Size;
            var values = new List<int>(Enumerable.Range(0, inputs.Count).Select(k => -1 - k));
            int PickValue() => values[random.Next(values.Count)];
            int depth = random.Next(2, 9);
            var counters = new Dictionary<string, int>();
            string Name(string kind)
            {
                counters[kind] = counters.GetValueOrDefault(kind) + 1;
                return random.NextDouble() < 0.5 ? $"{kind.ToLowerInvariant()}{counters[kind]}" : $"n{nodes.Count + 1}";
            }
            for (int i = 0; i < depth - 1; i++)
            {
                double roll = random.NextDouble();
                int last = nodes.Count == 0 ? -1 : nodes.Count - 1;
                if (roll < 0.45 || nodes.Count == 0)
                {
                    int from = random.NextDouble() < 0.5 && nodes.Count > 0 ? last : PickValue();
                    nodes.Add(new Node("Dense", Name("Dense"), new[] { from }, random.Next(1, 49), activations[random.Next(activations.Length)]));
                }
                else if (roll < 0.6)
                {
                    // An element-wise merge: a partner of the same size, made by a Dense when there is none.
                    int a = PickValue();
                    var partners = values.Where(v => v != a && SizeOf(v) == SizeOf(a)).ToList();
                    int b;
                    if (partners.Count == 0 || random.NextDouble() < 0.3)
                    {
                        nodes.Add(new Node("Dense", Name("Dense"), new[] { PickValue() }, SizeOf(a), activations[random.Next(activations.Length)]));
                        b = nodes.Count - 1;
                        values.Add(b);
                    }
                    else b = partners[random.Next(partners.Count)];
                    string kind = new[] { "Add", "Average", "Multiply" }[random.Next(3)];
                    nodes.Add(new Node(kind, Name(kind), random.NextDouble() < 0.1 ? new[] { a, a } : new[] { a, b }, SizeOf(a), activations[random.Next(activations.Length)]));
                }
                else if (roll < 0.75)
                {
                    var read = Enumerable.Range(0, random.Next(2, 4)).Select(_ => PickValue()).ToArray();
                    nodes.Add(new Node("Concat", Name("Concat"), read, read.Sum(SizeOf), random.NextDouble() < 0.5 ? Activation.Linear : activations[random.Next(activations.Length)]));
                }
                else
                {
                    string kind = new[] { "Activation", "LayerNorm", "BatchNorm" }[random.Next(3)];
                    int from = PickValue();
                    nodes.Add(new Node(kind, Name(kind), new[] { from }, SizeOf(from), kind == "Activation" ? activations[random.Next(1, activations.Length)] : Activation.Linear));
                }
                values.Add(nodes.Count - 1);
            }
            // Every value is read: what nothing reads joins the last node in a concatenation before the output.
            var read2 = new HashSet<int>(nodes.SelectMany(node => node.Sources));
            var unread = values.Where(v => !read2.Contains(v) && v != nodes.Count - 1).ToList();
            int tail = nodes.Count - 1;
            if (unread.Count > 0)
            {
                var joined = unread.Append(tail).ToArray();
                nodes.Add(new Node("Concat", Name("Concat"), joined, joined.Sum(SizeOf), Activation.Linear));
                tail = nodes.Count - 1;
            }
            var (loss, output, outputs) = random.Next(3) switch
            {
                0 => (LossFunction.CrossEntropy, Activation.Softmax, random.Next(2, 8)),
                1 => (LossFunction.BinaryCrossEntropy, Activation.Sigmoid, random.Next(1, 4)),
                _ => (LossFunction.MeanSquaredError, Activation.Linear, random.Next(1, 4)),
            };
            nodes.Add(new Node("Dense", Name("Dense"), new[] { tail }, outputs, output));
            string optimizer = new[] { "Sgd", "Adam", "RmsProp", "AdaGrad", "AdamW" }[random.Next(5)];
            yield return Entry($"RandomGraph{n}", inputs, nodes, loss, optimizer);
        }
    }

    private static string Literal(int value) => value.ToString(CultureInfo.InvariantCulture);

    private static CorpusEntry Entry(string name, List<(string Name, int Size)> inputs, List<Node> nodes, LossFunction loss, string optimizer)
    {
        string ValueName(int value) => value < 0 ? inputs[-1 - value].Name : nodes[value].Name;
        var text = new StringBuilder();
        text.AppendLine(inputs.Count == 1 && inputs[0].Name == "input" ? $"[Network(Inputs = {Literal(inputs[0].Size)})]" : "[Network]");
        if (inputs.Count > 1 || inputs[0].Name != "input")
            foreach (var input in inputs) text.AppendLine($"[Input(\"{input.Name}\", {Literal(input.Size)})]");
        for (int i = 0; i < nodes.Count; i++)
        {
            var node = nodes[i];
            string from = i > 0 && node.Sources[0] == i - 1 || i == 0 && node.Sources[0] == -1 ? "" : $", From = \"{ValueName(node.Sources[0])}\"";
            string named = $"Name = \"{node.Name}\"";
            string merged = string.Join(", ", node.Sources.Select(s => $"\"{ValueName(s)}\""));
            text.AppendLine(node.Kind switch
            {
                "Dense" => $"[Dense({Literal(node.Size)}, Activation.{node.Activation}, {named}{from})]",
                "Activation" => $"[ActivationLayer(Activation.{node.Activation}, {named}{from})]",
                "LayerNorm" or "BatchNorm" => $"[{node.Kind}({named}{from})]",
                _ => $"[{node.Kind}({merged}, Activation = Activation.{node.Activation}, {named})]",
            });
        }
        text.AppendLine($"[Loss(LossFunction.{loss})]");
        text.AppendLine($"[{optimizer}]");
        return CorpusEntry.Graph(name, inputs.Sum(i => i.Size), text.ToString(), () =>
        {
            var g = new Graph();
            var built = new Dictionary<int, GraphNode>();
            for (int k = 0; k < inputs.Count; k++) built[-1 - k] = g.Input(inputs[k].Name, inputs[k].Size);
            for (int i = 0; i < nodes.Count; i++)
            {
                var node = nodes[i];
                var read = node.Sources.Select(s => built[s]).ToArray();
                built[i] = node.Kind switch
                {
                    "Dense" => g.Dense(read[0], node.Size, node.Activation, node.Name),
                    "Activation" => g.Activation(read[0], node.Activation, name: node.Name),
                    "LayerNorm" => g.LayerNorm(read[0], name: node.Name),
                    "BatchNorm" => g.BatchNorm(read[0], name: node.Name),
                    "Add" => g.Add(read, node.Activation, name: node.Name),
                    "Average" => g.Average(read, node.Activation, name: node.Name),
                    "Multiply" => g.Multiply(read, node.Activation, name: node.Name),
                    _ => g.Concat(read, node.Activation, name: node.Name),
                };
            }
            g.Loss(loss);
            return optimizer switch
            {
                "Sgd" => g.Sgd(),
                "Adam" => g.Adam(),
                "RmsProp" => g.RmsProp(),
                "AdaGrad" => g.AdaGrad(),
                _ => g.AdamW(),
            };
        });
    }
}
