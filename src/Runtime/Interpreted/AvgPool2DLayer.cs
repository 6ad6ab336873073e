namespace CompiledNets;

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
