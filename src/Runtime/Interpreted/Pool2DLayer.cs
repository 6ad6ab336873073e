using CompiledNets.Kernels;

namespace CompiledNets;

/// <summary>
/// What max and average pooling share: a <c>size × size</c> window moved by the stride over each channel, placed by
/// <see cref="WindowGeometry"/>, the names (<c>MaxPool2D(3, stride 2)</c>, detail <c>3x3, stride 2</c>) and the training
/// buffers. No parameters; the backward pass writes the input gradient into its own buffer.
/// </summary>
internal abstract class Pool2DLayer(string name, WindowGeometry geometry, Padding padding)
    : Layer(name, geometry.Input, LayerShape.Image(geometry.Input.Channels, geometry.OutputHeight, geometry.OutputWidth))
{
    private AlignedFloats _output = AlignedFloats.Empty;

    protected WindowGeometry Geometry { get; } = geometry;

    public override string Describe() =>
        $"{Kind}({Number(Geometry.KernelHeight)}"
        + (Geometry.Stride != Geometry.KernelHeight ? $", stride {Number(Geometry.Stride)}" : "")
        + (padding == Padding.Same ? ", same" : "") + ")";

    /// <summary><c>2x2</c>, with <c>, stride s</c> when the stride is not the window and <c>, same</c> for Same padding.</summary>
    public override string Detail => Conv2DLayer.WindowText(Geometry.KernelHeight, Geometry.KernelWidth, Geometry.Stride, Geometry.KernelHeight, padding);

    public override void Bind(in LayerBinding binding)
    {
        base.Bind(binding);
        if (binding.Training) _output = new AlignedFloats(binding.MaxBatchSize * Outputs);
    }

    public override ReadOnlySpan<float> Forward(ReadOnlySpan<float> input, int batch)
    {
        var output = _output.AsSpan(0, batch * Outputs);
        Pool(input, output, batch, training: true);
        return output;
    }

    public override void Infer(ReadOnlySpan<float> input, Span<float> output, int batch, Span<float> scratch) =>
        Pool(input, output, batch, training: false);

    public override ReadOnlySpan<float> Output(int batch) => _output.AsSpan(0, batch * Outputs);

    /// <summary>Pools <paramref name="batch"/> samples; in training, keeps what the backward pass needs.</summary>
    protected abstract void Pool(ReadOnlySpan<float> input, Span<float> output, int batch, bool training);
}

/// <summary>Max pooling (PyTorch's <c>MaxPool2d</c>): see <see cref="PoolMath"/> for the padding and tie rules.</summary>
internal sealed class MaxPool2DLayer(string name, WindowGeometry geometry, Padding padding) : Pool2DLayer(name, geometry, padding)
{
    private int[] _winners = [];

    public override string Kind => "MaxPool2D";

    public override void Bind(in LayerBinding binding)
    {
        base.Bind(binding);
        if (binding.Training) _winners = new int[binding.MaxBatchSize * Outputs];
    }

    protected override void Pool(ReadOnlySpan<float> input, Span<float> output, int batch, bool training) =>
        PoolMath.MaxForward(input, output, training ? _winners.AsSpan(0, batch * Outputs) : default, batch, Geometry);

    public override void Backward(ReadOnlySpan<float> input, Span<float> outputGradient, Span<float> inputGradient, int batch, bool gradientIsPreActivation)
    {
        if (inputGradient.IsEmpty) return;
        PoolMath.MaxBackward(outputGradient[..(batch * Outputs)], _winners.AsSpan(0, batch * Outputs), inputGradient, batch, Geometry);
    }
}

/// <summary>Average pooling over the window's cells inside the input (PyTorch's <c>AvgPool2d(count_include_pad=False)</c>).</summary>
internal sealed class AvgPool2DLayer(string name, WindowGeometry geometry, Padding padding) : Pool2DLayer(name, geometry, padding)
{
    public override string Kind => "AvgPool2D";

    protected override void Pool(ReadOnlySpan<float> input, Span<float> output, int batch, bool training) =>
        PoolMath.AverageForward(input, output, batch, Geometry);

    public override void Backward(ReadOnlySpan<float> input, Span<float> outputGradient, Span<float> inputGradient, int batch, bool gradientIsPreActivation)
    {
        if (inputGradient.IsEmpty) return;
        PoolMath.AverageBackward(outputGradient[..(batch * Outputs)], inputGradient, batch, Geometry);
    }
}
