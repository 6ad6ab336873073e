using CompiledNets.Kernels;

namespace CompiledNets.Runtime.Tests.Kernels;

/// <summary>The layout of <see cref="InterleavedWeights"/>, value by value, for rows with and without a remainder after the vectors.</summary>
public class InterleavedWeightsTests
{
    [Theory]
    [InlineData(8, 64)]  // whole tiles, whole vectors
    [InlineData(7, 37)]  // a row after the last tile; 37 = vectors and a remainder at every width
    [InlineData(4, 16)]
    [InlineData(6, 20)]
    public void Each_tile_holds_a_vector_of_each_row_in_turn_then_each_rows_remainder(int rows, int columns)
    {
        var weights = new float[rows * columns];
        for (int i = 0; i < weights.Length; i++) weights[i] = i;
        var tiles = new float[weights.Length];
        InterleavedWeights.Interleave(weights, tiles, rows, columns);

        int width = InterleavedWeights.VectorWidth(columns);
        int vectorColumns = width == 0 ? 0 : columns / width * width;
        for (int o = 0; o < rows; o++)
            for (int k = 0; k < columns; k++)
            {
                int tile = o / 4, row = o % 4, position;
                if (tile == rows / 4) position = o * columns; // after the last whole tile: unchanged
                else if (k < vectorColumns) position = tile * 4 * columns + 4 * (k / width * width) + row * width + k % width;
                else position = tile * 4 * columns + 4 * vectorColumns + row * (columns - vectorColumns) + (k - vectorColumns);
                if (tile == rows / 4) position += k;
                Assert.True(tiles[position] == weights[o * columns + k], $"w[{o}, {k}] is not at {position} (width {width})");
            }
    }

    [Fact]
    public void The_width_is_the_widest_accelerated_vector_a_row_holds()
    {
        int widest = System.Runtime.Intrinsics.Vector512.IsHardwareAccelerated ? 16
            : System.Runtime.Intrinsics.Vector256.IsHardwareAccelerated ? 8
            : System.Runtime.Intrinsics.Vector128.IsHardwareAccelerated ? 4 : 0;
        Assert.Equal(widest, InterleavedWeights.VectorWidth(784));
        Assert.True(InterleavedWeights.VectorWidth(12) <= 8);
        Assert.True(InterleavedWeights.VectorWidth(5) <= 4);
        Assert.Equal(0, InterleavedWeights.VectorWidth(3));
    }

    [Fact]
    public void The_copy_is_filled_once_per_change()
    {
        var parameters = new float[600];
        for (int i = 0; i < parameters.Length; i++) parameters[i] = i;
        var copy = new InterleavedWeights([new(100, 0, 8, 40), new(420, 320, 3, 50)]);
        Assert.Equal(470, copy.Length);
        copy.EnsureCurrent(parameters);
        Assert.True(copy.IsCurrent);
        Assert.Equal(100f, copy[0]);   // row 0, column 0 of the first tensor
        Assert.Equal(420f, copy[320]); // the second tensor (3 rows: no whole tile) keeps its layout
        parameters[100] = -1f;
        copy.EnsureCurrent(parameters);
        Assert.Equal(100f, copy[0]); // not marked stale: still the copy it was
        copy.MarkStale();
        copy.EnsureCurrent(parameters);
        Assert.Equal(-1f, copy[0]);
        Assert.Throws<IndexOutOfRangeException>(() => copy[470]);
    }
}
