using System.ComponentModel;
using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace CompiledNets.Kernels;

/// <summary>
/// The bfloat16 copy of a network's product weights that its predictions read (<c>[Network(InferenceWeights =
/// WeightPrecision.BFloat16)]</c>); <see cref="WeightCopy"/> says when it is narrowed again. The storage is pinned and
/// 64-byte aligned, as <see cref="AlignedFloats"/> is.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Advanced)]
public sealed class BFloat16Weights : WeightCopy
{
    /// <summary>One weight tensor: <see cref="Length"/> floats of the parameters from <see cref="Source"/>, narrowed to the copy from <see cref="Destination"/>.</summary>
    public readonly record struct Range(int Source, int Destination, int Length);

    private readonly ushort[] _storage;
    private readonly int _start;
    private readonly Range[] _ranges;

    /// <summary>A copy of the given tensors, which must not overlap in it.</summary>
    public BFloat16Weights(Range[] ranges)
    {
        ArgumentNullException.ThrowIfNull(ranges);
        _ranges = ranges;
        Length = ranges.Length == 0 ? 0 : ranges.Max(r => r.Destination + r.Length);
        (_storage, _start) = PinnedAlignment.Allocate<ushort>(Length);
    }

    /// <summary>bfloat16 values in the copy.</summary>
    public int Length { get; }

    /// <summary>The value at <paramref name="index"/>, by reference: where a kernel starts reading a tensor.</summary>
    public ref ushort this[int index]
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get
        {
            if ((uint)index >= (uint)Length) ThrowIndex(index, Length);
            return ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(_storage), _start + index);
        }
    }

    /// <summary>The whole copy.</summary>
    public ReadOnlySpan<ushort> Span => new(_storage, _start, Length);

    /// <summary>Narrows each range of the parameters into its place in the copy.</summary>
    protected override void Fill(ReadOnlySpan<float> parameters)
    {
        var copy = new Span<ushort>(_storage, _start, Length);
        foreach (var range in _ranges)
            BFloat16.Narrow(parameters.Slice(range.Source, range.Length), copy.Slice(range.Destination, range.Length));
    }

    [DoesNotReturn]
    private static void ThrowIndex(int index, int length) =>
        throw new IndexOutOfRangeException($"Index {index} is outside the bfloat16 copy of {length} values.");
}
