using System.Runtime.CompilerServices;
using CompiledNets.Kernels;
using Xunit;

namespace CompiledNets.Runtime.Tests.Kernels;

/// <summary>The guard bands the equivalence suite puts around every buffer catch a stray store on either side.</summary>
[Collection(nameof(BufferGuardsTests))] // switches a process-wide setting
public class BufferGuardsTests
{
    [Theory]
    [InlineData(1, 0)]      // the float just past the end
    [InlineData(37, 200)]   // a store far past it
    [InlineData(16, -1)]    // the float just before the start
    [InlineData(1000, -250)]
    public void A_store_outside_a_guarded_buffer_is_reported_and_the_buffer_is_still_aligned(int length, int beyondEnd)
    {
        AlignedFloats buffer;
        try
        {
            BufferGuards.Enabled = true;
            buffer = new AlignedFloats(length);
        }
        finally
        {
            BufferGuards.Enabled = false;
        }
        Assert.Equal(0, AlignedFloatsTests.AddressModulo64(buffer.Span));
        buffer.Span.Fill(3f); // writes inside are fine
        BufferGuards.Verify();

        ref float stray = ref beyondEnd >= 0
            ? ref Unsafe.Add(ref buffer[length - 1], 1 + beyondEnd)
            : ref Unsafe.Add(ref buffer[0], beyondEnd);
        float marker = stray;
        stray = 0f;
        var error = Assert.Throws<InvalidOperationException>(BufferGuards.Verify);
        Assert.Contains(beyondEnd >= 0 ? $"{1 + beyondEnd} float(s) past its end" : $"{-beyondEnd} float(s) before its start", error.Message);
        Assert.Contains($"buffer of {length} floats", error.Message);
        Assert.Contains(nameof(A_store_outside_a_guarded_buffer_is_reported_and_the_buffer_is_still_aligned), error.Message);

        stray = marker;
        BufferGuards.Verify();
        GC.KeepAlive(buffer);
    }
}
