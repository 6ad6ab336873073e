namespace CompiledNets.Runtime.Tests.Graphs;

/// <summary>Invalid graphs throw where the generator reports a CN diagnostic, with a message that names the nodes and the fix.</summary>
public class GraphErrorTests
{
    private static (Graph Graph, GraphNode Input) Start(int size = 4)
    {
        var g = new Graph();
        return (g, g.Input("input", size));
    }

    [Fact]
    public void A_merge_of_fewer_than_two_nodes_is_refused()
    {
        var (g, x) = Start();
        var h = g.Dense(x, 3, name: "h");
        var one = Assert.Throws<ArgumentException>(() => g.Add(h));
        Assert.Contains("Node 'add1' (Add): a merge needs at least two inputs, but only 'h' was given", one.Message);
        var none = Assert.Throws<ArgumentException>(() => g.Concat([], name: "joined"));
        Assert.Contains("Node 'joined' (Concat): a merge needs at least two inputs, but none was given", none.Message);
        Assert.Throws<ArgumentException>(() => g.Multiply(h));
        Assert.Throws<ArgumentException>(() => g.Average([h], Activation.ReLU));
    }

    [Fact]
    public void Shapes_that_cannot_be_added_name_both_shapes()
    {
        var (g, x) = Start();
        var a = g.Dense(x, 3, name: "a");
        var b = g.Dense(x, 5, name: "b");
        var add = Assert.Throws<ArgumentException>(() => g.Add([a, b], name: "res"));
        Assert.Contains("Node 'res' (Add): 'a' [3] and 'b' [5] cannot be added: every input of Add needs the same shape", add.Message);
        var multiply = Assert.Throws<ArgumentException>(() => g.Multiply(a, b));
        Assert.Contains("'a' [3] and 'b' [5] cannot be multiplied", multiply.Message);
        var average = Assert.Throws<ArgumentException>(() => g.Average(a, a, b));
        Assert.Contains("'a' [3] and 'b' [5] cannot be averaged", average.Message);
    }

    [Fact]
    public void Shapes_that_cannot_be_concatenated_name_both_shapes()
    {
        var g = new Graph();
        var image = g.Input("image", 1, 8, 8);
        var flat = g.Input("meta", 4);
        var conv = g.Conv2D(image, 2, 3, name: "conv");
        var mixed = Assert.Throws<ArgumentException>(() => g.Concat(image, flat));
        Assert.Contains("cannot concatenate 'image' [1, 8, 8] and 'meta' [4]", mixed.Message);
        var sizes = Assert.Throws<ArgumentException>(() => g.Concat(image, conv));
        Assert.Contains("cannot concatenate 'image' [1, 8, 8] and 'conv' [2, 6, 6]", sizes.Message);
        Assert.Contains("same height and width", sizes.Message);
        // Same height and width: along channels.
        Assert.Equal([3, 8, 8], g.Concat(image, g.Conv2D(image, 2, 3, padding: Padding.Same)).Shape);
    }

    [Fact]
    public void Duplicate_names_are_refused()
    {
        var (g, x) = Start();
        g.Dense(x, 3, name: "h");
        var node = Assert.Throws<ArgumentException>(() => g.Dense(x, 3, name: "h"));
        Assert.Contains("already has an input or node named 'h'", node.Message);
        Assert.Throws<ArgumentException>(() => g.Input("h", 2));
        Assert.Throws<ArgumentException>(() => g.Dense(x, 2, name: "input"));
        // A name an unnamed node takes later (the third Dense, counting the named ones): the unnamed one collides.
        g.Dense(x, 3, name: "dense3");
        var collision = Assert.Throws<ArgumentException>(() => g.Dense(x, 3));
        Assert.Contains("'dense3'", collision.Message);
    }

    [Fact]
    public void Invalid_names_are_refused()
    {
        var g = new Graph();
        foreach (string name in new[] { "", "1st", "a b", "a.b", "a,b", "h(1)", "x=y" })
            Assert.Throws<ArgumentException>(() => g.Input(name, 3));
        Assert.Throws<ArgumentNullException>(() => g.Input(null!, 3));
        var x = g.Input("_ok2", 3);
        Assert.Throws<ArgumentException>(() => g.Dense(x, 2, name: "a-b"));
    }

    [Fact]
    public void A_node_of_another_graph_is_refused()
    {
        var (g, x) = Start();
        var (other, y) = Start();
        var foreign = other.Dense(y, 4, name: "theirs");
        var error = Assert.Throws<ArgumentException>(() => g.Dense(foreign, 2));
        Assert.Contains("'theirs' belongs to another Graph", error.Message);
        Assert.Throws<ArgumentException>(() => g.Add(x, y));
    }

    [Fact]
    public void An_input_of_size_zero_is_refused()
    {
        var g = new Graph();
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => g.Input("meta", 0));
        Assert.Contains("Input 'meta': its size is 0", error.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => g.Input("image", 1, 0, 28));
        Assert.Throws<ArgumentException>(() => g.Input("pair", 2, 2));
        Assert.Throws<ArgumentException>(() => g.Input("none"));
    }

    [Fact]
    public void A_graph_without_an_input_or_layers_does_not_build()
    {
        var empty = new Graph().Loss(LossFunction.MeanSquaredError).Sgd();
        var error = Assert.Throws<InvalidOperationException>(() => empty.Build(seed: 1));
        Assert.Contains("The graph has no input", error.Message);
        var (g, _) = Start();
        g.Loss(LossFunction.MeanSquaredError).Sgd();
        Assert.Contains("no layers", Assert.Throws<InvalidOperationException>(() => g.Build(seed: 1)).Message);
    }

    [Fact]
    public void Layer_rules_name_the_node()
    {
        var g = new Graph();
        var image = g.Input("image", 1, 6, 6);
        var dense = Assert.Throws<InvalidOperationException>(() => g.Dense(image, 3, name: "d"));
        Assert.Contains("Node 'd' (Dense 3): it reads 'image', which is the image-shaped [1, 6, 6]", dense.Message);
        var flat = g.Flatten(image);
        Assert.Throws<InvalidOperationException>(() => g.Conv2D(flat, 2, 3));
        var softmax = g.Dense(flat, 3, Activation.Softmax, name: "early");
        g.Dense(softmax, 2);
        g.Loss(LossFunction.MeanSquaredError).Sgd();
        var error = Assert.Throws<InvalidOperationException>(() => g.Build(seed: 1));
        Assert.Contains("Node 'early'", error.Message);
        Assert.Contains("Softmax is only valid on the output node", error.Message);
    }

    [Fact]
    public void The_loss_must_fit_the_output_node()
    {
        var (g, x) = Start();
        g.Add([g.Dense(x, 3), g.Dense(x, 3)], Activation.ReLU, name: "out");
        g.Loss(LossFunction.CrossEntropy).Adam();
        var error = Assert.Throws<InvalidOperationException>(() => g.Build(seed: 1));
        Assert.Contains("CrossEntropy needs a Softmax output, but the output node 'out' (Add(ReLU)) ends in ReLU", error.Message);
    }

    [Fact]
    public void A_built_graph_cannot_change()
    {
        var (g, x) = Start();
        g.Dense(x, 2);
        g.Loss(LossFunction.MeanSquaredError).Sgd().Build(seed: 1);
        Assert.Throws<InvalidOperationException>(() => g.Dense(x, 2));
        Assert.Throws<InvalidOperationException>(() => g.Input("more", 2));
        Assert.Throws<InvalidOperationException>(() => g.Add(x, x));
    }
}
