using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace CompiledNets.Benchmarks;

/// <summary>
/// The memory ceiling of single-sample <c>Predict</c>: one plain sequential read of as many bytes as the network's
/// weights take in the precision <c>Predict</c> reads them (4 bytes a parameter, 2 with bfloat16 weights), summed with
/// four independent vector accumulators and no other work. A wide network's <c>Predict</c> streams its weights from the
/// shared L3 or from memory once per call, so no engine can beat this read on the same host; the FMA probe
/// (<see cref="FmaPeak"/>) is the ceiling of compute-bound products, this one of memory-bound ones.
/// </summary>
public static class WeightReadProbe
{
    /// <summary>Bytes <c>Predict</c> reads from the weights of a network with <paramref name="parameters"/> parameters.</summary>
    public static long Bytes(int parameters, bool bfloat16) => (long)parameters * (bfloat16 ? sizeof(ushort) : sizeof(float));

    /// <summary>Part <paramref name="part"/> of <paramref name="parts"/> of <paramref name="bytes"/> bytes of <paramref name="source"/>, read once.</summary>
    public static float ReadPart(ReadOnlySpan<float> source, long bytes, int part, int parts)
    {
        var (first, last) = Kernels.WorkerPool.Partition((int)(bytes / sizeof(float)), 64, part, parts);
        return Sum(source[first..last]);
    }

    /// <summary>
    /// The sum of <paramref name="values"/>, read in order once, on the widest accelerated vector: 512-bit loads read L2
    /// about a fifth faster than 256-bit ones here (L3 and memory reads are bound by the cache either way).
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static float Sum(ReadOnlySpan<float> values)
    {
        ref float start = ref MemoryMarshal.GetReference(values);
        int n = values.Length, i = 0;
        float total = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            Vector512<float> s0 = default, s1 = default, s2 = default, s3 = default;
            for (; i <= n - 64; i += 64)
            {
                s0 += Vector512.LoadUnsafe(ref start, (nuint)i);
                s1 += Vector512.LoadUnsafe(ref start, (nuint)i + 16);
                s2 += Vector512.LoadUnsafe(ref start, (nuint)i + 32);
                s3 += Vector512.LoadUnsafe(ref start, (nuint)i + 48);
            }
            total = Vector512.Sum(s0 + s1 + s2 + s3);
        }
        else if (Vector256.IsHardwareAccelerated)
        {
            Vector256<float> s0 = default, s1 = default, s2 = default, s3 = default;
            for (; i <= n - 32; i += 32)
            {
                s0 += Vector256.LoadUnsafe(ref start, (nuint)i);
                s1 += Vector256.LoadUnsafe(ref start, (nuint)i + 8);
                s2 += Vector256.LoadUnsafe(ref start, (nuint)i + 16);
                s3 += Vector256.LoadUnsafe(ref start, (nuint)i + 24);
            }
            total = Vector256.Sum(s0 + s1 + s2 + s3);
        }
        for (; i < n; i++) total += Unsafe.Add(ref start, i);
        return total;
    }
}
