using System.ComponentModel;

namespace CompiledNets.Kernels;

/// <summary>
/// The 3 × 3 filters of convolutions that predict by Winograd's minimal filtering F(4 × 4, 3 × 3), transformed: each
/// tile of 4 × 4 outputs is then 36 products per channel and filter in place of 144. For filter <c>f</c> and channel
/// <c>c</c> the transform is <c>U = G·g·Gᵀ</c> (6 × 6, from the 3 × 3 filter <c>g</c>), with Lavin and Gray's
/// interpolation points 0, ±1, ±2 and ∞:
/// <code>
/// G = [ 1/4     0     0  ]
///     [-1/6  -1/6  -1/6  ]
///     [-1/6   1/6  -1/6  ]
///     [1/24  1/12   1/6  ]
///     [1/24 -1/12   1/6  ]
///     [ 0      0     1   ]
/// </code>
/// computed in double and rounded once. <see cref="WeightCopy{T}"/> says when the copy is filled again.
/// </summary>
/// <remarks>
/// Layout of a convolution's range: <c>[36][channels][filters]</c>, point <c>p = 6·i + j</c> of <c>U</c> first, so that
/// the product of one point reads a row of filters (whole vectors) per channel.
/// </remarks>
[EditorBrowsable(EditorBrowsableState.Advanced)]
public sealed class WinogradWeights : WeightCopy<float>
{
    /// <summary>Transformed values per filter and channel: 6 × 6.</summary>
    public const int Points = 36;

    /// <summary>
    /// One convolution's weight <c>[Filters, Channels, 3, 3]</c> at <see cref="Source"/> in the parameters, transformed
    /// to <see cref="Destination"/> in the copy (<see cref="Points"/> × channels × filters floats).
    /// </summary>
    public readonly record struct Range(int Source, int Destination, int Filters, int Channels);

    private static readonly double[,] G =
    {
        { 1.0 / 4, 0, 0 },
        { -1.0 / 6, -1.0 / 6, -1.0 / 6 },
        { -1.0 / 6, 1.0 / 6, -1.0 / 6 },
        { 1.0 / 24, 1.0 / 12, 1.0 / 6 },
        { 1.0 / 24, -1.0 / 12, 1.0 / 6 },
        { 0, 0, 1 },
    };

    private readonly Range[] _ranges;

    /// <summary>A copy of the given convolutions' filters, which must not overlap in it.</summary>
    public WinogradWeights(Range[] ranges)
        : base(ranges is null || ranges.Length == 0 ? 0 : ranges.Max(r => r.Destination + Points * r.Filters * r.Channels))
    {
        ArgumentNullException.ThrowIfNull(ranges);
        _ranges = ranges;
    }

    /// <summary>Transforms each range of the parameters into its place in the copy.</summary>
    protected override void Fill(ReadOnlySpan<float> parameters, Span<float> copy)
    {
        foreach (var range in _ranges)
        {
            int count = range.Filters * range.Channels;
            Transform(parameters.Slice(range.Source, 9 * count), copy.Slice(range.Destination, Points * count), range.Filters, range.Channels);
        }
    }

    /// <summary>Writes the transform of <paramref name="weights"/> (<c>[filters, channels, 3, 3]</c>) into <paramref name="transformed"/> (<c>[36, channels, filters]</c>).</summary>
    public static void Transform(ReadOnlySpan<float> weights, Span<float> transformed, int filters, int channels)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(filters);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(channels);
        if (weights.Length != 9 * filters * channels)
            throw new ArgumentException($"Expected {filters} × {channels} × 3 × 3 weights, got {weights.Length}.", nameof(weights));
        if (transformed.Length != Points * filters * channels)
            throw new ArgumentException($"The transform needs {Points * filters * channels} floats, got {transformed.Length}.", nameof(transformed));
        Span<double> half = stackalloc double[6 * 3];
        for (int f = 0; f < filters; f++)
            for (int c = 0; c < channels; c++)
            {
                var g = weights.Slice((f * channels + c) * 9, 9);
                // G·g, 6 × 3
                for (int i = 0; i < 6; i++)
                    for (int k = 0; k < 3; k++)
                        half[i * 3 + k] = G[i, 0] * g[k] + G[i, 1] * g[3 + k] + G[i, 2] * g[6 + k];
                // (G·g)·Gᵀ, 6 × 6
                for (int i = 0; i < 6; i++)
                    for (int j = 0; j < 6; j++)
                        transformed[((i * 6 + j) * channels + c) * filters + f] =
                            (float)(half[i * 3] * G[j, 0] + half[i * 3 + 1] * G[j, 1] + half[i * 3 + 2] * G[j, 2]);
            }
    }
}
