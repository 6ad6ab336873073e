using System.ComponentModel;
using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace CompiledNets.Kernels;

/// <summary>
/// A zeroed float buffer whose first element sits on a 64-byte boundary: a cache line, and one 512-bit vector.
/// A managed array starts wherever the allocator puts it (8-byte steps), so each of its 512-bit loads spans two cache
/// lines, and a weight-streaming product takes up to half as long again. The storage is a pinned array, which the GC never
/// moves, so the aligned start is found once. Indexed like an array (by reference, bounds-checked) and converts to spans.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Advanced)]
public sealed class AlignedFloats
{
    /// <summary>The boundary the first element sits on, in bytes.</summary>
    public const int Alignment = PinnedAlignment.Bytes;

    /// <summary>Floats a buffer can hold: <c>Array.MaxLength</c> less the slack that finding the boundary needs.</summary>
    public const int MaxLength = 0x7FFFFFC7 - Slack;

    /// <summary>Floats allocated beyond the length, so that an aligned start always fits.</summary>
    private const int Slack = Alignment / sizeof(float) - 1;

    private readonly float[] _storage;
    private readonly int _start;

    /// <summary>Allocates <paramref name="length"/> zeros.</summary>
    public AlignedFloats(int length)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(length, MaxLength);
        if (length == 0)
        {
            // Nothing to align, and no reason to hold a pinned array (a network has several empty buffers).
            _storage = [];
        }
        else if (BufferGuards.Enabled)
        {
            (_storage, _start) = PinnedAlignment.Allocate<float>(length + 2 * BufferGuards.Floats);
            _start += BufferGuards.Floats;
            BufferGuards.Arm(this, _storage, _start, length);
        }
        else
        {
            (_storage, _start) = PinnedAlignment.Allocate<float>(length);
        }
        Length = length;
    }

    /// <summary>The pinned array and the index of the first element in it (for <see cref="BufferGuards"/>).</summary>
    internal (float[] Array, int Start) Storage => (_storage, _start);

    /// <summary>A buffer of no floats, shared (as <c>[]</c> for arrays).</summary>
    public static AlignedFloats Empty { get; } = new(0);

    /// <summary>Floats in the buffer.</summary>
    public int Length { get; }

    /// <summary>The element at <paramref name="index"/>, by reference (as an array element).</summary>
    public ref float this[int index]
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get
        {
            if ((uint)index >= (uint)Length) ThrowIndex(index, Length);
            return ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(_storage), _start + index);
        }
    }

    /// <summary>The whole buffer.</summary>
    public Span<float> Span
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => new(_storage, _start, Length);
    }

    /// <summary>The whole buffer (as <c>array.AsSpan()</c>).</summary>
    public Span<float> AsSpan() => Span;

    /// <summary><paramref name="length"/> floats from <paramref name="start"/> (as <c>array.AsSpan(start, length)</c>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Span<float> AsSpan(int start, int length) => Span.Slice(start, length);

    /// <summary>The whole buffer.</summary>
    public static implicit operator Span<float>(AlignedFloats buffer) => buffer.Span;

    /// <summary>The whole buffer, read-only.</summary>
    public static implicit operator ReadOnlySpan<float>(AlignedFloats buffer) => buffer.Span;

    [DoesNotReturn]
    private static void ThrowIndex(int index, int length) =>
        throw new IndexOutOfRangeException($"Index {index} is outside the buffer of {length} floats.");
}
