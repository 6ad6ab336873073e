using CompiledNets.Kernels;
using Xunit;

namespace CompiledNets.Runtime.Tests.Kernels;

/// <summary>The dropout kernels against their definition: one <see cref="SeededRandom.NextFloat()"/> per value, in order.</summary>
public class DropoutKernelTests
{
    [Theory]
    [InlineData(1, 0.5f)]
    [InlineData(15, 0.5f)]
    [InlineData(255, 0.2f)]
    [InlineData(256, 0.5f)] // one whole chunk of draws
    [InlineData(257, 0.5f)]
    [InlineData(1600 * 3 + 5, 0.25f)]
    public void Masks_follow_the_generator_stream_value_by_value(int length, float rate)
    {
        var rng = new Random(length);
        var input = Enumerable.Range(0, length).Select(_ => (float)rng.NextDouble() * 4 - 2).ToArray();
        var output = new float[length];
        var mask = new float[length];
        var stream = new SeededRandom(42);
        LayerKernels.DropoutTraining(input, output, mask, rate, ref stream);

        var reference = new SeededRandom(42);
        float scale = 1f / (1f - rate);
        for (int i = 0; i < length; i++)
        {
            float expected = reference.NextFloat() >= rate ? scale : 0f;
            Assert.Equal(expected, mask[i]);
            Assert.Equal(input[i] * expected, output[i]);
        }
        // The stream goes on where the definition's does: the next draw is the same.
        Assert.Equal(reference.NextUInt32(), stream.NextUInt32());
    }

    [Fact]
    public void NextFloats_is_the_same_as_as_many_NextFloat_calls()
    {
        var bulk = new SeededRandom(7);
        var single = new SeededRandom(7);
        var values = new float[1000];
        bulk.NextFloats(values);
        foreach (float value in values) Assert.Equal(single.NextFloat(), value);
    }

    [Fact]
    public void Backward_multiplies_by_the_mask_and_checks_its_length()
    {
        var delta = Enumerable.Range(0, 37).Select(i => i * 0.5f - 3f).ToArray();
        var mask = Enumerable.Range(0, 37).Select(i => i % 3 == 0 ? 0f : 2f).ToArray();
        var expected = delta.Zip(mask, (d, m) => d * m).ToArray();
        LayerKernels.DropoutBackward(delta, mask);
        Assert.Equal(expected, delta);
        var error = Assert.Throws<ArgumentException>(() => LayerKernels.DropoutBackward(new float[8], new float[7]));
        Assert.Contains("mask", error.Message);
    }

    [Fact]
    public void A_short_output_is_an_error_that_says_so()
    {
        var stream = new SeededRandom(1);
        var error = Assert.Throws<ArgumentException>(() => LayerKernels.DropoutTraining(new float[10], new float[9], new float[10], 0.5f, ref stream));
        Assert.Contains("10", error.Message);
    }
}
