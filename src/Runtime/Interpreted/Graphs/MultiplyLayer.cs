using CompiledNets.Kernels;

namespace CompiledNets;

/// <summary>
/// Element-wise product of equally shaped values (gating); source k's gradient is the merged value's gradient times the
/// product of the other sources, which the backward pass reads back from the forward pass.
/// </summary>
internal sealed class MultiplyLayer(string name, LayerShape[] sources, Activation activation, float alpha)
    : MergeLayer(name, sources, sources[0], activation, alpha)
{
    private AlignedFloats _others = AlignedFloats.Empty;

    public override string Kind => "Multiply";

    public override void Bind(in LayerBinding binding)
    {
        base.Bind(binding);
        // Three or more sources: the product of the others is built here before it meets the gradient.
        if (binding.Training && Sources.Length > 2) _others = new AlignedFloats(binding.MaxBatchSize * Outputs);
    }

    public override void Combine(int k, ReadOnlySpan<float> source, Span<float> output, int batch)
    {
        int n = batch * Outputs;
        if (k == 0) source[..n].CopyTo(output);
        else MergeKernels.MultiplyInPlace(output[..n], source[..n]);
    }

    public override void BackwardSource(int k, ReadOnlySpan<float> delta, Span<float> sourceGradient, bool accumulate, in MergeSources sources, int batch)
    {
        int n = batch * Outputs;
        delta = delta[..n];
        var gradient = sourceGradient[..n];
        if (Sources.Length == 2)
        {
            var other = sources.Get(1 - k, batch)[..n];
            if (accumulate) MergeKernels.MultiplyAccumulate(delta, other, gradient);
            else MergeKernels.Product(delta, other, gradient);
            return;
        }
        var product = _others.AsSpan(0, n);
        delta.CopyTo(product);
        for (int j = 0; j < Sources.Length; j++)
            if (j != k) MergeKernels.MultiplyInPlace(product, sources.Get(j, batch)[..n]);
        Store(product, gradient, accumulate);
    }
}
