using CompiledNets.Kernels;

namespace CompiledNets.Runtime.Tests.Kernels;

/// <summary>
/// <see cref="WinogradWeights"/> holds <c>G·g·Gᵀ</c> of every 3 × 3 filter, point-major. Checked the way the kernels use
/// it: with the input transform <c>Bᵀ·d·B</c> of a 6 × 6 tile and the output transform <c>Aᵀ·M·A</c>, summed over the
/// channels, it must give the 4 × 4 outputs of the direct correlation of that tile, to float rounding.
/// </summary>
public class WinogradWeightsTests
{
    private static readonly double[,] BT =
    {
        { 4, 0, -5, 0, 1, 0 },
        { 0, -4, -4, 1, 1, 0 },
        { 0, 4, -4, -1, 1, 0 },
        { 0, -2, -1, 2, 1, 0 },
        { 0, 2, -1, -2, 1, 0 },
        { 0, 4, 0, -5, 0, 1 },
    };

    private static readonly double[,] AT =
    {
        { 1, 1, 1, 1, 1, 0 },
        { 0, 1, -1, 2, -2, 0 },
        { 0, 1, 1, 4, 4, 0 },
        { 0, 1, -1, 8, -8, 1 },
    };

    /// <summary><c>L·X·Rᵀ</c> for square X.</summary>
    private static double[,] Sandwich(double[,] left, double[,] x, double[,] right)
    {
        int rows = left.GetLength(0), inner = x.GetLength(0), columns = right.GetLength(0);
        var half = new double[rows, inner];
        for (int i = 0; i < rows; i++)
            for (int k = 0; k < inner; k++)
                for (int m = 0; m < inner; m++) half[i, k] += left[i, m] * x[m, k];
        var result = new double[rows, columns];
        for (int i = 0; i < rows; i++)
            for (int j = 0; j < columns; j++)
                for (int k = 0; k < inner; k++) result[i, j] += half[i, k] * right[j, k];
        return result;
    }

    [Theory]
    [InlineData(1, 1)]
    [InlineData(5, 3)]
    [InlineData(16, 32)]
    public void Transformed_filters_give_the_direct_correlation_of_a_tile(int filters, int channels)
    {
        var random = new Random(filters * 100 + channels);
        var weights = new float[filters * channels * 9];
        for (int i = 0; i < weights.Length; i++) weights[i] = (float)(random.NextDouble() - 0.5);
        var tile = new double[channels][,];
        for (int c = 0; c < channels; c++)
        {
            tile[c] = new double[6, 6];
            for (int i = 0; i < 6; i++)
                for (int j = 0; j < 6; j++) tile[c][i, j] = (float)(random.NextDouble() * 2 - 1);
        }
        var transformed = new float[WinogradWeights.Points * filters * channels];
        WinogradWeights.Transform(weights, transformed, filters, channels);

        var inputs = tile.Select(d => Sandwich(BT, d, BT)).ToArray();
        for (int f = 0; f < filters; f++)
        {
            var products = new double[6, 6];
            for (int c = 0; c < channels; c++)
                for (int i = 0; i < 6; i++)
                    for (int j = 0; j < 6; j++) products[i, j] += transformed[((i * 6 + j) * channels + c) * filters + f] * inputs[c][i, j];
            var outputs = Sandwich(AT, products, AT);
            for (int r = 0; r < 4; r++)
                for (int s = 0; s < 4; s++)
                {
                    double direct = 0, scale = 0;
                    for (int c = 0; c < channels; c++)
                        for (int kh = 0; kh < 3; kh++)
                            for (int kw = 0; kw < 3; kw++)
                            {
                                double term = weights[((f * channels + c) * 3 + kh) * 3 + kw] * tile[c][r + kh, s + kw];
                                direct += term;
                                scale += Math.Abs(term);
                            }
                    // The only rounding is of the transformed filters to float: about 2⁻²⁴ of each, amplified by the
                    // transforms' coefficients (up to 8 × 25 here).
                    Assert.True(Math.Abs(outputs[r, s] - direct) <= 1e-5 * scale, $"filter {f}, output ({r}, {s}): {outputs[r, s]} against {direct}");
                }
        }
    }

    [Fact]
    public void The_copy_follows_the_parameters_at_each_range()
    {
        // Two convolutions in one parameter vector, with other values around them.
        var parameters = new float[10 + 2 * 3 * 9 + 7 + 4 * 1 * 9];
        var random = new Random(3);
        for (int i = 0; i < parameters.Length; i++) parameters[i] = (float)random.NextDouble();
        var copy = new WinogradWeights([new(10, 0, 2, 3), new(10 + 54 + 7, 36 * 6, 4, 1)]);
        Assert.Equal(36 * 6 + 36 * 4, copy.Length);
        copy.EnsureCurrent(parameters);

        float[] Expected(int source, int filters, int channels)
        {
            var transformed = new float[36 * filters * channels];
            WinogradWeights.Transform(parameters.AsSpan(source, 9 * filters * channels), transformed, filters, channels);
            return transformed;
        }
        Assert.Equal(Expected(10, 2, 3), copy.Span[..(36 * 6)].ToArray());
        Assert.Equal(Expected(71, 4, 1), copy.Span[(36 * 6)..].ToArray());

        parameters[71] += 1f;
        copy.EnsureCurrent(parameters);
        Assert.NotEqual(Expected(71, 4, 1), copy.Span[(36 * 6)..].ToArray()); // not marked stale: still the old transform
        copy.MarkStale();
        copy.EnsureCurrent(parameters);
        Assert.Equal(Expected(71, 4, 1), copy.Span[(36 * 6)..].ToArray());
    }

    [Fact]
    public void Mismatched_lengths_are_refused()
    {
        Assert.Throws<ArgumentException>(() => WinogradWeights.Transform(new float[17], new float[36 * 2], 2, 1));
        Assert.Throws<ArgumentException>(() => WinogradWeights.Transform(new float[18], new float[36], 2, 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => WinogradWeights.Transform(new float[0], new float[0], 0, 1));
    }
}
