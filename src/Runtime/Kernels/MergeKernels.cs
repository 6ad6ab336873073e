using System.ComponentModel;
using System.Numerics.Tensors;

namespace CompiledNets.Kernels;

/// <summary>
/// The element-wise work of graphs, shared by generated and interpreted networks: the merges (sum, product, scale),
/// gradients that several readers add up, and blocks of columns moved between row-major matrices (a concatenation,
/// its gradient, one input of a row that holds several).
/// </summary>
[EditorBrowsable(EditorBrowsableState.Advanced)]
public static class MergeKernels
{
    /// <summary><paramref name="destination"/> = <paramref name="a"/> + <paramref name="b"/>.</summary>
    public static void Sum(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> destination) => TensorPrimitives.Add(a, b, destination);

    /// <summary><paramref name="destination"/> += <paramref name="values"/>.</summary>
    public static void Accumulate(Span<float> destination, ReadOnlySpan<float> values) => TensorPrimitives.Add(destination, values, destination);

    /// <summary><paramref name="destination"/> = <paramref name="a"/> ⊙ <paramref name="b"/>.</summary>
    public static void Product(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> destination) => TensorPrimitives.Multiply(a, b, destination);

    /// <summary><paramref name="destination"/> ⊙= <paramref name="values"/>.</summary>
    public static void MultiplyInPlace(Span<float> destination, ReadOnlySpan<float> values) => TensorPrimitives.Multiply(destination, values, destination);

    /// <summary><paramref name="destination"/> += <paramref name="a"/> ⊙ <paramref name="b"/>.</summary>
    public static void MultiplyAccumulate(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> destination) =>
        TensorPrimitives.FusedMultiplyAdd(a, b, destination, destination);

    /// <summary><paramref name="values"/> ×= <paramref name="factor"/>.</summary>
    public static void Scale(Span<float> values, float factor) => TensorPrimitives.Multiply(values, factor, values);

    /// <summary>
    /// Copies <paramref name="width"/> columns of each of <paramref name="rows"/> rows: from column
    /// <paramref name="sourceOffset"/> of a <paramref name="sourceWidth"/>-wide source to column
    /// <paramref name="destinationOffset"/> of a <paramref name="destinationWidth"/>-wide destination.
    /// </summary>
    public static void CopyColumns(ReadOnlySpan<float> source, int sourceWidth, int sourceOffset, Span<float> destination, int destinationWidth, int destinationOffset, int width, int rows)
    {
        CheckColumns(source.Length, sourceWidth, sourceOffset, destination.Length, destinationWidth, destinationOffset, width, rows);
        for (int r = 0; r < rows; r++)
            source.Slice(r * sourceWidth + sourceOffset, width).CopyTo(destination.Slice(r * destinationWidth + destinationOffset, width));
    }

    /// <summary>As <see cref="CopyColumns"/>, adding to the destination's values instead of replacing them.</summary>
    public static void AccumulateColumns(ReadOnlySpan<float> source, int sourceWidth, int sourceOffset, Span<float> destination, int destinationWidth, int destinationOffset, int width, int rows)
    {
        CheckColumns(source.Length, sourceWidth, sourceOffset, destination.Length, destinationWidth, destinationOffset, width, rows);
        for (int r = 0; r < rows; r++)
        {
            var to = destination.Slice(r * destinationWidth + destinationOffset, width);
            TensorPrimitives.Add(to, source.Slice(r * sourceWidth + sourceOffset, width), to);
        }
    }

    private static void CheckColumns(int sourceLength, int sourceWidth, int sourceOffset, int destinationLength, int destinationWidth, int destinationOffset, int width, int rows)
    {
        if (rows < 0 || width < 0 || sourceOffset < 0 || destinationOffset < 0 || sourceOffset + width > sourceWidth || destinationOffset + width > destinationWidth)
            throw new ArgumentOutOfRangeException(nameof(width), $"Columns {sourceOffset}..{sourceOffset + width} of {sourceWidth} to {destinationOffset}..{destinationOffset + width} of {destinationWidth} do not fit.");
        if (rows > 0 && ((long)(rows - 1) * sourceWidth + sourceOffset + width > sourceLength || (long)(rows - 1) * destinationWidth + destinationOffset + width > destinationLength))
            throw new ArgumentException($"{rows} rows do not fit the spans ({sourceLength} and {destinationLength} values).");
    }
}
