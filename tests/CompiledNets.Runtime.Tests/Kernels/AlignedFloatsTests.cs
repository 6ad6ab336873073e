using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using CompiledNets.Kernels;
using Xunit;

namespace CompiledNets.Runtime.Tests.Kernels;

public class AlignedFloatsTests
{
    internal static unsafe long AddressModulo64(ReadOnlySpan<float> span) =>
        (long)(nuint)Unsafe.AsPointer(ref MemoryMarshal.GetReference(span)) % AlignedFloats.Alignment;

    [Theory]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(16)]
    [InlineData(33)]
    [InlineData(1000)]
    [InlineData(100_000)] // a deep layer's size
    public void Every_buffer_starts_on_a_64_byte_boundary_and_is_zeroed(int length)
    {
        // Many buffers in a row: an array starts on a 64-byte boundary one time in eight by chance, so one could pass by luck.
        for (int i = 0; i < 16; i++)
        {
            var buffer = new AlignedFloats(length);
            Assert.Equal(length, buffer.Length);
            Assert.Equal(length, buffer.Span.Length);
            Assert.Equal(0, AddressModulo64(buffer.Span));
            Assert.All(buffer.Span.ToArray(), value => Assert.Equal(0f, value));
        }
    }

    [Fact]
    public void Indexer_spans_and_slices_see_the_same_floats()
    {
        var buffer = new AlignedFloats(40);
        for (int i = 0; i < buffer.Length; i++) buffer[i] = i;
        ref float fifth = ref buffer[5];
        fifth = -5f;
        Assert.Equal(-5f, buffer.Span[5]);
        Span<float> slice = buffer.AsSpan(10, 3);
        Assert.Equal([10f, 11f, 12f], slice.ToArray());
        slice[0] = 99f;
        Assert.Equal(99f, buffer[10]);
        ReadOnlySpan<float> readOnly = buffer;
        Assert.Equal(39f, readOnly[^1]);
        Assert.True(Unsafe.AreSame(ref buffer[0], ref MemoryMarshal.GetReference(buffer.AsSpan())));
    }

    [Fact]
    public void Indices_outside_the_buffer_throw_and_say_so()
    {
        var buffer = new AlignedFloats(4);
        var error = Assert.Throws<IndexOutOfRangeException>(() => buffer[4] = 1f);
        Assert.Contains("4 floats", error.Message);
        Assert.Throws<IndexOutOfRangeException>(() => buffer[-1]);
        Assert.Throws<ArgumentOutOfRangeException>(() => buffer.AsSpan(2, 3));
        Assert.Throws<IndexOutOfRangeException>(() => new AlignedFloats(0)[0]);
        Assert.Throws<ArgumentOutOfRangeException>(() => new AlignedFloats(-1));
        Assert.Throws<ArgumentOutOfRangeException>(() => new AlignedFloats(AlignedFloats.MaxLength + 1));
    }
}
