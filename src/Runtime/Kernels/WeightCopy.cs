using System.ComponentModel;
using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace CompiledNets.Kernels;

/// <summary>
/// A copy of some of a network's weights that its predictions read in place of the float32 parameters (bfloat16, or
/// float32 in the order a kernel streams them), and when it is current. The parameters stay the master copy: whatever
/// may change them calls <see cref="MarkStale"/> (one interlocked increment, so training pays nothing more), and every
/// prediction starts with <see cref="EnsureCurrent"/>, which fills the copy again when they changed. Predictions run on
/// many threads at once: the first after a change fills it under a lock while the others wait, and the copy counts as
/// current only once it is complete. The storage is pinned and 64-byte aligned, as <see cref="AlignedFloats"/> is.
/// </summary>
/// <typeparam name="T">The stored element: <see cref="ushort"/> for bfloat16, <see cref="float"/>.</typeparam>
[EditorBrowsable(EditorBrowsableState.Advanced)]
public abstract class WeightCopy<T> where T : unmanaged
{
    private readonly T[] _storage;
    private readonly int _start;
    private readonly Lock _lock = new();

    /// <summary>Changes of the float32 weights so far; starts ahead of <see cref="_copied"/>, so the first prediction fills the copy.</summary>
    private int _version = 1;

    /// <summary>The <see cref="_version"/> the copy was filled from.</summary>
    private int _copied;

    /// <summary>A copy of <paramref name="length"/> elements, zeros until the first <see cref="EnsureCurrent"/>.</summary>
    protected WeightCopy(int length)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        Length = length;
        (_storage, _start) = PinnedAlignment.Allocate<T>(length);
    }

    /// <summary>Elements in the copy.</summary>
    public int Length { get; }

    /// <summary>The element at <paramref name="index"/>, by reference: where a kernel starts reading a tensor.</summary>
    public ref T this[int index]
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get
        {
            if ((uint)index >= (uint)Length) ThrowIndex(index, Length);
            return ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(_storage), _start + index);
        }
    }

    /// <summary>The whole copy.</summary>
    public ReadOnlySpan<T> Span => new(_storage, _start, Length);

    /// <summary>True when the copy holds the float32 weights as they were at the last <see cref="MarkStale"/>.</summary>
    public bool IsCurrent => Volatile.Read(ref _copied) == Volatile.Read(ref _version);

    /// <summary>Records that the float32 weights changed (or may be changed by whoever holds them): the next prediction fills the copy again.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void MarkStale() => Interlocked.Increment(ref _version);

    /// <summary>Fills the copy from <paramref name="parameters"/> unless it is current; safe to call from many threads at once.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void EnsureCurrent(ReadOnlySpan<float> parameters)
    {
        if (!IsCurrent) Refresh(parameters);
    }

    /// <summary>Writes <paramref name="copy"/> (the whole storage) from the whole parameter vector.</summary>
    protected abstract void Fill(ReadOnlySpan<float> parameters, Span<T> copy);

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void Refresh(ReadOnlySpan<float> parameters)
    {
        lock (_lock)
        {
            // Read before filling: a change during it leaves the copy behind that change, so the next call fills it again.
            int version = Volatile.Read(ref _version);
            if (_copied == version) return;
            Fill(parameters, new Span<T>(_storage, _start, Length));
            Volatile.Write(ref _copied, version);
        }
    }

    [DoesNotReturn]
    private static void ThrowIndex(int index, int length) =>
        throw new IndexOutOfRangeException($"Index {index} is outside the weight copy of {length} values.");
}
