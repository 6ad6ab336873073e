using System.ComponentModel;
using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace CompiledNets.Kernels;

/// <summary>
/// The bfloat16 copy of a network's product weights that its predictions read (<c>[Network(InferenceWeights =
/// WeightPrecision.BFloat16)]</c>), and when it is current. The float32 parameters stay the master copy: whatever may
/// change them calls <see cref="MarkStale"/> (one interlocked increment, so training pays nothing more), and every
/// prediction starts with <see cref="EnsureCurrent"/>, which narrows the weights again when they changed. Predictions run
/// on many threads at once: the first after a change narrows under a lock while the others wait, and the copy counts as
/// current only once it is complete. The storage is pinned and 64-byte aligned, as <see cref="AlignedFloats"/> is.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Advanced)]
public sealed class BFloat16Weights
{
    /// <summary>One weight tensor: <see cref="Length"/> floats of the parameters from <see cref="Source"/>, narrowed to the copy from <see cref="Destination"/>.</summary>
    public readonly record struct Range(int Source, int Destination, int Length);

    private readonly ushort[] _storage;
    private readonly int _start;
    private readonly Range[] _ranges;
    private readonly Lock _lock = new();

    /// <summary>Changes of the float32 weights so far; starts ahead of <see cref="_copied"/>, so the first prediction narrows them.</summary>
    private int _version = 1;

    /// <summary>The <see cref="_version"/> the copy was narrowed from.</summary>
    private int _copied;

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

    /// <summary>True when the copy holds the float32 weights as they were at the last <see cref="MarkStale"/>.</summary>
    public bool IsCurrent => Volatile.Read(ref _copied) == Volatile.Read(ref _version);

    /// <summary>Records that the float32 weights changed (or may be changed by whoever holds them): the next prediction narrows them again.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void MarkStale() => Interlocked.Increment(ref _version);

    /// <summary>Narrows <paramref name="parameters"/> into the copy unless it is current; safe to call from many threads at once.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void EnsureCurrent(ReadOnlySpan<float> parameters)
    {
        if (!IsCurrent) Refresh(parameters);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void Refresh(ReadOnlySpan<float> parameters)
    {
        lock (_lock)
        {
            // Read before narrowing: a change during it leaves the copy behind that change, so the next call narrows again.
            int version = Volatile.Read(ref _version);
            if (_copied == version) return;
            var copy = new Span<ushort>(_storage, _start, Length);
            foreach (var range in _ranges)
                BFloat16.Narrow(parameters.Slice(range.Source, range.Length), copy.Slice(range.Destination, range.Length));
            Volatile.Write(ref _copied, version);
        }
    }

    [DoesNotReturn]
    private static void ThrowIndex(int index, int length) =>
        throw new IndexOutOfRangeException($"Index {index} is outside the bfloat16 copy of {length} values.");
}
