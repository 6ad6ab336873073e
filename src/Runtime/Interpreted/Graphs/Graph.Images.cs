namespace CompiledNets;

/// <summary>The builder methods of the image layers: convolution, pooling and flattening.</summary>
public sealed partial class Graph
{
    /// <summary>
    /// A 2-D convolution reading the image-shaped <paramref name="source"/>, as <c>[Conv2D(filters, kernelSize, activation)]</c>
    /// (see <see cref="Sequential.Conv2D"/>): tensors <c>name.weight</c> <c>[filters, in_channels, kh, kw]</c> and <c>name.bias</c>.
    /// </summary>
    /// <param name="source">The image-shaped value it reads.</param>
    /// <param name="filters">Output channels.</param>
    /// <param name="kernelSize">Height and width of a square kernel (unless <paramref name="kernelHeight"/> or <paramref name="kernelWidth"/> is given).</param>
    /// <param name="activation">Activation applied to the outputs.</param>
    /// <param name="stride">Step between windows, in both directions.</param>
    /// <param name="padding"><see cref="Padding.Valid"/> or <see cref="Padding.Same"/>.</param>
    /// <param name="kernelHeight">Kernel height for rectangular kernels; 0 means <paramref name="kernelSize"/>.</param>
    /// <param name="kernelWidth">Kernel width for rectangular kernels; 0 means <paramref name="kernelSize"/>.</param>
    /// <param name="alpha">LeakyReLU slope (default 0.01) or ELU saturation (default 1); NaN means the default.</param>
    /// <param name="init">Weight initialiser; <see cref="Init.Default"/> is He uniform for the ReLU family and Glorot uniform otherwise.</param>
    /// <param name="biasInit">Bias initialiser; <see cref="Init.Default"/> means zeros.</param>
    /// <param name="l2">L2 coefficient of this layer's weights; NaN means the network's <see cref="WeightDecay"/>.</param>
    /// <param name="name">The node's name; null numbers it per kind (<c>conv2</c>).</param>
    public GraphNode Conv2D(GraphNode source, int filters, int kernelSize, Activation activation = CompiledNets.Activation.Linear, int stride = 1, Padding padding = Padding.Valid,
        int kernelHeight = 0, int kernelWidth = 0, float alpha = float.NaN, Init init = Init.Default, Init biasInit = Init.Default, float l2 = float.NaN, string? name = null)
    {
        string position = Position(name, "conv", $"Conv2D {filters}");
        CheckSource(source, position);
        if (filters <= 0) throw new ArgumentOutOfRangeException(nameof(filters), filters, $"{position}: a Conv2D layer needs at least one filter.");
        int height = Sequential.ResolveKernel(kernelHeight, kernelSize, nameof(kernelHeight), position);
        int width = Sequential.ResolveKernel(kernelWidth, kernelSize, nameof(kernelWidth), position);
        Sequential.CheckStride(stride, position);
        Sequential.CheckDefined(padding, nameof(padding), position, "padding");
        Sequential.CheckDefined(activation, nameof(activation), position, "activation");
        Sequential.CheckDefined(init, nameof(init), position, "weight initialiser");
        Sequential.CheckDefined(biasInit, nameof(biasInit), position, "bias initialiser");
        alpha = Sequential.ResolveAlpha(activation, alpha, position);
        if (!float.IsNaN(l2)) Sequential.CheckNonNegative(l2, nameof(l2), $"{position}: L2", "1e-4f");
        var geometry = Window(source, position, "kernel", height, width, stride, padding);
        LayerShape.CheckedImage(filters, geometry.OutputHeight, geometry.OutputWidth, $"{position}: the output");
        return AddNode(new Conv2DLayer(NodeName(name, "conv"), geometry, filters, padding, activation, alpha, init, biasInit, l2), source);
    }

    /// <summary>Max pooling of the image-shaped <paramref name="source"/>, as <c>[MaxPool2D(size)]</c> (see <see cref="Sequential.MaxPool2D"/>).</summary>
    /// <param name="source">The image-shaped value it reads.</param>
    /// <param name="size">Height and width of the window.</param>
    /// <param name="stride">Step between windows; 0 means <paramref name="size"/>.</param>
    /// <param name="padding"><see cref="Padding.Valid"/> or <see cref="Padding.Same"/>.</param>
    /// <param name="name">The node's name; null numbers it per kind.</param>
    public GraphNode MaxPool2D(GraphNode source, int size, int stride = 0, Padding padding = Padding.Valid, string? name = null)
    {
        string position = Position(name, "maxpool", $"MaxPool2D {size}");
        CheckSource(source, position);
        var geometry = PoolWindow(source, position, size, stride, padding);
        return AddNode(new MaxPool2DLayer(NodeName(name, "maxpool"), geometry, padding), source);
    }

    /// <summary>Average pooling of the image-shaped <paramref name="source"/>, as <c>[AvgPool2D(size)]</c> (see <see cref="Sequential.AvgPool2D"/>).</summary>
    /// <param name="source">The image-shaped value it reads.</param>
    /// <param name="size">Height and width of the window.</param>
    /// <param name="stride">Step between windows; 0 means <paramref name="size"/>.</param>
    /// <param name="padding"><see cref="Padding.Valid"/> or <see cref="Padding.Same"/>.</param>
    /// <param name="name">The node's name; null numbers it per kind.</param>
    public GraphNode AvgPool2D(GraphNode source, int size, int stride = 0, Padding padding = Padding.Valid, string? name = null)
    {
        string position = Position(name, "avgpool", $"AvgPool2D {size}");
        CheckSource(source, position);
        var geometry = PoolWindow(source, position, size, stride, padding);
        return AddNode(new AvgPool2DLayer(NodeName(name, "avgpool"), geometry, padding), source);
    }

    /// <summary>Global average pooling, <c>[C, H, W]</c> to <c>[C]</c>, as <c>[GlobalAvgPool2D]</c>.</summary>
    /// <param name="source">The image-shaped value it reads.</param>
    /// <param name="name">The node's name; null numbers it per kind.</param>
    public GraphNode GlobalAvgPool2D(GraphNode source, string? name = null)
    {
        string position = Position(name, "globalavgpool", "GlobalAvgPool2D");
        CheckSource(source, position);
        var input = ImageInput(source, position);
        return AddNode(new GlobalAvgPool2DLayer(NodeName(name, "globalavgpool"), input), source);
    }

    /// <summary><c>[C, H, W]</c> to <c>[C·H·W]</c> in the same order, as <c>[Flatten]</c>; on a flat value it changes nothing.</summary>
    /// <param name="source">The value it reads.</param>
    /// <param name="name">The node's name; null numbers it per kind.</param>
    public GraphNode Flatten(GraphNode source, string? name = null)
    {
        string position = Position(name, "flatten", "Flatten");
        CheckSource(source, position);
        return AddNode(new FlattenLayer(NodeName(name, "flatten"), source.ShapeValue), source);
    }

    private static WindowGeometry PoolWindow(GraphNode source, string position, int size, int stride, Padding padding)
    {
        if (size <= 0) throw new ArgumentOutOfRangeException(nameof(size), size, $"{position}: the window size must be positive, for example 2.");
        if (stride < 0) throw new ArgumentOutOfRangeException(nameof(stride), stride, $"{position}: the stride must be positive (or 0 for the window size), for example 2.");
        Sequential.CheckDefined(padding, nameof(padding), position, "padding");
        return Window(source, position, "window", size, size, stride == 0 ? size : stride, padding);
    }

    /// <summary>The geometry of a window over the image-shaped <paramref name="source"/>, or an exception when it does not fit.</summary>
    private static WindowGeometry Window(GraphNode source, string position, string what, int height, int width, int stride, Padding padding)
    {
        var input = ImageInput(source, position);
        if (!WindowGeometry.Fits(input.Height, height, padding) || !WindowGeometry.Fits(input.Width, width, padding))
            throw new ArgumentException(
                $"{position}: the {height}x{width} {what} is larger than its {input.Height}x{input.Width} input ('{source.Name}', {input}) with Valid padding: use a smaller {what}, Padding.Same, or a larger input.",
                what == "kernel" ? "kernelSize" : "size");
        return WindowGeometry.Create(input, height, width, stride, padding);
    }

    /// <summary>The shape of <paramref name="source"/>, which an image layer needs to be <c>[channels, height, width]</c>.</summary>
    private static LayerShape ImageInput(GraphNode source, string position)
    {
        var shape = source.ShapeValue;
        if (!shape.IsImage)
            throw new InvalidOperationException(
                $"{position}: needs an image-shaped [channels, height, width] input, but '{source.Name}' is the flat {shape}: read an image input (g.Input(name, channels, height, width)) or an image layer.");
        return shape;
    }
}
