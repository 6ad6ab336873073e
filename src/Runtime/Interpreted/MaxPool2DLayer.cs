namespace CompiledNets;

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
