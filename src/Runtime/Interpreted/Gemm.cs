using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace CompiledNets;

/// <summary>
/// <c>C += A · B</c> for row-major <c>A [m, k]</c>, <c>B [k, n]</c>, <c>C [m, n]</c>: the product behind the interpreted
/// convolution. Tiles of 4 rows × 2 vectors of C stay in registers while the loop walks k, so each loaded row segment of
/// B feeds 4 fused multiply-adds and each broadcast of A feeds 2 (a plain axpy per element of A would reload C every time).
/// Rows past the last group of 4 use one-row tiles; the columns past the last whole vector, a vector that ends at the
/// last column with only its last lanes stored (scalar code when a row is narrower than a vector). Each element's sum
/// runs over k in order with fused multiply-adds, so the result does not depend on the tiling.
/// </summary>
internal static class Gemm
{
    /// <summary><c>c[i, j] += Σ_p a[i, p] · b[p, j]</c>.</summary>
    public static void MultiplyAdd(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> c, int m, int k, int n)
    {
        if (a.Length < m * k || b.Length < k * n || c.Length < m * n)
            throw new ArgumentException($"Gemm [{m}, {k}] · [{k}, {n}] needs spans of {m * k}, {k * n} and {m * n} values.");
        ref float a0 = ref MemoryMarshal.GetReference(a);
        ref float b0 = ref MemoryMarshal.GetReference(b);
        ref float c0 = ref MemoryMarshal.GetReference(c);
        int width = Vector<float>.Count;
        int whole = n - n % width; // columns covered by whole vectors
        if (whole < n && n >= width)
        {
            // The last columns: a vector ending at column n, of which only the lanes past `whole` are stored; it runs
            // before the tiles below change the lanes it overlaps, so those keep their values.
            var keep = Vector.GreaterThanOrEqual(Vector<int>.Indices, new Vector<int>(whole - (n - width)));
            for (int row = 0; row < m; row++) TileLastColumns(ref a0, ref b0, ref c0, row, n - width, k, n, keep);
        }
        else if (whole < n)
        {
            for (int row = 0; row < m; row++)
                for (int j = whole; j < n; j++) Scalar(ref a0, ref b0, ref c0, row, j, k, n);
        }
        int i = 0;
        for (; i + 4 <= m; i += 4)
        {
            int j = 0;
            for (; j + 2 * width <= whole; j += 2 * width) Tile4x2(ref a0, ref b0, ref c0, i, j, k, n);
            for (; j < whole; j += width) Tile4x1(ref a0, ref b0, ref c0, i, j, k, n);
        }
        for (; i < m; i++)
            for (int j = 0; j < whole; j += width) Tile1x1(ref a0, ref b0, ref c0, i, j, k, n);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Tile4x2(ref float a, ref float b, ref float c, int i, int j, int k, int n)
    {
        int width = Vector<float>.Count;
        nuint row0 = (nuint)(i * n + j), row1 = row0 + (nuint)n, row2 = row1 + (nuint)n, row3 = row2 + (nuint)n, second = (nuint)width;
        var c00 = Vector.LoadUnsafe(ref c, row0); var c01 = Vector.LoadUnsafe(ref c, row0 + second);
        var c10 = Vector.LoadUnsafe(ref c, row1); var c11 = Vector.LoadUnsafe(ref c, row1 + second);
        var c20 = Vector.LoadUnsafe(ref c, row2); var c21 = Vector.LoadUnsafe(ref c, row2 + second);
        var c30 = Vector.LoadUnsafe(ref c, row3); var c31 = Vector.LoadUnsafe(ref c, row3 + second);
        nuint a0 = (nuint)(i * k), a1 = a0 + (nuint)k, a2 = a1 + (nuint)k, a3 = a2 + (nuint)k;
        nuint bRow = (nuint)j;
        for (int p = 0; p < k; p++, bRow += (nuint)n)
        {
            var b0 = Vector.LoadUnsafe(ref b, bRow);
            var b1 = Vector.LoadUnsafe(ref b, bRow + second);
            var w = new Vector<float>(Unsafe.Add(ref a, a0 + (nuint)p));
            c00 = Vector.FusedMultiplyAdd(w, b0, c00); c01 = Vector.FusedMultiplyAdd(w, b1, c01);
            w = new Vector<float>(Unsafe.Add(ref a, a1 + (nuint)p));
            c10 = Vector.FusedMultiplyAdd(w, b0, c10); c11 = Vector.FusedMultiplyAdd(w, b1, c11);
            w = new Vector<float>(Unsafe.Add(ref a, a2 + (nuint)p));
            c20 = Vector.FusedMultiplyAdd(w, b0, c20); c21 = Vector.FusedMultiplyAdd(w, b1, c21);
            w = new Vector<float>(Unsafe.Add(ref a, a3 + (nuint)p));
            c30 = Vector.FusedMultiplyAdd(w, b0, c30); c31 = Vector.FusedMultiplyAdd(w, b1, c31);
        }
        c00.StoreUnsafe(ref c, row0); c01.StoreUnsafe(ref c, row0 + second);
        c10.StoreUnsafe(ref c, row1); c11.StoreUnsafe(ref c, row1 + second);
        c20.StoreUnsafe(ref c, row2); c21.StoreUnsafe(ref c, row2 + second);
        c30.StoreUnsafe(ref c, row3); c31.StoreUnsafe(ref c, row3 + second);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Tile4x1(ref float a, ref float b, ref float c, int i, int j, int k, int n)
    {
        nuint row0 = (nuint)(i * n + j), row1 = row0 + (nuint)n, row2 = row1 + (nuint)n, row3 = row2 + (nuint)n;
        var c0 = Vector.LoadUnsafe(ref c, row0);
        var c1 = Vector.LoadUnsafe(ref c, row1);
        var c2 = Vector.LoadUnsafe(ref c, row2);
        var c3 = Vector.LoadUnsafe(ref c, row3);
        nuint a0 = (nuint)(i * k), a1 = a0 + (nuint)k, a2 = a1 + (nuint)k, a3 = a2 + (nuint)k;
        nuint bRow = (nuint)j;
        for (int p = 0; p < k; p++, bRow += (nuint)n)
        {
            var bv = Vector.LoadUnsafe(ref b, bRow);
            c0 = Vector.FusedMultiplyAdd(new Vector<float>(Unsafe.Add(ref a, a0 + (nuint)p)), bv, c0);
            c1 = Vector.FusedMultiplyAdd(new Vector<float>(Unsafe.Add(ref a, a1 + (nuint)p)), bv, c1);
            c2 = Vector.FusedMultiplyAdd(new Vector<float>(Unsafe.Add(ref a, a2 + (nuint)p)), bv, c2);
            c3 = Vector.FusedMultiplyAdd(new Vector<float>(Unsafe.Add(ref a, a3 + (nuint)p)), bv, c3);
        }
        c0.StoreUnsafe(ref c, row0);
        c1.StoreUnsafe(ref c, row1);
        c2.StoreUnsafe(ref c, row2);
        c3.StoreUnsafe(ref c, row3);
    }

    private static void Tile1x1(ref float a, ref float b, ref float c, int i, int j, int k, int n)
    {
        nuint row = (nuint)(i * n + j);
        var sum = Vector.LoadUnsafe(ref c, row);
        nuint aRow = (nuint)(i * k), bRow = (nuint)j;
        for (int p = 0; p < k; p++, bRow += (nuint)n)
            sum = Vector.FusedMultiplyAdd(new Vector<float>(Unsafe.Add(ref a, aRow + (nuint)p)), Vector.LoadUnsafe(ref b, bRow), sum);
        sum.StoreUnsafe(ref c, row);
    }

    private static void TileLastColumns(ref float a, ref float b, ref float c, int i, int j, int k, int n, Vector<int> keep)
    {
        nuint row = (nuint)(i * n + j);
        var original = Vector.LoadUnsafe(ref c, row);
        var sum = original;
        nuint aRow = (nuint)(i * k), bRow = (nuint)j;
        for (int p = 0; p < k; p++, bRow += (nuint)n)
            sum = Vector.FusedMultiplyAdd(new Vector<float>(Unsafe.Add(ref a, aRow + (nuint)p)), Vector.LoadUnsafe(ref b, bRow), sum);
        Vector.ConditionalSelect(keep, sum, original).StoreUnsafe(ref c, row);
    }

    private static void Scalar(ref float a, ref float b, ref float c, int i, int j, int k, int n)
    {
        ref float target = ref Unsafe.Add(ref c, i * n + j);
        float sum = target;
        for (int p = 0; p < k; p++) sum = MathF.FusedMultiplyAdd(Unsafe.Add(ref a, i * k + p), Unsafe.Add(ref b, p * n + j), sum);
        target = sum;
    }
}
