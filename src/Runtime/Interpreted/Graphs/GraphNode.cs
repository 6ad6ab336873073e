namespace CompiledNets;

/// <summary>
/// A value of a <see cref="Graph"/>: one of its inputs, or the output of a layer or merge. Pass it to the graph's builder
/// methods to make it the source of the next node (the Keras Functional API's tensors).
/// </summary>
public sealed class GraphNode
{
    internal GraphNode(Graph owner, int id, string name, LayerShape shape)
    {
        Owner = owner;
        Id = id;
        Name = name;
        ShapeValue = shape;
    }

    /// <summary>The input's or node's name: <c>image</c>, <c>h1</c>, <c>dense3</c>; tensors of a layer are <c>name.weight</c>, ...</summary>
    public string Name { get; }

    /// <summary>The shape of one sample of this value: <c>[features]</c> or <c>[channels, height, width]</c>.</summary>
    public IReadOnlyList<int> Shape => ShapeValue.Dimensions;

    /// <summary>True for a graph input, false for a layer or merge.</summary>
    public bool IsInput => Id < 0;

    internal Graph Owner { get; }

    /// <summary>Input i is <c>~i</c> (negative); node i is i, its declaration index.</summary>
    internal int Id { get; }

    internal LayerShape ShapeValue { get; }

    /// <summary>The name.</summary>
    public override string ToString() => Name;
}
