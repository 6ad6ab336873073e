namespace CompiledNets;

/// <summary>The builder methods of the image layers: convolution, pooling and flattening.</summary>
public sealed partial class Sequential
{
    /// <summary>
    /// Adds a 2-D convolution, as <c>[Conv2D(filters, kernelSize, activation)]</c>: <paramref name="filters"/> output
    /// channels, each the sum over every input channel of a kernel-sized window times its weights, plus a bias, then the
    /// activation. Tensors <c>conv1.weight</c> <c>[filters, in_channels, kh, kw]</c> and <c>conv1.bias</c> <c>[filters]</c>
    /// (PyTorch's layout). The input must be image-shaped.
    /// </summary>
    /// <param name="filters">Output channels.</param>
    /// <param name="kernelSize">Height and width of a square kernel (unless <paramref name="kernelHeight"/> or <paramref name="kernelWidth"/> is given).</param>
    /// <param name="activation">Activation applied to the outputs. Softmax only on the last layer (over all of a sample's values).</param>
    /// <param name="stride">Step between windows, in both directions.</param>
    /// <param name="padding"><see cref="Padding.Valid"/> (no padding) or <see cref="Padding.Same"/> (zeros, output <c>ceil(in / stride)</c>, the extra row or column at the bottom and right as in Keras).</param>
    /// <param name="kernelHeight">Kernel height for rectangular kernels; 0 means <paramref name="kernelSize"/>.</param>
    /// <param name="kernelWidth">Kernel width for rectangular kernels; 0 means <paramref name="kernelSize"/>.</param>
    /// <param name="alpha">LeakyReLU slope (default 0.01) or ELU saturation (default 1); NaN means the default.</param>
    /// <param name="init">Weight initialiser; <see cref="Init.Default"/> is He uniform for the ReLU family and Glorot uniform otherwise (fan-in <c>in_channels·kh·kw</c>, fan-out <c>filters·kh·kw</c>).</param>
    /// <param name="biasInit">Bias initialiser; <see cref="Init.Default"/> means zeros.</param>
    /// <param name="l2">L2 coefficient of this layer's weights; NaN means the network's <see cref="WeightDecay"/>.</param>
    public Sequential Conv2D(int filters, int kernelSize, Activation activation = CompiledNets.Activation.Linear, int stride = 1, Padding padding = Padding.Valid,
        int kernelHeight = 0, int kernelWidth = 0, float alpha = float.NaN, Init init = Init.Default, Init biasInit = Init.Default, float l2 = float.NaN)
    {
        ThrowIfBuilt();
        string position = $"Layer {_layers.Count + 1} (Conv2D {filters})";
        if (filters <= 0) throw new ArgumentOutOfRangeException(nameof(filters), filters, $"{position}: a Conv2D layer needs at least one filter.");
        int height = ResolveKernel(kernelHeight, kernelSize, nameof(kernelHeight), position);
        int width = ResolveKernel(kernelWidth, kernelSize, nameof(kernelWidth), position);
        CheckStride(stride, position);
        CheckDefined(padding, nameof(padding), position, "padding");
        CheckDefined(activation, nameof(activation), position, "activation");
        CheckDefined(init, nameof(init), position, "weight initialiser");
        CheckDefined(biasInit, nameof(biasInit), position, "bias initialiser");
        alpha = ResolveAlpha(activation, alpha, position);
        if (!float.IsNaN(l2)) CheckNonNegative(l2, nameof(l2), $"{position}: L2", "1e-4f");
        var geometry = Window(position, "kernel", height, width, stride, padding);
        LayerShape.CheckedImage(filters, geometry.OutputHeight, geometry.OutputWidth, $"{position}: the output");
        return Add(new Conv2DLayer(NextName("conv"), geometry, filters, padding, activation, alpha, init, biasInit, l2));
    }

    /// <summary>
    /// Adds max pooling, as <c>[MaxPool2D(size)]</c>: each output is the largest value of a <paramref name="size"/> ×
    /// <paramref name="size"/> window of its channel (padding never wins; on ties the backward pass gives the gradient
    /// to the first maximum in row-major window order). The input must be image-shaped.
    /// </summary>
    /// <param name="size">Height and width of the window.</param>
    /// <param name="stride">Step between windows; 0 means <paramref name="size"/>.</param>
    /// <param name="padding"><see cref="Padding.Valid"/> or <see cref="Padding.Same"/>.</param>
    public Sequential MaxPool2D(int size, int stride = 0, Padding padding = Padding.Valid)
    {
        ThrowIfBuilt();
        string position = $"Layer {_layers.Count + 1} (MaxPool2D {size})";
        var geometry = PoolWindow(position, size, stride, padding);
        return Add(new MaxPool2DLayer(NextName("maxpool"), geometry, padding));
    }

    /// <summary>
    /// Adds average pooling, as <c>[AvgPool2D(size)]</c>: each output is the mean of a <paramref name="size"/> ×
    /// <paramref name="size"/> window of its channel, over the window's cells inside the input (Keras; PyTorch's
    /// <c>count_include_pad=False</c>). The input must be image-shaped.
    /// </summary>
    /// <param name="size">Height and width of the window.</param>
    /// <param name="stride">Step between windows; 0 means <paramref name="size"/>.</param>
    /// <param name="padding"><see cref="Padding.Valid"/> or <see cref="Padding.Same"/>.</param>
    public Sequential AvgPool2D(int size, int stride = 0, Padding padding = Padding.Valid)
    {
        ThrowIfBuilt();
        string position = $"Layer {_layers.Count + 1} (AvgPool2D {size})";
        var geometry = PoolWindow(position, size, stride, padding);
        return Add(new AvgPool2DLayer(NextName("avgpool"), geometry, padding));
    }

    /// <summary>Adds global average pooling, as <c>[GlobalAvgPool2D]</c>: <c>[C, H, W]</c> to <c>[C]</c>, the mean of each channel.</summary>
    public Sequential GlobalAvgPool2D()
    {
        ThrowIfBuilt();
        var input = ImageInput($"Layer {_layers.Count + 1} (GlobalAvgPool2D)");
        return Add(new GlobalAvgPool2DLayer(NextName("globalavgpool"), input));
    }

    /// <summary>
    /// Adds <c>[Flatten]</c>: <c>[C, H, W]</c> to <c>[C·H·W]</c> in the same order (<c>torch.flatten(x, 1)</c>), so the
    /// values do not move. Needed between image layers and <see cref="Dense"/>. On a flat input it changes nothing.
    /// </summary>
    public Sequential Flatten()
    {
        ThrowIfBuilt();
        return Add(new FlattenLayer(NextName("flatten"), Current));
    }

    private WindowGeometry PoolWindow(string position, int size, int stride, Padding padding)
    {
        if (size <= 0) throw new ArgumentOutOfRangeException(nameof(size), size, $"{position}: the window size must be positive, for example 2.");
        if (stride < 0) throw new ArgumentOutOfRangeException(nameof(stride), stride, $"{position}: the stride must be positive (or 0 for the window size), for example 2.");
        CheckDefined(padding, nameof(padding), position, "padding");
        return Window(position, "window", size, size, stride == 0 ? size : stride, padding);
    }

    /// <summary>The geometry of a window over the current image-shaped input, or an exception when it does not fit.</summary>
    private WindowGeometry Window(string position, string what, int height, int width, int stride, Padding padding)
    {
        var input = ImageInput(position);
        if (!WindowGeometry.Fits(input.Height, height, padding) || !WindowGeometry.Fits(input.Width, width, padding))
            throw new ArgumentException(
                $"{position}: the {height}x{width} {what} is larger than its {input.Height}x{input.Width} input (the {PreviousOutput()}, {input}) with Valid padding: use a smaller {what}, Padding.Same, or a larger input.",
                what == "kernel" ? "kernelSize" : "size");
        return WindowGeometry.Create(input, height, width, stride, padding);
    }

    /// <summary>The current shape, which an image layer needs to be <c>[channels, height, width]</c>.</summary>
    private LayerShape ImageInput(string position)
    {
        var shape = Current;
        if (!shape.IsImage)
        {
            string fix = _layers.Count == 0
                ? "start the network with new Sequential(channels, height, width)"
                : "put the image layers before .Flatten() and the Dense layers";
            throw new InvalidOperationException($"{position}: needs an image-shaped [channels, height, width] input, but the {PreviousOutput()} is the flat {shape}: {fix}.");
        }
        return shape;
    }

    internal static int ResolveKernel(int dimension, int kernelSize, string name, string position)
    {
        if (dimension < 0) throw new ArgumentOutOfRangeException(name, dimension, $"{position}: {name} must be positive (or 0 for kernelSize), for example 3.");
        int resolved = dimension == 0 ? kernelSize : dimension;
        if (resolved <= 0) throw new ArgumentOutOfRangeException(nameof(kernelSize), kernelSize, $"{position}: the kernel size must be positive, for example 3.");
        return resolved;
    }

    internal static void CheckStride(int stride, string position)
    {
        if (stride <= 0) throw new ArgumentOutOfRangeException(nameof(stride), stride, $"{position}: the stride must be positive, for example 1 or 2.");
    }
}
