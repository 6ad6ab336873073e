using CompiledNets.Kernels;

namespace CompiledNets;

/// <summary>
/// <c>[C, H, W]</c> to <c>[C·H·W]</c> (<c>torch.flatten(x, 1)</c>): the values keep their NCHW order, so nothing moves
/// at inference and the gradient passes through unchanged. Training copies the values into the layer's own output,
/// which the layer after it and the backward pass read.
/// </summary>
internal sealed class FlattenLayer(string name, LayerShape input) : Layer(name, input, LayerShape.Flat(input.Size))
{
    private AlignedFloats _output = AlignedFloats.Empty;

    public override string Kind => "Flatten";

    public override string Describe() => "Flatten";

    public override bool BackwardInPlace => true;

    public override bool IdentityAtInference => true;

    public override void Bind(in LayerBinding binding)
    {
        base.Bind(binding);
        if (binding.Training) _output = new AlignedFloats(binding.MaxBatchSize * Outputs);
    }

    public override void Infer(ReadOnlySpan<float> input, Span<float> output, int batch, Span<float> scratch) =>
        input[..(batch * Outputs)].CopyTo(output);

    public override ReadOnlySpan<float> Forward(ReadOnlySpan<float> input, int batch)
    {
        var output = _output.AsSpan(0, batch * Outputs);
        input[..output.Length].CopyTo(output);
        return output;
    }

    public override ReadOnlySpan<float> Output(int batch) => _output.AsSpan(0, batch * Outputs);

    public override void Backward(ReadOnlySpan<float> input, Span<float> outputGradient, Span<float> inputGradient, int batch, bool gradientIsPreActivation)
    {
    }
}
