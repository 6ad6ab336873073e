using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace CompiledNets.Kernels;

/// <summary>
/// Pinned arrays whose used part starts on a 64-byte boundary (a cache line, one 512-bit vector): the storage of
/// <see cref="AlignedFloats"/> and of the weight copies (<see cref="WeightCopy{T}"/>). The GC never moves a pinned array, so the aligned
/// start is found once.
/// </summary>
internal static class PinnedAlignment
{
    /// <summary>The boundary the first used element sits on, in bytes.</summary>
    public const int Bytes = 64;

    /// <summary>Elements of <typeparamref name="T"/> allocated beyond the length, so that an aligned start always fits.</summary>
    public static int Slack<T>() where T : unmanaged => Bytes / Unsafe.SizeOf<T>() - 1;

    /// <summary>A pinned array of <paramref name="length"/> usable elements (zeros) and the index of the first, on the boundary.</summary>
    public static (T[] Storage, int Start) Allocate<T>(int length) where T : unmanaged
    {
        var storage = GC.AllocateArray<T>(length + Slack<T>(), pinned: true);
        return (storage, ElementsToBoundary(ref MemoryMarshal.GetArrayDataReference(storage)));
    }

    /// <summary>How many elements from <paramref name="first"/> to the next boundary (0 when it is on one).</summary>
    private static unsafe int ElementsToBoundary<T>(ref T first) where T : unmanaged
    {
        nuint address = (nuint)Unsafe.AsPointer(ref first);
        return (int)((Bytes - address % Bytes) % Bytes) / Unsafe.SizeOf<T>();
    }
}
