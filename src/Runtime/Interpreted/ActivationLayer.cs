using CompiledNets.Kernels;

namespace CompiledNets;

/// <summary>
/// A standalone activation, as <c>[ActivationLayer(...)]</c>: lets a normalisation sit between a Dense layer and its
/// activation. Its input is the pre-activation: the loss reads it when this is the last layer (fused softmax or sigmoid).
/// </summary>
/// <remarks>On an image input it works element-wise; Softmax (the last layer only) is over all of a sample's values.</remarks>
internal sealed class ActivationLayer(string name, LayerShape shape, Activation activation, float alpha) : Layer(name, shape, shape)
{
    private AlignedFloats _output = AlignedFloats.Empty;

    public override string Kind => "Activation";

    public override string Describe() => $"Activation({ActivationText(activation, alpha)})";

    public override string Detail => ActivationText(activation, alpha);

    public override bool HasActivation => true;

    public override Activation OutputActivation => activation;

    public override float OutputAlpha => alpha;

    public override bool BackwardInPlace => true;

    public override void Bind(in LayerBinding binding)
    {
        base.Bind(binding);
        if (binding.Training) _output = new AlignedFloats(binding.MaxBatchSize * Outputs);
    }

    public override void Infer(ReadOnlySpan<float> input, Span<float> output, int batch, Span<float> scratch)
    {
        output = output[..(batch * Outputs)];
        input[..output.Length].CopyTo(output);
        ActivationKernels.Forward(activation, alpha, output, Outputs);
    }

    public override ReadOnlySpan<float> Forward(ReadOnlySpan<float> input, int batch)
    {
        var output = _output.AsSpan(0, batch * Outputs);
        input[..output.Length].CopyTo(output);
        ActivationKernels.Forward(activation, alpha, output, Outputs);
        return output;
    }

    public override ReadOnlySpan<float> Output(int batch) => _output.AsSpan(0, batch * Outputs);

    public override ReadOnlySpan<float> PreActivation(ReadOnlySpan<float> input, int batch) => input[..(batch * Outputs)];

    public override void Backward(ReadOnlySpan<float> input, Span<float> outputGradient, Span<float> inputGradient, int batch, bool gradientIsPreActivation)
    {
        // As the last layer, the loss already produced the gradient with respect to this layer's input.
        if (gradientIsPreActivation) return;
        int n = batch * Outputs;
        ActivationKernels.Backward(activation, alpha, Output(batch), input[..n], outputGradient[..n], Outputs);
    }
}
