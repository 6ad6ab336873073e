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
