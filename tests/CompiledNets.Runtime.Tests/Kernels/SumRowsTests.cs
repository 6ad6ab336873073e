using CompiledNets.Kernels;
using Xunit;

namespace CompiledNets.Runtime.Tests.Kernels;

/// <summary>Per-sample gradients are summed row after row, so the total's rounding never depends on who computed a row.</summary>
public class SumRowsTests
{
    [Theory]
    [InlineData(1, 1)]
    [InlineData(3, 17)]  // a width that is not a whole number of vectors
    [InlineData(128, 320)] // the Keras convnet's conv1: a batch of its weight and bias gradients
    public void The_sum_is_the_rows_added_in_order(int count, int width)
    {
        var random = new Random(count * 1000 + width);
        var rows = new float[count * width];
        for (int i = 0; i < rows.Length; i++) rows[i] = (float)(random.NextDouble() * 2 - 1) * MathF.Pow(10, random.Next(-3, 4));
        var sum = new float[width];
        sum.AsSpan().Fill(float.NaN); // overwritten, not added to

        LayerKernels.SumRows(rows, count, sum);

        for (int j = 0; j < width; j++)
        {
            float expected = rows[j];
            for (int r = 1; r < count; r++) expected += rows[r * width + j];
            Assert.Equal(expected, sum[j]); // bit for bit: the same additions in the same order
        }
    }

    [Fact]
    public void Rows_that_do_not_fill_the_span_are_an_error()
    {
        var error = Assert.Throws<ArgumentException>(() => LayerKernels.SumRows(new float[10], 3, new float[4]));
        Assert.Contains("Expected 3 rows of 4 values (12), got 10", error.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => LayerKernels.SumRows(new float[0], 0, new float[4]));
    }
}
