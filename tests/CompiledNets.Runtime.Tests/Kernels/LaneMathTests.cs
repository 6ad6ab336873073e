using System.Runtime.Intrinsics;
using CompiledNets.Kernels;
using Xunit;

namespace CompiledNets.Runtime.Tests.Kernels;

public class LaneMathTests
{
    /// <summary>Distance in units in the last place between two finite floats of the same sign.</summary>
    private static int Ulps(float a, float b) => Math.Abs(BitConverter.SingleToInt32Bits(a) - BitConverter.SingleToInt32Bits(b));

    [Fact]
    public void Exp_is_within_2_ulp_of_MathF_Exp_over_the_normal_range()
    {
        int worst = 0;
        for (float x = -87f; x <= 88f; x += 0.0137f)
        {
            var lanes = LaneMath.Exp(Vector128.Create(x, -x * 0.5f, x * 0.25f, 0f));
            worst = Math.Max(worst, Ulps(lanes[0], MathF.Exp(x)));
            worst = Math.Max(worst, Ulps(lanes[1], MathF.Exp(-x * 0.5f)));
            worst = Math.Max(worst, Ulps(lanes[2], MathF.Exp(x * 0.25f)));
            Assert.Equal(1f, lanes[3]);
        }
        Assert.InRange(worst, 0, 2);
    }

    [Fact]
    public void Exp_clamps_past_the_float_range_and_keeps_NaN()
    {
        var lanes = LaneMath.Exp(Vector128.Create(-1000f, 1000f, float.NaN, float.NegativeInfinity));
        Assert.Equal(0f, lanes[0]);
        Assert.True(lanes[1] > 1e38f && float.IsFinite(lanes[1]), $"exp(1000) gave {lanes[1]}");
        Assert.True(float.IsNaN(lanes[2]));
        Assert.Equal(0f, lanes[3]);
    }

    [Fact]
    public void Exp_flushes_results_below_the_normal_range_to_zero()
    {
        // e^-87.4 and e^-100 are subnormal floats (MathF gives them); LaneMath gives 0 so that nothing downstream computes
        // with subnormals. Just above the boundary the result is the normal float MathF.Exp gives.
        var lanes = LaneMath.Exp(Vector128.Create(-87.4f, -100f, -103.9f, -87.3f));
        Assert.True(float.IsSubnormal(MathF.Exp(-87.4f)));
        Assert.Equal(0f, lanes[0]);
        Assert.Equal(0f, lanes[1]);
        Assert.Equal(0f, lanes[2]);
        Assert.True(float.IsNormal(lanes[3]), $"exp(-87.3) gave {lanes[3]:R}");
        Assert.InRange(Ulps(lanes[3], MathF.Exp(-87.3f)), 0, 2);
    }

    [Fact]
    public void ExpNonPositive_is_bitwise_Exp_for_every_sampled_non_positive_float()
    {
        // Every 61st bit pattern with the sign bit set, from -0 through -infinity to the negative NaNs (35 million floats),
        // four per call, plus the edges.
        int checkedCount = 0;
        for (long bits = 0x80000000L; bits <= 0xFFFFFFFFL; bits += 4 * 61)
        {
            var x = Vector128.Create(Float(bits), Float(Math.Min(bits + 61, 0xFFFFFFFFL)), Float(Math.Min(bits + 122, 0xFFFFFFFFL)), Float(Math.Min(bits + 183, 0xFFFFFFFFL)));
            AssertBitwiseEqual(LaneMath.Exp(x), LaneMath.ExpNonPositive(x), x);
            checkedCount += 4;
        }
        Assert.True(checkedCount > 35_000_000, $"{checkedCount} floats checked");
        // Every x whose product with log2 e rounds to a half-integer exactly: n is a tie there, rounded to even.
        int ties = 0;
        for (int k = 0; k < 126; k++)
        {
            float x = -(k + 0.5f) / Log2E;
            for (int step = 0; step < 8; step++) x = MathF.BitDecrement(x);
            for (int step = 0; step < 16; step++, x = MathF.BitIncrement(x))
            {
                if (x * Log2E != -(k + 0.5f)) continue;
                AssertBitwiseEqual(LaneMath.Exp(Vector128.Create(x)), LaneMath.ExpNonPositive(Vector128.Create(x)), Vector128.Create(x));
                ties++;
            }
        }
        Assert.True(ties > 100, $"{ties} ties found");
        // The boundary, tiny and huge magnitudes, NaN: each with its neighbours on the non-positive side.
        foreach (float edge in new[] { -0f, -87.3365447504f, -87f, -1e-30f, -float.Epsilon, float.MinValue, float.NegativeInfinity, float.NaN })
        {
            float closer = edge < 0 ? MathF.BitIncrement(edge) : edge;
            var x = Vector128.Create(edge, MathF.BitDecrement(edge), closer, 0f);
            AssertBitwiseEqual(LaneMath.Exp(x), LaneMath.ExpNonPositive(x), x);
        }
    }

    [Fact]
    public void ExpNonPositive_keeps_NaN_and_gives_zero_at_minus_infinity()
    {
        var lanes = LaneMath.ExpNonPositive(Vector128.Create(float.NaN, float.NegativeInfinity, -0f, 0f));
        Assert.True(float.IsNaN(lanes[0]));
        Assert.Equal(0f, lanes[1]);
        Assert.Equal(1f, lanes[2]);
        Assert.Equal(1f, lanes[3]);
    }

    private const float Log2E = 1.44269504088896341f;

    private static float Float(long bits) => BitConverter.Int32BitsToSingle(unchecked((int)(uint)bits));

    private static void AssertBitwiseEqual(Vector128<float> expected, Vector128<float> actual, Vector128<float> x)
    {
        for (int lane = 0; lane < 4; lane++)
        {
            // Bits, not values: a NaN must come out with the same payload too.
            int e = BitConverter.SingleToInt32Bits(expected[lane]), a = BitConverter.SingleToInt32Bits(actual[lane]);
            if (e != a) Assert.Fail($"exp({x[lane]:R}): Exp gives {expected[lane]:R} (0x{e:X8}), ExpNonPositive {actual[lane]:R} (0x{a:X8})");
        }
    }

    [Fact]
    public void Log_is_within_2_ulp_of_MathF_Log_for_positive_normal_floats()
    {
        int worst = 0;
        var random = new Random(7);
        for (int i = 0; i < 200_000; i++)
        {
            // Log-uniform over the normal range, plus the arguments a loss passes (1 to 2, and near 1).
            float x = i % 3 == 0 ? 1f + (float)random.NextDouble() : i % 3 == 1 ? 1f + (float)random.NextDouble() * 1e-4f : MathF.Exp((float)(random.NextDouble() * 174 - 87));
            float actual = LaneMath.Log(Vector128.Create(x))[0];
            float expected = MathF.Log(x);
            // Near x = 1 the result is near 0, where ulps are tiny: judge by the absolute error there.
            if (MathF.Abs(expected) < 1e-3f) Assert.True(MathF.Abs(actual - expected) <= 2e-7f * MathF.Max(MathF.Abs(expected), 1e-7f) + 1e-10f, $"log({x:R}) = {actual:R}, expected {expected:R}");
            else worst = Math.Max(worst, Ulps(actual, expected));
        }
        Assert.InRange(worst, 0, 2);
        Assert.Equal(0f, LaneMath.Log(Vector128.Create(1f))[0]);
    }

    [Fact]
    public void Log_keeps_NaN()
    {
        Assert.True(float.IsNaN(LaneMath.Log(Vector128.Create(float.NaN))[0]));
    }
}
