using CompiledNets.Kernels;

namespace CompiledNets;

/// <summary>Element-wise sum of equally shaped values (a residual connection); each source gets the merged value's gradient.</summary>
internal sealed class AddLayer(string name, LayerShape[] sources, Activation activation, float alpha)
    : MergeLayer(name, sources, sources[0], activation, alpha)
{
    public override string Kind => "Add";

    public override void Combine(int k, ReadOnlySpan<float> source, Span<float> output, int batch)
    {
        int n = batch * Outputs;
        if (k == 0) source[..n].CopyTo(output);
        else MergeKernels.Accumulate(output[..n], source[..n]);
    }

    public override void BackwardSource(int k, ReadOnlySpan<float> delta, Span<float> sourceGradient, bool accumulate, in MergeSources sources, int batch)
    {
        int n = batch * Outputs;
        Store(delta[..n], sourceGradient[..n], accumulate);
    }
}
