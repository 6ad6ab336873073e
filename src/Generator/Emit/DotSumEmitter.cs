using System.Collections.Generic;
using System.Linq;
using CompiledNets.Generator.Model;

namespace CompiledNets.Generator.Emit;

/// <summary>
/// The lane sums that end a dot-product tile on 512-bit vectors. <c>Vector512.Sum</c> reduces one vector with about
/// twenty shuffles and adds; a 4 × 4 tile needs sixteen of them, and the shuffles compete with the FMAs for a port. These
/// helpers reduce all of a tile's accumulators at once, transposing as they add, in exactly <c>Vector512.Sum</c>'s order
/// (adjacent lanes, then pairs of them, then 128-bit blocks, then halves), so every sum is bitwise the one it replaces.
/// </summary>
internal static class DotSumEmitter
{
    /// <summary>Whether a tile of <paramref name="accumulators"/> 512-bit accumulators ends with one combined reduction.</summary>
    public static bool Combines(int accumulators) => accumulators is 4 or 16;

    /// <summary>
    /// The statements that set each <c>s{r}{c}</c> from its accumulator <c>a{r}{c}</c> for a tile of 16 or 4 accumulators,
    /// in row-major order (<paramref name="names"/> lists the suffixes "rc").
    /// </summary>
    public static IEnumerable<string> Statements(IReadOnlyList<string> names)
    {
        yield return SumsDeclaration(names);
        for (int i = 0; i < names.Count; i++) yield return $"s{names[i]} = sums.GetElement({i});";
    }

    /// <summary>
    /// The statements that end a tile of 4 samples (16 accumulators) or 1 sample (4) × 4 outputs whose sums stay in one
    /// vector: lane 4r + c holds sample r's output c, so bias and activation apply to the whole vector and each
    /// sample's outputs are one 128-bit store. Bitwise the scalar epilogue (<see cref="ActivationExpressions.VectorAsScalar"/>).
    /// </summary>
    public static IEnumerable<string> VectorStores(IReadOnlyList<string> names, ActivationKind activation, float alpha)
    {
        yield return SumsDeclaration(names);
        if (names.Count == 4)
        {
            yield return $"Vector128<float> outputs = {ActivationExpressions.VectorAsScalar(activation, alpha, "Vector128", "(sums + Vector128.LoadUnsafe(ref bias, (nuint)o))")};";
            yield return "outputs.StoreUnsafe(ref y, (nuint)(b * N + o));";
            yield break;
        }
        yield return $"Vector512<float> outputs = {ActivationExpressions.VectorAsScalar(activation, alpha, "Vector512", "(sums + Vector512.Create(Vector128.LoadUnsafe(ref bias, (nuint)o)))")};";
        yield return "Vector256<float> lower = outputs.GetLower(), upper = outputs.GetUpper();";
        yield return "lower.GetLower().StoreUnsafe(ref y, (nuint)((b + 0) * N + o));";
        yield return "lower.GetUpper().StoreUnsafe(ref y, (nuint)((b + 1) * N + o));";
        yield return "upper.GetLower().StoreUnsafe(ref y, (nuint)((b + 2) * N + o));";
        yield return "upper.GetUpper().StoreUnsafe(ref y, (nuint)((b + 3) * N + o));";
    }

    /// <summary><c>sums</c>, lane i the lane sum of the i-th accumulator of a tile of 16 or 4.</summary>
    private static string SumsDeclaration(IReadOnlyList<string> names)
    {
        string arguments = string.Join(", ", names.Select(n => $"a{n}"));
        return names.Count == 16 ? $"Vector512<float> sums = SumEach16({arguments});" : $"Vector128<float> sums = SumEach4({arguments});";
    }

    /// <summary>The helpers, emitted once into a kernel class that has dot-form forward kernels.</summary>
    public static void EmitHelpers(SourceWriter w)
    {
        string parameters16 = string.Join(", ", Enumerable.Range(0, 16).Select(i => $"Vector512<float> a{i}"));
        string sums16 = string.Join(", ", Enumerable.Range(0, 16).Select(i => $"Vector512.Sum(a{i})"));
        w.Lines($$"""
            /// <summary>
            /// Lane i holds the lane sum of accumulator a{i}, bitwise <c>Vector512.Sum(a{i})</c>: adjacent lanes of pairs of
            /// accumulators are added first, then adjacent pairs, which leaves each 128-bit block holding four accumulators'
            /// block sums; then blocks 0 + 1 and 2 + 3, then those two, as <c>Vector512.Sum</c> adds them.
            /// </summary>
            [MethodImpl(MethodImplOptions.AggressiveInlining)]
            internal static Vector512<float> SumEach16({{parameters16}})
            {
                if (!System.Runtime.Intrinsics.X86.Avx512F.IsSupported) return Vector512.Create({{sums16}});
                Vector512<float> q0 = SumAdjacentLanes(SumAdjacentLanes(a0, a1), SumAdjacentLanes(a2, a3));
                Vector512<float> q1 = SumAdjacentLanes(SumAdjacentLanes(a4, a5), SumAdjacentLanes(a6, a7));
                Vector512<float> q2 = SumAdjacentLanes(SumAdjacentLanes(a8, a9), SumAdjacentLanes(a10, a11));
                Vector512<float> q3 = SumAdjacentLanes(SumAdjacentLanes(a12, a13), SumAdjacentLanes(a14, a15));
                return SumAdjacentBlocks(SumAdjacentBlocks(q0, q1), SumAdjacentBlocks(q2, q3));
            }

            /// <summary>Lane i holds the lane sum of the i-th accumulator, bitwise <c>Vector512.Sum</c> of it (as <see cref="SumEach16"/>).</summary>
            [MethodImpl(MethodImplOptions.AggressiveInlining)]
            internal static Vector128<float> SumEach4(Vector512<float> a0, Vector512<float> a1, Vector512<float> a2, Vector512<float> a3)
            {
                if (!System.Runtime.Intrinsics.X86.Avx512F.IsSupported) return Vector128.Create(Vector512.Sum(a0), Vector512.Sum(a1), Vector512.Sum(a2), Vector512.Sum(a3));
                // Block k holds the four accumulators' sums of their lanes 4k .. 4k + 3.
                Vector512<float> blocks = SumAdjacentLanes(SumAdjacentLanes(a0, a1), SumAdjacentLanes(a2, a3));
                Vector256<float> lower = blocks.GetLower(), upper = blocks.GetUpper();
                return (lower.GetLower() + lower.GetUpper()) + (upper.GetLower() + upper.GetUpper());
            }

            /// <summary>In each 128-bit block: a's lanes 0 + 1 and 2 + 3, then b's.</summary>
            [MethodImpl(MethodImplOptions.AggressiveInlining)]
            private static Vector512<float> SumAdjacentLanes(Vector512<float> a, Vector512<float> b) =>
                System.Runtime.Intrinsics.X86.Avx512F.Shuffle(a, b, 0b10_00_10_00) + System.Runtime.Intrinsics.X86.Avx512F.Shuffle(a, b, 0b11_01_11_01);

            /// <summary>a's blocks 0 + 1 and 2 + 3, then b's.</summary>
            [MethodImpl(MethodImplOptions.AggressiveInlining)]
            private static Vector512<float> SumAdjacentBlocks(Vector512<float> a, Vector512<float> b) =>
                System.Runtime.Intrinsics.X86.Avx512F.Shuffle4x128(a, b, 0b10_00_10_00) + System.Runtime.Intrinsics.X86.Avx512F.Shuffle4x128(a, b, 0b11_01_11_01);
            """);
        w.Line();
    }
}
