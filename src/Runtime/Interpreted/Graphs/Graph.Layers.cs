namespace CompiledNets;

/// <summary>The builder methods of the layers that read one value (the counterparts of <see cref="Sequential"/>'s).</summary>
public sealed partial class Graph
{
    /// <summary>
    /// A fully connected layer reading <paramref name="source"/>, as <c>[Dense(units, activation, Name = name, From = source)]</c>:
    /// tensors <c>name.weight</c> <c>[units, inputs]</c> and <c>name.bias</c>.
    /// </summary>
    /// <param name="source">The value it reads, which must be flat (<c>[features]</c>).</param>
    /// <param name="units">Number of outputs.</param>
    /// <param name="activation">Activation applied to the outputs. Softmax only on the output node; Step only in an <see cref="InferenceOnly"/> network.</param>
    /// <param name="alpha">LeakyReLU slope (default 0.01) or ELU saturation (default 1); NaN means the default.</param>
    /// <param name="init">Weight initialiser; <see cref="Init.Default"/> is He uniform for the ReLU family and Glorot uniform otherwise.</param>
    /// <param name="biasInit">Bias initialiser; <see cref="Init.Default"/> means zeros.</param>
    /// <param name="l2">L2 coefficient of this layer's weights; NaN means the network's <see cref="WeightDecay"/>.</param>
    /// <param name="name">The node's name; null numbers it per kind (<c>dense3</c> is the third Dense, named or not).</param>
    public GraphNode Dense(GraphNode source, int units, Activation activation = CompiledNets.Activation.Linear, float alpha = float.NaN,
        Init init = Init.Default, Init biasInit = Init.Default, float l2 = float.NaN, string? name = null)
    {
        string position = Position(name, "dense", $"Dense {units}");
        CheckSource(source, position);
        if (units <= 0) throw new ArgumentOutOfRangeException(nameof(units), units, $"{position}: a Dense layer needs at least one unit.");
        Sequential.CheckDefined(activation, nameof(activation), position, "activation");
        Sequential.CheckDefined(init, nameof(init), position, "weight initialiser");
        Sequential.CheckDefined(biasInit, nameof(biasInit), position, "bias initialiser");
        alpha = Sequential.ResolveAlpha(activation, alpha, position);
        if (!float.IsNaN(l2)) Sequential.CheckNonNegative(l2, nameof(l2), $"{position}: L2", "1e-4f");
        int inputs = FlatInput(source, position);
        return AddNode(new DenseLayer(NodeName(name, "dense"), inputs, units, activation, alpha, init, biasInit, l2), source);
    }

    /// <summary>A Dense layer with a name and otherwise default settings: <c>g.Dense(x, 256, Activation.ReLU, "h1")</c>.</summary>
    public GraphNode Dense(GraphNode source, int units, Activation activation, string name) =>
        Dense(source, units, activation, float.NaN, Init.Default, Init.Default, float.NaN, name);

    /// <summary>Inverted dropout on <paramref name="source"/>, as <c>[Dropout(rate)]</c> (see <see cref="Sequential.Dropout"/>).</summary>
    /// <param name="source">The value it reads.</param>
    /// <param name="rate">Fraction of values dropped, in [0, 1).</param>
    /// <param name="name">The node's name; null numbers it per kind.</param>
    public GraphNode Dropout(GraphNode source, float rate, string? name = null)
    {
        string position = Position(name, "dropout", "Dropout");
        CheckSource(source, position);
        if (!(rate >= 0 && rate < 1))
            throw new ArgumentOutOfRangeException(nameof(rate), rate, $"{position}: rate must be in [0, 1), for example 0.2f.");
        return AddNode(new DropoutLayer(NodeName(name, "dropout"), source.ShapeValue, rate), source);
    }

    /// <summary>Batch normalisation of <paramref name="source"/>, as <c>[BatchNorm]</c> (see <see cref="Sequential.BatchNorm"/>).</summary>
    /// <param name="source">The value it reads.</param>
    /// <param name="momentum">Weight of the batch in the running statistics, in (0, 1].</param>
    /// <param name="epsilon">Added to the variance, a finite number &gt; 0.</param>
    /// <param name="name">The node's name; null numbers it per kind.</param>
    public GraphNode BatchNorm(GraphNode source, float momentum = 0.1f, float epsilon = 1e-5f, string? name = null)
    {
        string position = Position(name, "batchnorm", "BatchNorm");
        CheckSource(source, position);
        if (!(momentum > 0 && momentum <= 1))
            throw new ArgumentOutOfRangeException(nameof(momentum), momentum, $"{position}: Momentum must be in (0, 1], for example 0.1f.");
        Sequential.CheckPositive(epsilon, nameof(epsilon), $"{position}: Epsilon", "1e-5f");
        return AddNode(new BatchNormLayer(NodeName(name, "batchnorm"), source.ShapeValue, momentum, epsilon), source);
    }

    /// <summary>Layer normalisation of <paramref name="source"/>, as <c>[LayerNorm]</c> (see <see cref="Sequential.LayerNorm"/>).</summary>
    /// <param name="source">The value it reads.</param>
    /// <param name="epsilon">Added to the variance, a finite number &gt; 0.</param>
    /// <param name="name">The node's name; null numbers it per kind.</param>
    public GraphNode LayerNorm(GraphNode source, float epsilon = 1e-5f, string? name = null)
    {
        string position = Position(name, "layernorm", "LayerNorm");
        CheckSource(source, position);
        Sequential.CheckPositive(epsilon, nameof(epsilon), $"{position}: Epsilon", "1e-5f");
        return AddNode(new LayerNormLayer(NodeName(name, "layernorm"), source.ShapeValue, epsilon), source);
    }

    /// <summary>A standalone activation of <paramref name="source"/>, as <c>[ActivationLayer(activation)]</c>.</summary>
    /// <param name="source">The value it reads.</param>
    /// <param name="activation">The activation. Softmax only on the output node; Step only in an <see cref="InferenceOnly"/> network.</param>
    /// <param name="alpha">LeakyReLU slope (default 0.01) or ELU saturation (default 1); NaN means the default.</param>
    /// <param name="name">The node's name; null numbers it per kind.</param>
    public GraphNode Activation(GraphNode source, Activation activation, float alpha = float.NaN, string? name = null)
    {
        string position = Position(name, "activation", "Activation");
        CheckSource(source, position);
        Sequential.CheckDefined(activation, nameof(activation), position, "activation");
        alpha = Sequential.ResolveAlpha(activation, alpha, position);
        return AddNode(new ActivationLayer(NodeName(name, "activation"), source.ShapeValue, activation, alpha), source);
    }

    /// <summary>A maxout layer reading <paramref name="source"/>, as <c>[Maxout(units, pieces)]</c> (see <see cref="Sequential.Maxout"/>).</summary>
    /// <param name="source">The value it reads, which must be flat.</param>
    /// <param name="units">Number of outputs.</param>
    /// <param name="pieces">Linear pieces per output, at least 2.</param>
    /// <param name="init">Weight initialiser; <see cref="Init.Default"/> is Glorot uniform.</param>
    /// <param name="biasInit">Bias initialiser; <see cref="Init.Default"/> means zeros.</param>
    /// <param name="name">The node's name; null numbers it per kind.</param>
    public GraphNode Maxout(GraphNode source, int units, int pieces, Init init = Init.Default, Init biasInit = Init.Default, string? name = null)
    {
        string position = Position(name, "maxout", $"Maxout {units}");
        CheckSource(source, position);
        if (units <= 0) throw new ArgumentOutOfRangeException(nameof(units), units, $"{position}: a Maxout layer needs at least one unit.");
        if (pieces < 2) throw new ArgumentOutOfRangeException(nameof(pieces), pieces, $"{position}: pieces must be at least 2 (one piece is a plain Dense layer), for example 3.");
        Sequential.CheckDefined(init, nameof(init), position, "weight initialiser");
        Sequential.CheckDefined(biasInit, nameof(biasInit), position, "bias initialiser");
        int inputs = FlatInput(source, position);
        return AddNode(new MaxoutLayer(NodeName(name, "maxout"), inputs, units, pieces, init, biasInit), source);
    }

    /// <summary>How messages name the node about to be added: <c>Node 'h1' (Dense 256)</c>, or its default name when unnamed.</summary>
    private string Position(string? name, string prefix, string what)
    {
        ThrowIfBuilt();
        return $"Node '{name ?? prefix + Number(_kindCounts.GetValueOrDefault(prefix) + 1)}' ({what})";
    }

    /// <summary>The source must be a node of this graph.</summary>
    private void CheckSource(GraphNode source, string position)
    {
        ArgumentNullException.ThrowIfNull(source);
        if (!ReferenceEquals(source.Owner, this))
            throw new ArgumentException($"{position}: '{source.Name}' belongs to another Graph; a node can only read inputs and nodes of its own graph.", nameof(source));
    }

    /// <summary>Features per sample of <paramref name="source"/>, which must be flat (Dense, Maxout).</summary>
    private static int FlatInput(GraphNode source, string position)
    {
        var shape = source.ShapeValue;
        if (shape.IsImage)
            throw new InvalidOperationException(
                $"{position}: it reads '{source.Name}', which is the image-shaped {shape}, but it needs a flat [features] input: read g.Flatten({source.Name}) instead (or g.GlobalAvgPool2D({source.Name}) to average each channel).");
        return shape.Size;
    }

    /// <summary>
    /// The node's name: <paramref name="name"/>, else <c>prefix + ordinal</c>, where the ordinal counts every node of the kind
    /// in declaration order, named or not. Called once all arguments are checked: it moves the count on.
    /// </summary>
    private string NodeName(string? name, string prefix)
    {
        int ordinal = _kindCounts.GetValueOrDefault(prefix) + 1;
        string resolved = name ?? prefix + Number(ordinal);
        CheckName(resolved, nameof(name));
        _kindCounts[prefix] = ordinal;
        return resolved;
    }

    private GraphNode AddNode(Layer layer, params GraphNode[] sources)
    {
        _nodes.Add(layer);
        _sources.Add(sources.Select(s => s.Id).ToArray());
        _names.Add(layer.Name);
        return new GraphNode(this, _nodes.Count - 1, layer.Name, layer.OutputShape);
    }
}
