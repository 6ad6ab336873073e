namespace CompiledNets.Runtime.Tests.Interpreted;

/// <summary>
/// The output-size and padding rules of convolution and pooling windows (Keras's), on both sides of every edge: input
/// equal to the window and one less, inputs a multiple of the stride and one more, odd and even windows, strides 1–3.
/// </summary>
public class WindowGeometryTests
{
    [Theory]
    // Valid: (in - k) / s + 1, needs in >= k.
    [InlineData(28, 3, 1, 26)]
    [InlineData(26, 2, 2, 13)]
    [InlineData(3, 3, 1, 1)]   // input equal to the window: one output
    [InlineData(3, 3, 2, 1)]
    [InlineData(7, 3, 2, 3)]   // (7 - 3) divisible by 2: the last window ends on the last cell
    [InlineData(8, 3, 2, 3)]   // one more cell: not enough for another window
    [InlineData(9, 3, 2, 4)]
    [InlineData(10, 4, 3, 3)]  // even window, stride 3
    [InlineData(11, 2, 3, 4)]  // stride larger than the window: cells skipped
    public void Valid_output_size(int input, int window, int stride, int expected)
    {
        Assert.True(WindowGeometry.Fits(input, window, Padding.Valid));
        Assert.Equal((expected, 0), WindowGeometry.Resolve(input, window, stride, Padding.Valid));
        // Brute force: the windows o·s .. o·s + k - 1 that lie inside the input.
        Assert.Equal(Enumerable.Range(0, input).Count(o => o * stride + window <= input), expected);
    }

    [Theory]
    [InlineData(2, 3)]
    [InlineData(1, 2)]
    [InlineData(4, 5)]
    public void Valid_needs_the_window_inside_the_input(int input, int window)
    {
        Assert.False(WindowGeometry.Fits(input, window, Padding.Valid));
        Assert.True(WindowGeometry.Fits(input, window, Padding.Same));
    }

    [Theory]
    // Same: out = ceil(in / s), padTotal = max((out - 1)·s + k - in, 0), before = padTotal / 2, the rest after.
    [InlineData(28, 3, 1, 28, 1, 1)]
    [InlineData(5, 4, 1, 5, 1, 2)]   // even kernel: the extra cell after (bottom / right)
    [InlineData(5, 2, 1, 5, 0, 1)]
    [InlineData(6, 2, 2, 3, 0, 0)]   // input a multiple of the stride, window = stride: no padding
    [InlineData(7, 2, 2, 4, 0, 1)]   // one more: a fourth window, padded after
    [InlineData(7, 3, 2, 4, 1, 1)]
    [InlineData(8, 3, 2, 4, 0, 1)]
    [InlineData(8, 5, 3, 3, 1, 2)]
    [InlineData(9, 2, 3, 3, 0, 0)]   // stride larger than the window: the formula's negative total clamps to 0
    [InlineData(1, 5, 1, 1, 2, 2)]   // a window larger than the input
    [InlineData(2, 5, 2, 1, 1, 2)]
    public void Same_output_size_and_padding_split(int input, int window, int stride, int output, int before, int after)
    {
        Assert.Equal((output, before), WindowGeometry.Resolve(input, window, stride, Padding.Same));
        Assert.Equal((output, before), ConvReference.Geometry(input, window, stride, Padding.Same));
        var geometry = WindowGeometry.Create(LayerShape.Image(1, input, input), window, window, stride, Padding.Same);
        Assert.Equal(after, geometry.PadBottom);
        Assert.Equal(after, geometry.PadRight);
    }

    [Fact]
    public void Every_Same_window_holds_an_input_cell_and_every_cell_is_covered_when_stride_fits_the_window()
    {
        for (int input = 1; input <= 12; input++)
        for (int window = 1; window <= 6; window++)
        for (int stride = 1; stride <= 4; stride++)
        {
            var (output, before) = WindowGeometry.Resolve(input, window, stride, Padding.Same);
            Assert.Equal((input + stride - 1) / stride, output);
            for (int o = 0; o < output; o++)
            {
                int start = o * stride - before;
                Assert.True(start < input && start + window > 0, $"in {input}, k {window}, s {stride}: window {o} lies in the padding");
            }
            if (stride <= window)
                for (int cell = 0; cell < input; cell++)
                    Assert.Contains(Enumerable.Range(0, output), o => o * stride - before <= cell && cell < o * stride - before + window);
        }
    }

    [Fact]
    public void Inside_ranges_are_the_outputs_whose_window_cell_is_in_the_input()
    {
        for (int input = 1; input <= 9; input++)
        for (int window = 1; window <= 5; window++)
        for (int stride = 1; stride <= 3; stride++)
        foreach (var padding in new[] { Padding.Valid, Padding.Same })
        {
            if (!WindowGeometry.Fits(input, window, padding)) continue;
            var g = WindowGeometry.Create(LayerShape.Image(1, input, input + 1), window, window, stride, padding);
            for (int k = 0; k < window; k++)
            {
                var (start, end) = g.InsideRows(k);
                var expected = Enumerable.Range(0, g.OutputHeight).Where(o => o * stride - g.PadTop + k is var i && i >= 0 && i < input).ToArray();
                Assert.Equal(expected, Enumerable.Range(start, end - start));
            }
        }
    }
}
