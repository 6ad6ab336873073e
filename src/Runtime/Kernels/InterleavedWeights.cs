using System.ComponentModel;
using System.Runtime.Intrinsics;

namespace CompiledNets.Kernels;

/// <summary>
/// A float32 copy of Dense weights in the order single-sample <c>Predict</c> streams them. A product of one sample
/// reads the rows of a tile of <see cref="TileRows"/> outputs side by side, a vector of each row per step. From the
/// parameters' row-major layout that is four streams through memory, and a core pulls four streams from its L2 at
/// about two thirds of the rate it pulls one. In the copy, each tile's rows are interleaved by vector, so the product
/// reads one stream. The values and the order of every sum are unchanged, so predictions are bitwise the same.
/// <see cref="WeightCopy{T}"/> says when the copy is filled again.
/// </summary>
/// <remarks>
/// Layout of a tensor of <c>rows × columns</c>, with <c>v</c> = <see cref="VectorWidth"/> and <c>kv</c> the columns the
/// vector loop covers (<c>columns</c> rounded down to a multiple of <c>v</c>): tile <c>t</c> (rows 4t to 4t + 3) starts
/// where row 4t starts in the parameters; its first <c>4·kv</c> values are, for each step k = 0, v, 2v, …, the v values
/// from column k of row 0, of row 1, of row 2 and of row 3; then each row's columns from kv on, row after row. The
/// rows after the last whole tile keep their layout.
/// </remarks>
[EditorBrowsable(EditorBrowsableState.Advanced)]
public sealed class InterleavedWeights : WeightCopy<float>
{
    /// <summary>Rows per tile: the outputs of the generated single-sample tile.</summary>
    public const int TileRows = 4;

    /// <summary>One weight tensor of <see cref="Rows"/> × <see cref="Columns"/> floats at <see cref="Source"/> in the parameters, copied to <see cref="Destination"/>.</summary>
    public readonly record struct Range(int Source, int Destination, int Rows, int Columns);

    private readonly Range[] _ranges;

    /// <summary>A copy of the given tensors, which must not overlap in it.</summary>
    public InterleavedWeights(Range[] ranges)
        : base(ranges is null || ranges.Length == 0 ? 0 : ranges.Max(r => r.Destination + r.Rows * r.Columns))
    {
        ArgumentNullException.ThrowIfNull(ranges);
        _ranges = ranges;
    }

    /// <summary>
    /// Floats per step of the generated dot tiles on this machine for rows of <paramref name="columns"/>: the first
    /// accelerated width of 512, 256 and 128 bits no longer than a row, as the tiles try them; 0 when none is (every
    /// column is then read one at a time, and the copy keeps the parameters' layout).
    /// </summary>
    public static int VectorWidth(int columns) =>
        columns >= 16 && Vector512.IsHardwareAccelerated ? 16
        : columns >= 8 && Vector256.IsHardwareAccelerated ? 8
        : columns >= 4 && Vector128.IsHardwareAccelerated ? 4
        : 0;

    /// <summary>Interleaves each range of the parameters into its place in the copy.</summary>
    protected override void Fill(ReadOnlySpan<float> parameters, Span<float> copy)
    {
        foreach (var range in _ranges)
            Interleave(parameters.Slice(range.Source, range.Rows * range.Columns), copy.Slice(range.Destination, range.Rows * range.Columns), range.Rows, range.Columns);
    }

    /// <summary>Writes <paramref name="weights"/> (row-major) into <paramref name="tiles"/> in the layout of the remarks, for this machine's <see cref="VectorWidth"/>.</summary>
    public static void Interleave(ReadOnlySpan<float> weights, Span<float> tiles, int rows, int columns) =>
        Interleave(weights, tiles, rows, columns, VectorWidth(columns));

    /// <summary>
    /// Writes <paramref name="weights"/> (row-major) into <paramref name="tiles"/> in the layout of the remarks, in steps
    /// of <paramref name="width"/> floats (0: no vector steps, the parameters' layout).
    /// </summary>
    public static void Interleave(ReadOnlySpan<float> weights, Span<float> tiles, int rows, int columns, int width)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(width);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(width, columns);
        if (weights.Length != rows * columns) throw new ArgumentException($"Expected {rows} × {columns} weights, got {weights.Length}.", nameof(weights));
        if (tiles.Length != weights.Length) throw new ArgumentException($"The copy needs {weights.Length} floats, got {tiles.Length}.", nameof(tiles));
        int vectorColumns = width == 0 ? 0 : columns / width * width, tail = columns - vectorColumns;
        int tileFloats = TileRows * columns, wholeTiles = rows / TileRows;
        for (int t = 0; t < wholeTiles; t++)
        {
            var source = weights.Slice(t * tileFloats, tileFloats);
            var target = tiles.Slice(t * tileFloats, tileFloats);
            for (int k = 0; k < vectorColumns; k += width)
                for (int r = 0; r < TileRows; r++)
                    source.Slice(r * columns + k, width).CopyTo(target.Slice(TileRows * k + r * width, width));
            for (int r = 0; r < TileRows; r++)
                source.Slice(r * columns + vectorColumns, tail).CopyTo(target.Slice(TileRows * vectorColumns + r * tail, tail));
        }
        int done = wholeTiles * tileFloats;
        weights[done..].CopyTo(tiles[done..]);
    }
}
