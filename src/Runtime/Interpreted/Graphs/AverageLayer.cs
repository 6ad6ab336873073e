using System.Numerics.Tensors;
using CompiledNets.Kernels;

namespace CompiledNets;

/// <summary>
/// Element-wise mean of equally shaped values, computed as the sum times <c>1f / n</c> (the generated network's formula, so
/// both round alike); each source gets the merged value's gradient times <c>1f / n</c>.
/// </summary>
internal sealed class AverageLayer(string name, LayerShape[] sources, Activation activation, float alpha)
    : MergeLayer(name, sources, sources[0], activation, alpha)
{
    private readonly float _scale = 1f / sources.Length;

    public override string Kind => "Average";

    public override void Combine(int k, ReadOnlySpan<float> source, Span<float> output, int batch)
    {
        int n = batch * Outputs;
        if (k == 0) source[..n].CopyTo(output);
        else MergeKernels.Accumulate(output[..n], source[..n]);
    }

    protected override void Complete(Span<float> output) => MergeKernels.Scale(output, _scale);

    public override void BackwardSource(int k, ReadOnlySpan<float> delta, Span<float> sourceGradient, bool accumulate, in MergeSources sources, int batch)
    {
        int n = batch * Outputs;
        var gradient = sourceGradient[..n];
        if (accumulate) TensorPrimitives.MultiplyAdd(delta[..n], _scale, gradient, gradient);
        else TensorPrimitives.Multiply(delta[..n], _scale, gradient);
    }
}
