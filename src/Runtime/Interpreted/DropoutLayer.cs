using CompiledNets.Kernels;

namespace CompiledNets;

/// <summary>
/// Inverted dropout: in training each value is kept with probability <c>1 - rate</c> and scaled by
/// <c>1 / (1 - rate)</c>; at inference the identity. The masks come from the network's <see cref="DropoutStream"/>,
/// one draw per value in storage order (NCHW for images), so a generated network with the same seed drops the same values.
/// </summary>
internal sealed class DropoutLayer(string name, LayerShape shape, float rate) : Layer(name, shape, shape)
{
    private DropoutStream? _stream;
    private AlignedFloats _mask = AlignedFloats.Empty;
    private AlignedFloats _output = AlignedFloats.Empty;

    public override string Kind => "Dropout";

    public override string Describe() => $"Dropout({Number(rate)})";

    public override string Detail => $"rate {Number(rate)}";

    public override bool BackwardInPlace => true;

    public override bool IdentityAtInference => true;

    public override void Bind(in LayerBinding binding)
    {
        base.Bind(binding);
        _stream = binding.Dropout;
        if (!binding.Training) return;
        _mask = new AlignedFloats(binding.MaxBatchSize * Outputs);
        _output = new AlignedFloats(binding.MaxBatchSize * Outputs);
    }

    public override void Infer(ReadOnlySpan<float> input, Span<float> output, int batch, Span<float> scratch) =>
        input[..(batch * Outputs)].CopyTo(output);

    public override ReadOnlySpan<float> Forward(ReadOnlySpan<float> input, int batch)
    {
        int n = batch * Outputs;
        var output = _output.AsSpan(0, n);
        LayerKernels.DropoutTraining(input[..n], output, _mask.AsSpan(0, n), rate, ref _stream!.Random);
        return output;
    }

    public override ReadOnlySpan<float> Output(int batch) => _output.AsSpan(0, batch * Outputs);

    public override void Backward(ReadOnlySpan<float> input, Span<float> outputGradient, Span<float> inputGradient, int batch, bool gradientIsPreActivation) =>
        LayerKernels.DropoutBackward(outputGradient[..(batch * Outputs)], _mask.AsSpan(0, batch * Outputs));
}
