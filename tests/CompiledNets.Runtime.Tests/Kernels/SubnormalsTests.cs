using System.Runtime.Intrinsics;
using CompiledNets.Kernels;
using Xunit;

namespace CompiledNets.Runtime.Tests.Kernels;

public class SubnormalsTests
{
    private static readonly float[] Subnormal = [float.Epsilon, -float.Epsilon, 1e-39f, -1e-39f, 1.1754942e-38f];
    private static readonly float[] Kept = [0f, Subnormals.SmallestNormal, -Subnormals.SmallestNormal, 1e-30f, -2.5f, float.MaxValue, float.PositiveInfinity, float.NegativeInfinity];

    [Fact]
    public void Smallest_normal_is_the_boundary_of_the_normal_range()
    {
        Assert.True(float.IsNormal(Subnormals.SmallestNormal));
        Assert.True(float.IsSubnormal(BitConverter.Int32BitsToSingle(BitConverter.SingleToInt32Bits(Subnormals.SmallestNormal) - 1)));
    }

    [Fact]
    public void Span_flush_zeroes_subnormals_in_every_path_and_keeps_the_rest()
    {
        // 45 values: with AVX-512 the 16-wide (0-31), 4-wide (32-43) and scalar (44) loops; without it the 4-wide loop
        // takes 0-43. Each vector loop sees subnormal and kept values.
        var values = new float[45];
        for (int i = 0; i < values.Length; i++)
            values[i] = i % 3 == 0 ? Subnormal[i % Subnormal.Length] : Kept[i % Kept.Length];
        values[37] = float.NaN;
        values[43] = float.NaN;
        var before = (float[])values.Clone();
        Subnormals.FlushToZero(values);
        for (int i = 0; i < values.Length; i++)
        {
            if (float.IsSubnormal(before[i])) Assert.Equal(0f, values[i]);
            else Assert.Equal(BitConverter.SingleToInt32Bits(before[i]), BitConverter.SingleToInt32Bits(values[i]));
        }
    }

    [Fact]
    public void Vector_and_scalar_flushes_agree()
    {
        foreach (float x in Subnormal.Concat(Kept).Append(float.NaN))
        {
            float expected = Subnormals.FlushToZero(x);
            Assert.Equal(float.IsSubnormal(x) ? 0f : x, expected);
            Assert.Equal(expected, Subnormals.FlushToZero(Vector128.Create(x))[3]);
            Assert.Equal(expected, Subnormals.FlushToZero(Vector256.Create(x))[7]);
            Assert.Equal(expected, Subnormals.FlushToZero(Vector512.Create(x))[15]);
        }
    }

    [Fact]
    public void Negligible_loss_gradients_are_those_below_two_to_the_minus_64()
    {
        Assert.Equal(Subnormals.NegligibleLossGradient, MathF.Pow(2f, -64f));
        float justBelow = BitConverter.Int32BitsToSingle(BitConverter.SingleToInt32Bits(Subnormals.NegligibleLossGradient) - 1);
        float[] flushed = [justBelow, -justBelow, 1e-30f, -3e-25f, float.Epsilon, 0f];
        float[] kept = [Subnormals.NegligibleLossGradient, -Subnormals.NegligibleLossGradient, 1e-19f, -0.25f, float.PositiveInfinity];
        // 13 values: two 4-wide steps and a scalar tail, each holding flushed and kept ones; NaN stays NaN.
        float[] values = [.. flushed, .. kept, float.NaN, 7f];
        var before = (float[])values.Clone();
        Subnormals.FlushNegligible(values);
        for (int i = 0; i < values.Length; i++)
        {
            bool negligible = MathF.Abs(before[i]) < Subnormals.NegligibleLossGradient;
            Assert.Equal(negligible ? 0f : before[i], values[i]);
            Assert.Equal(negligible ? 0f : before[i], Subnormals.FlushNegligible(Vector128.Create(before[i]))[2]);
        }
        Assert.True(float.IsNaN(values[^2]));
    }
}
