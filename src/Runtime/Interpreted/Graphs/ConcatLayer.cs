using CompiledNets.Kernels;

namespace CompiledNets;

/// <summary>
/// Joins values along features (<c>[a] + [b]</c> is <c>[a + b]</c>) or, for images of equal height and width, along
/// channels (<c>[c1, H, W] + [c2, H, W]</c> is <c>[c1 + c2, H, W]</c>). Stored NCHW, both are the same thing: each sample's
/// row is the first source's block, then the second's, and so on; the backward pass hands each source its block.
/// </summary>
internal sealed class ConcatLayer : MergeLayer
{
    private readonly int[] _offsets;

    public ConcatLayer(string name, LayerShape[] sources, LayerShape output, Activation activation, float alpha)
        : base(name, sources, output, activation, alpha)
    {
        _offsets = new int[sources.Length];
        for (int k = 1; k < sources.Length; k++) _offsets[k] = _offsets[k - 1] + sources[k - 1].Size;
    }

    public override string Kind => "Concat";

    public override void Combine(int k, ReadOnlySpan<float> source, Span<float> output, int batch)
    {
        int size = Sources[k].Size;
        MergeKernels.CopyColumns(source, size, 0, output, Outputs, _offsets[k], size, batch);
    }

    public override void BackwardSource(int k, ReadOnlySpan<float> delta, Span<float> sourceGradient, bool accumulate, in MergeSources sources, int batch)
    {
        int size = Sources[k].Size;
        if (accumulate) MergeKernels.AccumulateColumns(delta, Outputs, _offsets[k], sourceGradient, size, 0, size, batch);
        else MergeKernels.CopyColumns(delta, Outputs, _offsets[k], sourceGradient, size, 0, size, batch);
    }
}
