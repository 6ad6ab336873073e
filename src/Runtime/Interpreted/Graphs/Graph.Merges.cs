namespace CompiledNets;

/// <summary>The merges: nodes that read two or more values.</summary>
public sealed partial class Graph
{
    /// <summary>The element-wise sum of <paramref name="sources"/> (a residual connection), as <c>[Add(...)]</c>; every source has the same shape.</summary>
    public GraphNode Add(params GraphNode[] sources) => Add(sources, CompiledNets.Activation.Linear);

    /// <summary>The element-wise sum of <paramref name="sources"/> then <paramref name="activation"/>: <c>g.Add([h1, h3], Activation.ReLU, name: "res")</c>.</summary>
    /// <param name="sources">Two or more values of the same shape.</param>
    /// <param name="activation">Applied to the sum (Linear for none).</param>
    /// <param name="alpha">LeakyReLU slope (default 0.01) or ELU saturation (default 1); NaN means the default.</param>
    /// <param name="name">The node's name; null numbers it per kind (<c>add1</c>).</param>
    public GraphNode Add(GraphNode[] sources, Activation activation = CompiledNets.Activation.Linear, float alpha = float.NaN, string? name = null) =>
        Merge("add", "Add", sources, activation, alpha, name, "added", (n, shapes, a, al) => new AddLayer(n, shapes, a, al));

    /// <summary>The element-wise product of <paramref name="sources"/> (gating), as <c>[Multiply(...)]</c>; every source has the same shape.</summary>
    public GraphNode Multiply(params GraphNode[] sources) => Multiply(sources, CompiledNets.Activation.Linear);

    /// <summary>The element-wise product of <paramref name="sources"/> then <paramref name="activation"/>.</summary>
    /// <param name="sources">Two or more values of the same shape.</param>
    /// <param name="activation">Applied to the product (Linear for none).</param>
    /// <param name="alpha">LeakyReLU slope (default 0.01) or ELU saturation (default 1); NaN means the default.</param>
    /// <param name="name">The node's name; null numbers it per kind (<c>multiply1</c>).</param>
    public GraphNode Multiply(GraphNode[] sources, Activation activation = CompiledNets.Activation.Linear, float alpha = float.NaN, string? name = null) =>
        Merge("multiply", "Multiply", sources, activation, alpha, name, "multiplied", (n, shapes, a, al) => new MultiplyLayer(n, shapes, a, al));

    /// <summary>The element-wise mean of <paramref name="sources"/>, as <c>[Average(...)]</c>; every source has the same shape.</summary>
    public GraphNode Average(params GraphNode[] sources) => Average(sources, CompiledNets.Activation.Linear);

    /// <summary>The element-wise mean of <paramref name="sources"/> (their sum times <c>1f / n</c>) then <paramref name="activation"/>.</summary>
    /// <param name="sources">Two or more values of the same shape.</param>
    /// <param name="activation">Applied to the mean (Linear for none).</param>
    /// <param name="alpha">LeakyReLU slope (default 0.01) or ELU saturation (default 1); NaN means the default.</param>
    /// <param name="name">The node's name; null numbers it per kind (<c>average1</c>).</param>
    public GraphNode Average(GraphNode[] sources, Activation activation = CompiledNets.Activation.Linear, float alpha = float.NaN, string? name = null) =>
        Merge("average", "Average", sources, activation, alpha, name, "averaged", (n, shapes, a, al) => new AverageLayer(n, shapes, a, al));

    /// <summary>
    /// Joins <paramref name="sources"/>, as <c>[Concat(...)]</c>: along features when they are flat (<c>[a] + [b]</c> is
    /// <c>[a + b]</c>), along channels when they are images of the same height and width.
    /// </summary>
    public GraphNode Concat(params GraphNode[] sources) => Concat(sources, CompiledNets.Activation.Linear);

    /// <summary>Joins <paramref name="sources"/> (see <see cref="Concat(GraphNode[])"/>) then applies <paramref name="activation"/>.</summary>
    /// <param name="sources">Two or more flat values, or images of the same height and width.</param>
    /// <param name="activation">Applied to the joined values (Linear for none).</param>
    /// <param name="alpha">LeakyReLU slope (default 0.01) or ELU saturation (default 1); NaN means the default.</param>
    /// <param name="name">The node's name; null numbers it per kind (<c>concat1</c>).</param>
    public GraphNode Concat(GraphNode[] sources, Activation activation = CompiledNets.Activation.Linear, float alpha = float.NaN, string? name = null)
    {
        string position = CheckMerge("concat", "Concat", sources, activation, ref alpha, name);
        var shapes = sources.Select(s => s.ShapeValue).ToArray();
        var first = sources[0];
        long total = 0;
        foreach (var source in sources)
        {
            var shape = source.ShapeValue;
            bool fits = shape.IsImage == first.ShapeValue.IsImage && (!shape.IsImage || (shape.Height == first.ShapeValue.Height && shape.Width == first.ShapeValue.Width));
            if (!fits)
                throw new ArgumentException(
                    $"{position}: cannot concatenate '{first.Name}' {first.ShapeValue} and '{source.Name}' {shape}: Concat joins flat values along features, or images of the same height and width along channels (Flatten the images to join them with flat values).",
                    nameof(sources));
            total += shape.Channels;
        }
        long size = total * first.ShapeValue.Spatial;
        if (size > Kernels.AlignedFloats.MaxLength)
            throw new ArgumentException($"{position}: the joined value would hold {size:N0} values per sample; at most {Kernels.AlignedFloats.MaxLength:N0} fit in one buffer.", nameof(sources));
        var output = first.ShapeValue.IsImage
            ? LayerShape.Image((int)total, first.ShapeValue.Height, first.ShapeValue.Width)
            : LayerShape.Flat((int)total);
        return AddNode(new ConcatLayer(NodeName(name, "concat"), shapes, output, activation, alpha), sources);
    }

    /// <summary>An element-wise merge: every source must have the first one's shape.</summary>
    private GraphNode Merge(string prefix, string kind, GraphNode[] sources, Activation activation, float alpha, string? name, string verb,
        Func<string, LayerShape[], Activation, float, MergeLayer> create)
    {
        string position = CheckMerge(prefix, kind, sources, activation, ref alpha, name);
        var first = sources[0];
        foreach (var source in sources)
        {
            if (source.ShapeValue != first.ShapeValue)
                throw new ArgumentException(
                    $"{position}: '{first.Name}' {first.ShapeValue} and '{source.Name}' {source.ShapeValue} cannot be {verb}: every input of {kind} needs the same shape (use Concat to join different sizes, or a Dense layer to match them).",
                    nameof(sources));
        }
        var shapes = sources.Select(s => s.ShapeValue).ToArray();
        return AddNode(create(NodeName(name, prefix), shapes, activation, alpha), sources);
    }

    /// <summary>What every merge checks: at least two sources of this graph and a known activation; returns the message position.</summary>
    private string CheckMerge(string prefix, string kind, GraphNode[] sources, Activation activation, ref float alpha, string? name)
    {
        string position = Position(name, prefix, kind);
        ArgumentNullException.ThrowIfNull(sources);
        if (sources.Length < 2)
            throw new ArgumentException(
                $"{position}: a merge needs at least two inputs, but {(sources.Length == 0 ? "none was" : $"only '{sources[0]?.Name}' was")} given: merge two or more nodes, for example g.{kind}(h1, h3).",
                nameof(sources));
        foreach (var source in sources) CheckSource(source, position);
        Sequential.CheckDefined(activation, nameof(activation), position, "activation");
        alpha = Sequential.ResolveAlpha(activation, alpha, position);
        return position;
    }
}
