using System.Globalization;

namespace CompiledNets.Export;

/// <summary>One input of an export: the ONNX graph input's name and one sample's shape.</summary>
internal sealed record OnnxInput(string Name, int[] Shape)
{
    public int Size => LayerSource.Product(Shape);
}

/// <summary>
/// One node of an export: a layer reading one value or a merge reading several. <see cref="Sources"/> holds input
/// <c>i</c> as <c>~i</c> and node <c>j</c> as <c>j</c>.
/// </summary>
internal sealed record OnnxPlanNode(string Name, int[] Sources, OnnxLayer? Layer, OnnxMerge? Merge)
{
    public int[] OutputShape => Layer?.OutputShape ?? Merge!.OutputShape;

    public int Outputs => Layer?.Outputs ?? Merge!.Outputs;

    public string Emit(OnnxGraphBuilder graph, string[] inputs) => Layer is not null ? Layer.Emit(graph, inputs[0]) : Merge!.Emit(graph, inputs);

    public void Reference(float[][] inputs, Span<float> output)
    {
        if (Layer is not null) Layer.Reference(inputs[0], output);
        else Merge!.Reference(inputs, output);
    }
}

/// <summary>
/// What the exporter reads from a network: its inputs and nodes, from <see cref="INetwork.Architecture"/> (the shape of
/// the network: which node reads which) and <see cref="INetwork.Summary"/> (kinds, settings, shapes). A sequential
/// architecture (<c>784 -> Dense(...) -> ...</c>) is a chain reading the one input <c>input</c>; the graph form
/// (<c>image:784, meta:4 -> pixels=Dense(128, ReLU)(image) -> ...</c>) names its inputs and each node's sources.
/// </summary>
internal sealed class OnnxPlan
{
    private OnnxPlan(OnnxInput[] inputs, OnnxPlanNode[] nodes)
    {
        Inputs = inputs;
        Nodes = nodes;
    }

    public OnnxInput[] Inputs { get; }

    public OnnxPlanNode[] Nodes { get; }

    public int InputSize => Inputs.Sum(i => i.Size);

    /// <summary>The shape of value <paramref name="id"/> (an input or a node).</summary>
    public int[] ShapeOf(int id) => id < 0 ? Inputs[~id].Shape : Nodes[id].OutputShape;

    /// <param name="network">The network to export.</param>
    /// <param name="productWeightsAsPredicted">
    /// Read the Dense and Maxout weights rounded to bfloat16 when the network predicts from such a copy
    /// (<see cref="INetwork.InferenceWeights"/>): the plan then computes what <see cref="INetwork.Predict"/> does, to verify
    /// it against; the exported plan keeps the float32 weights.
    /// </param>
    public static OnnxPlan Read(INetwork network, bool productWeightsAsPredicted = false)
    {
        var summary = network.Summary;
        if (summary.InputSize != network.InputSize)
            throw new InvalidOperationException($"The summary of {summary.NetworkName} has {summary.InputSize} inputs but the network has {network.InputSize}.");
        if (summary.Layers.Count == 0)
            throw new InvalidOperationException($"{summary.NetworkName} has no layers to export.");
        string layers = ArchitectureParts.Parse(network.Architecture).Layers;
        var segments = layers.Split(" -> ");
        var plan = segments[0].Contains(':', StringComparison.Ordinal)
            ? ReadGraph(network, segments, productWeightsAsPredicted)
            : ReadSequential(network, OnnxExport.InputShape(network), productWeightsAsPredicted);
        if (plan.InputSize != network.InputSize)
            throw new InvalidOperationException($"{summary.NetworkName}: the inputs of its architecture hold {plan.InputSize} values, but the network has {network.InputSize} inputs.");
        int features = plan.Nodes[^1].Outputs;
        if (features != network.OutputSize)
            throw new InvalidOperationException($"The last layer of {summary.NetworkName} has {features} outputs but the network has {network.OutputSize}.");
        return plan;
    }

    private static OnnxPlan ReadSequential(INetwork network, int[] inputShape, bool productWeightsAsPredicted)
    {
        var summary = network.Summary;
        var nodes = new OnnxPlanNode[summary.Layers.Count];
        int[] shape = inputShape;
        for (int i = 0; i < nodes.Length; i++)
        {
            var layer = OnnxLayers.Create(new LayerSource(network, summary.Layers[i], i + 1, shape, productWeightsAsPredicted));
            nodes[i] = new OnnxPlanNode(layer.Name, [i == 0 ? ~0 : i - 1], layer, null);
            shape = layer.OutputShape;
        }
        return new OnnxPlan([new OnnxInput(OnnxExport.InputName, inputShape)], nodes);
    }

    /// <summary>The graph form: <c>name:shape, ...</c>, then one <c>name=Describe(sources)</c> per node, in the summary's order.</summary>
    private static OnnxPlan ReadGraph(INetwork network, string[] segments, bool productWeightsAsPredicted)
    {
        var summary = network.Summary;
        string networkName = summary.NetworkName;
        var ids = new Dictionary<string, int>(StringComparer.Ordinal);
        var inputs = new List<OnnxInput>();
        foreach (string part in segments[0].Split(", "))
        {
            int colon = part.IndexOf(':');
            string name = part[..colon].Trim();
            if (name == OnnxExport.OutputName)
                throw new NotSupportedException($"{networkName}: an input named '{name}' would clash with the exported model's output '{OnnxExport.OutputName}'; rename the input.");
            if (!ids.TryAdd(name, ~inputs.Count))
                throw new InvalidOperationException($"{networkName}: its architecture declares the input '{name}' twice ({network.Architecture}).");
            inputs.Add(new OnnxInput(name, ParseShape(network, part[(colon + 1)..].Trim())));
        }
        var nodeSegments = segments.Skip(1).ToArray();
        if (nodeSegments.Length != summary.Layers.Count)
            throw new InvalidOperationException($"{networkName}: its architecture has {nodeSegments.Length} nodes but its summary {summary.Layers.Count} layers.");
        var plan = new OnnxPlan(inputs.ToArray(), new OnnxPlanNode[nodeSegments.Length]);
        for (int i = 0; i < nodeSegments.Length; i++)
        {
            var (name, sourceNames) = ParseNode(network, nodeSegments[i]);
            var row = summary.Layers[i];
            if (row.Name != name)
                throw new InvalidOperationException($"{networkName}: node {i + 1} of its architecture is '{name}', but layer {i + 1} of its summary is '{row.Name}'.");
            var sources = sourceNames.Select(s => ids.TryGetValue(s, out int id) ? id
                : throw new InvalidOperationException($"{networkName}: node '{name}' reads '{s}', which is not an earlier input or node of its architecture.")).ToArray();
            var shapes = sources.Select(plan.ShapeOf).ToArray();
            var source = new LayerSource(network, row, i + 1, shapes[0], productWeightsAsPredicted);
            if (OnnxMerge.IsMerge(row.Kind))
            {
                plan.Nodes[i] = new OnnxPlanNode(name, sources, null, OnnxMerge.Create(source, shapes));
            }
            else
            {
                if (sources.Length != 1)
                    throw new InvalidOperationException($"{source.Label}: a {row.Kind} layer reads one value, but the architecture gives it {sources.Length}.");
                plan.Nodes[i] = new OnnxPlanNode(name, sources, OnnxLayers.Create(source), null);
            }
            ids[name] = i;
        }
        return plan;
    }

    /// <summary><c>h1=Dense(256, ReLU)(input)</c> into <c>h1</c> and <c>[input]</c>: the sources are the last parenthesised group.</summary>
    private static (string Name, string[] Sources) ParseNode(INetwork network, string segment)
    {
        int equals = segment.IndexOf('=');
        int open = segment.LastIndexOf('(');
        if (equals <= 0 || open < equals || !segment.EndsWith(')'))
            throw new InvalidOperationException($"{network.Summary.NetworkName}: cannot read the node '{segment}' of its architecture ({network.Architecture}).");
        var sources = segment[(open + 1)..^1].Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        if (sources.Length == 0)
            throw new InvalidOperationException($"{network.Summary.NetworkName}: the node '{segment}' of its architecture reads nothing.");
        return (segment[..equals].Trim(), sources);
    }

    /// <summary><c>784</c> or <c>1x28x28</c>.</summary>
    private static int[] ParseShape(INetwork network, string text)
    {
        var parts = text.Split('x');
        var shape = new int[parts.Length];
        for (int i = 0; i < parts.Length; i++)
        {
            if (!int.TryParse(parts[i], NumberStyles.None, CultureInfo.InvariantCulture, out shape[i]) || shape[i] <= 0)
                throw new InvalidOperationException($"{network.Summary.NetworkName}: cannot read the input shape '{text}' of its architecture ({network.Architecture}).");
        }
        if (shape.Length is not (1 or 3))
            throw new InvalidOperationException($"{network.Summary.NetworkName}: the input shape '{text}' is neither a size nor channels x height x width.");
        return shape;
    }
}
