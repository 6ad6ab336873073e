using System.ComponentModel;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace CompiledNets.Kernels;

/// <summary>
/// <c>exp</c> and <c>log</c> of four floats, small enough to inline into a generated kernel. A call would cost more
/// than the arithmetic in the straight-line kernels of small networks: every vector register is volatile across a
/// call on x64, so each one would spill the kernel's register-resident activations and gradients.
/// Cody–Waite range reduction and the single-precision polynomials of the Cephes library; within 2 ulp of
/// <see cref="MathF.Exp"/> and <see cref="MathF.Log(float)"/> over their finite ranges (LaneMathTests).
/// </summary>
[EditorBrowsable(EditorBrowsableState.Advanced)]
public static class LaneMath
{
    private const float Log2E = 1.44269504088896341f;

    // ln 2 split into a part exact in float and the rest, so n·ln2 subtracts without rounding error.
    private const float Ln2High = 0.693359375f;
    private const float Ln2Low = -2.12194440e-4f;

    /// <summary>Beyond these, e^x overflows float or leaves its normal range: inputs are clamped to them.</summary>
    private const float ExpMax = 88.3762626647949f;
    private const float ExpMin = -87.3365447504f;

    /// <summary>
    /// e^x per lane; NaN stays NaN, x past 88.4 gives the largest float, and x at or below -87.34 (where e^x would be
    /// subnormal) gives 0, so softmax probabilities underflow to zero instead of into the slow subnormal range.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Exp(Vector128<float> x)
    {
        // Lanes below the normal range compute e^0 and are zeroed at the end: clamping them to ExpMin instead would
        // make the last multiply produce a subnormal, which takes x64's slow path.
        // ExpMin rounds to just below ln 2^-126, so e^ExpMin itself is subnormal: it belongs to the zeroed lanes too.
        var belowNormal = Vector128.LessThanOrEqual(x, Vector128.Create(ExpMin));
        var clamped = Vector128.Min(Vector128.AndNot(x, belowNormal), Vector128.Create(ExpMax));
        // x = n·ln2 + r with |r| <= ln2 / 2.
        var n = Vector128.Round(clamped * Log2E);
        var expR = ExpOfRemainder(clamped, n);
        // 2^n built in the exponent field; n is a whole number in [-126, 127] after the clamp, so the plain conversion is exact.
        var twoToN = (Vector128.ConvertToInt32Native(n) + Vector128.Create(127)) << 23;
        return Vector128.AndNot(expR * twoToN.AsSingle(), belowNormal);
    }

    /// <summary>
    /// <see cref="Exp"/> for x &lt;= 0 (and NaN), bitwise the same, with a shorter dependency chain: the arguments of a
    /// sigmoid's e^-|z| and a softmax's e^(z - max). Nothing there can overflow, so the upper clamp goes, and n is
    /// rounded by adding 1.5·2^23 (which leaves the nearest integer, ties to even, in the low mantissa bits, as
    /// <see cref="Vector128.Round(Vector128{float})"/> rounds) rather than by a round instruction twice the latency of the add.
    /// Positive x must use <see cref="Exp"/>: beyond <c>ExpMax</c> (88.38) the result here is meaningless (infinity, then
    /// garbage of either sign), where Exp clamps to the largest float.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> ExpNonPositive(Vector128<float> x)
    {
        // Lanes at or below ExpMin are computed from garbage and zeroed at the end, as Exp zeroes them.
        var belowNormal = Vector128.LessThanOrEqual(x, Vector128.Create(ExpMin));
        // |x·log2 e| <= 126 here, far inside the 2^22 where the shifted sum keeps n exactly.
        var shifted = x * Log2E + Vector128.Create(RoundingShift);
        var n = shifted - Vector128.Create(RoundingShift);
        var expR = ExpOfRemainder(x, n);
        // The shifted sum's bits are those of 1.5·2^23 plus n, so 2^n's exponent field is read off them without a conversion.
        var twoToN = (shifted.AsInt32() + Vector128.Create(127 - RoundingShiftBits)) << 23;
        return Vector128.AndNot(expR * twoToN.AsSingle(), belowNormal);
    }

    /// <summary>
    /// e^r for r = x - n·ln2, with n the nearest whole number to x·log2 e: the Cody–Waite reduction (ln 2 in two parts,
    /// so the subtraction is exact) and e^r = 1 + r + r²·P(r), P in Estrin's form: three independent pairs, so the chain
    /// is three FMAs deep.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<float> ExpOfRemainder(Vector128<float> x, Vector128<float> n)
    {
        var r = Vector128.FusedMultiplyAdd(n, Vector128.Create(-Ln2High), x);
        r = Vector128.FusedMultiplyAdd(n, Vector128.Create(-Ln2Low), r);
        var r2 = r * r;
        var low = Vector128.FusedMultiplyAdd(Vector128.Create(1.6666665459e-1f), r, Vector128.Create(5.0000001201e-1f));
        var middle = Vector128.FusedMultiplyAdd(Vector128.Create(8.3334519073e-3f), r, Vector128.Create(4.1665795894e-2f));
        var high = Vector128.FusedMultiplyAdd(Vector128.Create(1.9875691500e-4f), r, Vector128.Create(1.3981999507e-3f));
        var p = Vector128.FusedMultiplyAdd(Vector128.FusedMultiplyAdd(high, r2, middle), r2, low);
        return Vector128.FusedMultiplyAdd(p, r2, r) + Vector128<float>.One;
    }

    /// <summary>1.5·2^23: adding it rounds a float of magnitude below 2^22 to an integer (its ulp is 1).</summary>
    private const float RoundingShift = 12582912f;
    private const int RoundingShiftBits = 0x4B400000; // the bits of RoundingShift

    /// <summary>
    /// ln x per lane for finite x &gt; 0 (the arguments a loss passes: sums of exponentials, 1 + e^-|z|); NaN stays NaN.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Log(Vector128<float> x)
    {
        // x = m·2^e with m in [√½, √2), so f = m - 1 is small.
        var bits = x.AsInt32();
        var exponent = (bits >>> 23) - Vector128.Create(127);
        var m = ((bits & Vector128.Create(0x007FFFFF)) | Vector128.Create(0x3F800000)).AsSingle();
        var large = Vector128.GreaterThan(m, Vector128.Create(1.41421356f));
        m = Vector128.ConditionalSelect(large, m * 0.5f, m);
        var e = Vector128.ConvertToSingle(exponent) + (large.AsSingle() & Vector128<float>.One);
        var f = m - Vector128<float>.One;
        var z = f * f;
        var p = Vector128.Create(7.0376836292e-2f);
        p = Vector128.FusedMultiplyAdd(p, f, Vector128.Create(-1.1514610310e-1f));
        p = Vector128.FusedMultiplyAdd(p, f, Vector128.Create(1.1676998740e-1f));
        p = Vector128.FusedMultiplyAdd(p, f, Vector128.Create(-1.2420140846e-1f));
        p = Vector128.FusedMultiplyAdd(p, f, Vector128.Create(1.4249322787e-1f));
        p = Vector128.FusedMultiplyAdd(p, f, Vector128.Create(-1.6668057665e-1f));
        p = Vector128.FusedMultiplyAdd(p, f, Vector128.Create(2.0000714765e-1f));
        p = Vector128.FusedMultiplyAdd(p, f, Vector128.Create(-2.4999993993e-1f));
        p = Vector128.FusedMultiplyAdd(p, f, Vector128.Create(3.3333331174e-1f));
        // ln x = f - z/2 + f·z·P(f) + e·ln2 (ln2 in two parts, low part first).
        var y = f * z * p;
        y = Vector128.FusedMultiplyAdd(e, Vector128.Create(Ln2Low), y);
        y = Vector128.FusedMultiplyAdd(z, Vector128.Create(-0.5f), y);
        var result = Vector128.FusedMultiplyAdd(e, Vector128.Create(Ln2High), f + y);
        return Vector128.ConditionalSelect(Vector128.Equals(x, x), result, x);
    }
}
