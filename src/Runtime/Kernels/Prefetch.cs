using System.ComponentModel;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics.X86;

namespace CompiledNets.Kernels;

/// <summary>Cache hints for generated kernels that stream data they will need soon.</summary>
[EditorBrowsable(EditorBrowsableState.Advanced)]
public static unsafe class Prefetch
{
    /// <summary>
    /// Asks for the cache line holding <paramref name="value"/> to be brought into L2 (and L1), without waiting for it. A
    /// hint only: it never faults, and if the garbage collector moves the array meanwhile, it merely fetches the wrong line.
    /// A no-op where the instruction set has no such hint.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Line(ref readonly float value)
    {
        if (Sse.IsSupported) Sse.Prefetch1(Unsafe.AsPointer(ref Unsafe.AsRef(in value)));
    }
}
