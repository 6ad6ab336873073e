namespace CompiledNets.Runtime.Tests.Graphs;

/// <summary>The example networks, built with the interpreted <see cref="Graph"/>.</summary>
internal static class GraphNetworks
{
    /// <summary>The ResidualNet: relu(h1 + h3), a side branch from h1, their concatenation, a softmax.</summary>
    public static Graph ResidualNet(int inputs = 784, int width = 256, int side = 64, int classes = 10)
    {
        var g = new Graph();
        var x = g.Input("input", inputs);
        var h1 = g.Dense(x, width, Activation.ReLU, name: "h1");
        var h2 = g.Dense(h1, width, Activation.ReLU, name: "h2");
        var h3 = g.Dense(h2, width, name: "h3");
        var res = g.Add([h1, h3], Activation.ReLU, name: "res");
        var branch = g.Dense(h1, side, Activation.ReLU, name: "side");
        g.Dense(g.Concat(res, branch), classes, Activation.Softmax);
        return g.Loss(LossFunction.CrossEntropy).Adam();
    }

    /// <summary>The TwoInputNet: an image and a few numbers, each through its own layer, concatenated.</summary>
    public static Graph TwoInputNet(int pixels = 784, int meta = 4, int hidden = 128, int facts = 16)
    {
        var g = new Graph();
        var image = g.Input("image", pixels);
        var numbers = g.Input("meta", meta);
        var p = g.Dense(image, hidden, Activation.ReLU, name: "pixels");
        var f = g.Dense(numbers, facts, Activation.ReLU, name: "facts");
        g.Dense(g.Concat(p, f), 1, Activation.Sigmoid);
        return g.Loss(LossFunction.BinaryCrossEntropy).Adam();
    }

    /// <summary>A small residual convnet: two residual blocks, a concatenation along channels, global pooling.</summary>
    public static Graph ResidualConvnet()
    {
        var g = new Graph();
        var x = g.Input("image", 1, 12, 12);
        var stem = g.Conv2D(x, 4, 3, Activation.ReLU, padding: Padding.Same, name: "stem");
        var c1 = g.Conv2D(stem, 4, 3, Activation.ReLU, padding: Padding.Same, name: "c1");
        var c2 = g.Conv2D(c1, 4, 3, padding: Padding.Same, name: "c2");
        var block = g.Add([stem, c2], Activation.ReLU, name: "block");
        var wide = g.Concat([block, g.Conv2D(x, 2, 1, Activation.Tanh, name: "side")], name: "wide");
        var pooled = g.MaxPool2D(wide, 2);
        g.Dense(g.Dropout(g.GlobalAvgPool2D(pooled), 0.25f), 3, Activation.Softmax, name: "head");
        return g.Loss(LossFunction.CrossEntropy).Adam(1e-2f);
    }

    public static float[] Random(int count, int seed)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, count).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
    }

    public static float[] OneHot(int batch, int classes, int seed)
    {
        var random = new Random(seed);
        var targets = new float[batch * classes];
        for (int b = 0; b < batch; b++) targets[b * classes + random.Next(classes)] = 1;
        return targets;
    }
}
