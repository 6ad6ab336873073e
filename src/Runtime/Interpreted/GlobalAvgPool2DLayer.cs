using System.Numerics.Tensors;
using CompiledNets.Kernels;

namespace CompiledNets;

/// <summary>Global average pooling: <c>[C, H, W]</c> to <c>[C]</c>, the mean of each channel (Keras's <c>GlobalAveragePooling2D</c>).</summary>
internal sealed class GlobalAvgPool2DLayer(string name, LayerShape input) : Layer(name, input, LayerShape.Flat(input.Channels))
{
    private AlignedFloats _output = AlignedFloats.Empty;

    public override string Kind => "GlobalAvgPool2D";

    public override string Describe() => "GlobalAvgPool2D";

    public override void Bind(in LayerBinding binding)
    {
        base.Bind(binding);
        if (binding.Training) _output = new AlignedFloats(binding.MaxBatchSize * Outputs);
    }

    public override void Infer(ReadOnlySpan<float> input, Span<float> output, int batch, Span<float> scratch) => Average(input, output, batch);

    public override ReadOnlySpan<float> Forward(ReadOnlySpan<float> input, int batch)
    {
        var output = _output.AsSpan(0, batch * Outputs);
        Average(input, output, batch);
        return output;
    }

    public override ReadOnlySpan<float> Output(int batch) => _output.AsSpan(0, batch * Outputs);

    public override void Backward(ReadOnlySpan<float> input, Span<float> outputGradient, Span<float> inputGradient, int batch, bool gradientIsPreActivation)
    {
        if (inputGradient.IsEmpty) return;
        Kernels.ImageKernels.GlobalAveragePoolBackward(outputGradient, inputGradient, batch * Outputs, InputShape.Spatial);
    }

    private void Average(ReadOnlySpan<float> input, Span<float> output, int batch) =>
        Kernels.ImageKernels.GlobalAveragePool(input, output, batch * Outputs, InputShape.Spatial);
}
