namespace CompiledNets.Runtime.Tests.Interpreted;

/// <summary>The pooling rules the generated code must share: max-pool ties, padding that never wins, averages over inside cells.</summary>
public class PoolMathTests
{
    private static WindowGeometry Geometry(int channels, int height, int width, int size, int stride, Padding padding) =>
        WindowGeometry.Create(LayerShape.Image(channels, height, width), size, size, stride, padding);

    [Fact]
    public void Max_pool_ties_send_the_gradient_to_the_first_maximum_in_row_major_window_order()
    {
        // One 4x4 channel, 2x2 windows: every window holds a tie.
        float[] input =
        [
            5, 5, 1, 2,
            5, 5, 2, 2,
            0, 3, 7, 1,
            3, 3, 1, 7,
        ];
        var g = Geometry(1, 4, 4, 2, 2, Padding.Valid);
        var output = new float[4];
        var winners = new int[4];
        PoolMath.MaxForward(input, output, winners, 1, g);
        Assert.Equal([5f, 2f, 3f, 7f], output);
        Assert.Equal([0, 3, 9, 10], winners); // top-left first, then along the row, then the next row

        var gradient = new float[16];
        PoolMath.MaxBackward([1f, 2f, 3f, 4f], winners, gradient, 1, g);
        float[] expected =
        [
            1, 0, 0, 2,
            0, 0, 0, 0,
            0, 3, 4, 0,
            0, 0, 0, 0,
        ];
        Assert.Equal(expected, gradient);
    }

    [Fact]
    public void Overlapping_windows_add_their_gradients_on_a_shared_maximum()
    {
        // 1x5, window 3 stride 1: the 9 in the middle wins all three windows.
        var g = WindowGeometry.Create(LayerShape.Image(1, 1, 5), 1, 3, 1, Padding.Valid);
        var output = new float[3];
        var winners = new int[3];
        PoolMath.MaxForward([1f, 2f, 9f, 3f, 4f], output, winners, 1, g);
        Assert.Equal([9f, 9f, 9f], output);
        var gradient = new float[5];
        PoolMath.MaxBackward([1f, 10f, 100f], winners, gradient, 1, g);
        Assert.Equal([0f, 0f, 111f, 0f, 0f], gradient);
    }

    [Fact]
    public void Max_pool_padding_never_wins()
    {
        // All values negative: a zero from the padding would win if it counted.
        float[] input = Enumerable.Range(0, 9).Select(i => -1f - i).ToArray();
        var g = Geometry(1, 3, 3, 2, 2, Padding.Same); // 2x2 output, the padding after (bottom, right)
        var output = new float[4];
        PoolMath.MaxForward(input, output, default, 1, g);
        Assert.Equal([-1f, -3f, -7f, -9f], output);
    }

    [Fact]
    public void Average_pool_divides_by_the_cells_inside_the_input()
    {
        float[] input = [1, 2, 3, 4, 5, 6, 7, 8, 9];
        var g = Geometry(1, 3, 3, 2, 2, Padding.Same);
        var output = new float[4];
        PoolMath.AverageForward(input, output, 1, g);
        Assert.Equal([(1 + 2 + 4 + 5) / 4f, (3 + 6) / 2f, (7 + 8) / 2f, 9f], output);

        var gradient = new float[9];
        PoolMath.AverageBackward([4f, 2f, 2f, 1f], gradient, 1, g);
        Assert.Equal([1f, 1f, 1f, 1f, 1f, 1f, 1f, 1f, 1f], gradient);
    }

    [Fact]
    public void Channels_and_samples_pool_separately()
    {
        // Two samples of two 2x2 channels, one window each.
        float[] input = [1, 2, 3, 4, /**/ -1, -2, -3, -4, /**/ 10, 0, 0, 0, /**/ 0, 0, 0, 20];
        var g = Geometry(2, 2, 2, 2, 2, Padding.Valid);
        var output = new float[4];
        var winners = new int[4];
        PoolMath.MaxForward(input, output, winners, 2, g);
        Assert.Equal([4f, -1f, 10f, 20f], output);
        Assert.Equal([3, 4, 0, 7], winners); // indices within each sample
    }
}
