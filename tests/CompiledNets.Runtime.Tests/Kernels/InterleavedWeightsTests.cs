using CompiledNets.Kernels;

namespace CompiledNets.Runtime.Tests.Kernels;

/// <summary>
/// <see cref="InterleavedWeights"/> holds each tile of 4 rows in the order a single-sample dot tile reads it, so that the
/// tile reads one stream: checked against that read order, at every vector width, for rows with and without a remainder
/// after the vectors and for rows after the last whole tile.
/// </summary>
public class InterleavedWeightsTests
{
    /// <summary>The order the generated tile reads w[o, k]: per tile, a vector of each row in turn, then each row's last inputs; then the rows left, one by one.</summary>
    private static List<float> ReadOrder(float[] weights, int rows, int columns, int width)
    {
        var order = new List<float>();
        int wholeTiles = rows / 4, vectorColumns = width == 0 ? 0 : columns - columns % width;
        for (int tile = 0; tile < wholeTiles; tile++)
        {
            for (int k = 0; k < vectorColumns; k += width)
                for (int row = 4 * tile; row < 4 * tile + 4; row++)
                    for (int lane = 0; lane < width; lane++) order.Add(weights[row * columns + k + lane]);
            for (int row = 4 * tile; row < 4 * tile + 4; row++)
                for (int k = vectorColumns; k < columns; k++) order.Add(weights[row * columns + k]);
        }
        for (int row = 4 * wholeTiles; row < rows; row++)
            for (int k = 0; k < columns; k++) order.Add(weights[row * columns + k]);
        return order;
    }

    private static float[] Numbered(int count) => Enumerable.Range(0, count).Select(i => (float)i).ToArray();

    [Theory]
    [InlineData(8, 64, 16)]
    [InlineData(7, 37, 16)] // a row after the last tile; 37 leaves a remainder at every width
    [InlineData(7, 37, 8)]
    [InlineData(7, 37, 4)]
    [InlineData(6, 20, 0)]  // no vector steps: the parameters' layout
    [InlineData(4, 16, 16)]
    public void The_copy_is_the_tiles_read_order_front_to_back(int rows, int columns, int width)
    {
        var weights = Numbered(rows * columns);
        var tiles = new float[weights.Length];
        InterleavedWeights.Interleave(weights, tiles, rows, columns, width);
        Assert.Equal(ReadOrder(weights, rows, columns, width), tiles);
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
    public void Mismatched_lengths_and_widths_are_refused()
    {
        Assert.Throws<ArgumentException>(() => InterleavedWeights.Interleave(new float[12], new float[12], 4, 4, 4));
        Assert.Throws<ArgumentException>(() => InterleavedWeights.Interleave(new float[16], new float[12], 4, 4, 4));
        Assert.Throws<ArgumentOutOfRangeException>(() => InterleavedWeights.Interleave(new float[16], new float[16], 4, 4, 8));
    }

    [Fact]
    public void Each_range_is_interleaved_into_its_place_once_per_change()
    {
        var parameters = Numbered(600);
        var copy = new InterleavedWeights([new(100, 0, 8, 40), new(420, 320, 3, 50)]);
        Assert.Equal(470, copy.Length);
        copy.EnsureCurrent(parameters);
        Assert.True(copy.IsCurrent);
        int width = InterleavedWeights.VectorWidth(40);
        Assert.Equal(ReadOrder(parameters[100..420], 8, 40, width), copy.Span[..320].ToArray());
        Assert.Equal(parameters[420..570], copy.Span[320..470].ToArray()); // 3 rows: no whole tile
        parameters[100] = -1f;
        copy.EnsureCurrent(parameters);
        Assert.Equal(100f, copy[0]); // not marked stale: still the copy it was
        copy.MarkStale();
        copy.EnsureCurrent(parameters);
        Assert.Equal(-1f, copy[0]);
        Assert.Throws<IndexOutOfRangeException>(() => copy[470]);
    }
}
