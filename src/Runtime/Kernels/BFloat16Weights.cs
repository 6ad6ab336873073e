using System.ComponentModel;

namespace CompiledNets.Kernels;

/// <summary>
/// The bfloat16 copy of a network's product weights that its predictions read (<c>[Network(InferenceWeights =
/// WeightPrecision.BFloat16)]</c>); <see cref="WeightCopy{T}"/> says when it is narrowed again and how it is stored.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Advanced)]
public sealed class BFloat16Weights : WeightCopy<ushort>
{
    /// <summary>One weight tensor: <see cref="Length"/> floats of the parameters from <see cref="Source"/>, narrowed to the copy from <see cref="Destination"/>.</summary>
    public readonly record struct Range(int Source, int Destination, int Length);

    private readonly Range[] _ranges;

    /// <summary>A copy of the given tensors, which must not overlap in it.</summary>
    public BFloat16Weights(Range[] ranges)
        : base(ranges is null || ranges.Length == 0 ? 0 : ranges.Max(r => r.Destination + r.Length))
    {
        ArgumentNullException.ThrowIfNull(ranges);
        _ranges = ranges;
    }

    /// <summary>Narrows each range of the parameters into its place in the copy.</summary>
    protected override void Fill(ReadOnlySpan<float> parameters, Span<ushort> copy)
    {
        foreach (var range in _ranges)
            BFloat16.Narrow(parameters.Slice(range.Source, range.Length), copy.Slice(range.Destination, range.Length));
    }
}
