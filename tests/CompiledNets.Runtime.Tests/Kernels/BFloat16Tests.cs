using CompiledNets.Kernels;
using Xunit;

namespace CompiledNets.Runtime.Tests.Kernels;

public class BFloat16Tests
{
    private static float Float(uint bits) => BitConverter.UInt32BitsToSingle(bits);

    [Theory]
    [InlineData(0x3F80_0000u, 0x3F80)] // 1 is exact
    [InlineData(0x3F80_7FFFu, 0x3F80)] // just below half way: down
    [InlineData(0x3F80_8000u, 0x3F80)] // half way, even below: stays even
    [InlineData(0x3F81_8000u, 0x3F82)] // half way, odd below: up to even
    [InlineData(0x3F80_8001u, 0x3F81)] // just above half way: up
    [InlineData(0xBF80_8001u, 0xBF81)] // the same for a negative value
    [InlineData(0x7F7F_FFFFu, 0x7F80)] // float.MaxValue rounds past bfloat16's largest: infinity
    [InlineData(0x7F80_0000u, 0x7F80)] // +infinity
    [InlineData(0xFF80_0000u, 0xFF80)] // -infinity
    [InlineData(0x8000_0000u, 0x8000)] // -0
    [InlineData(0x0000_8000u, 0x0000)] // a subnormal half way: even
    [InlineData(0x0001_8000u, 0x0002)]
    public void Narrowing_rounds_to_nearest_even(uint bits, int expected)
    {
        Assert.Equal((ushort)expected, BFloat16.FromSingle(Float(bits)));
        var narrowed = new ushort[20];
        BFloat16.Narrow(Enumerable.Repeat(Float(bits), 20).ToArray(), narrowed);
        Assert.All(narrowed, value => Assert.Equal((ushort)expected, value));
    }

    [Theory]
    [InlineData(0x7FC0_0000u)] // the quiet NaN
    [InlineData(0x7F80_0001u)] // a signalling NaN whose payload is all in the low half
    [InlineData(0x7FFF_FFFFu)] // rounding this payload up would carry into the sign
    [InlineData(0xFFFF_FFFFu)]
    public void A_NaN_stays_a_NaN_of_its_sign(uint bits)
    {
        float narrowed = BFloat16.ToSingle(BFloat16.FromSingle(Float(bits)));
        Assert.True(float.IsNaN(narrowed));
        Assert.Equal(bits >> 31, BitConverter.SingleToUInt32Bits(narrowed) >> 31);
        var vector = new ushort[17];
        BFloat16.Narrow(Enumerable.Repeat(Float(bits), 17).ToArray(), vector);
        Assert.All(vector, value => Assert.Equal(BFloat16.FromSingle(Float(bits)), value));
    }

    [Fact]
    public void The_vector_narrowing_is_the_scalar_one_on_random_bits()
    {
        var random = new Random(5);
        var values = new float[1003];
        for (int i = 0; i < values.Length; i++) values[i] = Float((uint)random.NextInt64(0, 1L << 32));
        var narrowed = new ushort[values.Length];
        BFloat16.Narrow(values, narrowed);
        for (int i = 0; i < values.Length; i++) Assert.Equal(BFloat16.FromSingle(values[i]), narrowed[i]);
    }

    [Fact]
    public void The_relative_error_of_a_normal_value_is_at_most_half_a_unit_in_the_last_place()
    {
        var random = new Random(6);
        for (int i = 0; i < 10_000; i++)
        {
            float value = (float)((random.NextDouble() * 2 - 1) * Math.Pow(2, random.Next(-100, 100)));
            float rounded = BFloat16.ToSingle(BFloat16.FromSingle(value));
            Assert.True(MathF.Abs(rounded - value) <= BFloat16.RelativeRounding * MathF.Abs(value), $"{value:R} -> {rounded:R}");
        }
    }

    [Fact]
    public void The_widening_loads_give_the_exact_values()
    {
        var bits = new ushort[40];
        for (int i = 0; i < bits.Length; i++) bits[i] = BFloat16.FromSingle(i * 0.37f - 5f);
        var v512 = BFloat16.LoadVector512(ref bits[3], 2);
        var v256 = BFloat16.LoadVector256(ref bits[3], 2);
        var v128 = BFloat16.LoadVector128(ref bits[3], 2);
        for (int i = 0; i < 16; i++) Assert.Equal(BFloat16.ToSingle(bits[5 + i]), v512[i]);
        for (int i = 0; i < 8; i++) Assert.Equal(BFloat16.ToSingle(bits[5 + i]), v256[i]);
        for (int i = 0; i < 4; i++) Assert.Equal(BFloat16.ToSingle(bits[5 + i]), v128[i]);
    }

    [Fact]
    public void The_copy_is_narrowed_once_per_change_and_only_when_complete()
    {
        var parameters = new float[1000];
        for (int i = 0; i < parameters.Length; i++) parameters[i] = i + 0.5f;
        var copy = new BFloat16Weights([new(10, 0, 300), new(500, 320, 100)]);
        Assert.Equal(420, copy.Length);
        Assert.False(copy.IsCurrent);
        Parallel.For(0, 8, _ => copy.EnsureCurrent(parameters));
        Assert.True(copy.IsCurrent);
        Assert.Equal(BFloat16.FromSingle(10.5f), copy[0]);
        Assert.Equal(BFloat16.FromSingle(500.5f), copy[320]);
        parameters[10] = -3f;
        copy.EnsureCurrent(parameters);
        Assert.NotEqual(BFloat16.FromSingle(-3f), copy[0]); // not marked: the copy is still the one it was
        copy.MarkStale();
        Assert.False(copy.IsCurrent);
        copy.EnsureCurrent(parameters);
        Assert.Equal(BFloat16.FromSingle(-3f), copy[0]);
        Assert.Throws<IndexOutOfRangeException>(() => copy[420]);
    }
}
