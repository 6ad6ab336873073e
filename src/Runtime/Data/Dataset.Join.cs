namespace CompiledNets;

// Multi-input networks take one row per sample: the inputs' values concatenated in declaration order.
public sealed partial class Dataset
{
    /// <summary>
    /// Joins feature blocks into rows: each sample's row is block 0's values of that sample, then block 1's, and so on
    /// (the input row of a network declared with several <c>[Input]</c>s in that order). Dense targets, one row per sample.
    /// </summary>
    /// <exception cref="ArgumentNullException">An argument or a block's values are null.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A block's width is not positive.</exception>
    /// <exception cref="ArgumentException">No blocks, a block that does not hold whole samples, blocks of different sample counts, or targets for another count.</exception>
    public static Dataset Join(IReadOnlyList<FeatureBlock> blocks, float[] targets, int targetCount)
    {
        ArgumentNullException.ThrowIfNull(targets);
        var (rows, width) = JoinRows(blocks);
        return new Dataset(rows, width, targets, targetCount);
    }

    /// <summary>
    /// Joins feature blocks into rows as <see cref="Join(IReadOnlyList{FeatureBlock}, float[], int)"/> does, with integer
    /// class labels in <c>[0, classCount)</c> (expanded to one-hot per batch).
    /// </summary>
    /// <exception cref="ArgumentNullException">An argument or a block's values are null.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A block's width is not positive.</exception>
    /// <exception cref="ArgumentException">No blocks, mismatched sample counts, or a label outside <c>[0, classCount)</c>.</exception>
    public static Dataset Join(IReadOnlyList<FeatureBlock> blocks, int[] labels, int classCount)
    {
        ArgumentNullException.ThrowIfNull(labels);
        var (rows, width) = JoinRows(blocks);
        return FromLabels(rows, width, labels, classCount);
    }

    /// <summary>The joined rows, row-major <c>[samples, sum of widths]</c>, and their width.</summary>
    /// <exception cref="ArgumentException">No blocks, or blocks that disagree on the sample count.</exception>
    public static (float[] Rows, int Width) JoinRows(IReadOnlyList<FeatureBlock> blocks)
    {
        ArgumentNullException.ThrowIfNull(blocks);
        if (blocks.Count == 0) throw new ArgumentException("Joining needs at least one feature block.", nameof(blocks));
        int width = 0;
        for (int b = 0; b < blocks.Count; b++)
        {
            var block = blocks[b];
            if (block.Values is null) throw new ArgumentNullException(nameof(blocks), $"The values of {block.Describe(b)} are null.");
            if (block.Width <= 0)
                throw new ArgumentOutOfRangeException(nameof(blocks), block.Width, $"The width of {block.Describe(b)} must be positive.");
            if (block.Values.Length % block.Width != 0)
                throw new ArgumentException($"{Capital(block.Describe(b))} holds {block.Values.Length} values, not a whole number of samples of {block.Width}.", nameof(blocks));
            if (block.Count != blocks[0].Count)
                throw new ArgumentException($"{Capital(block.Describe(b))} holds {block.Count} samples but {blocks[0].Describe(0)} holds {blocks[0].Count}; every block needs one row per sample.", nameof(blocks));
            width = checked(width + block.Width);
        }

        int count = blocks[0].Count;
        var rows = new float[(long)count * width];
        int offset = 0;
        foreach (var block in blocks)
        {
            for (int sample = 0; sample < count; sample++)
                block.Values.AsSpan(sample * block.Width, block.Width).CopyTo(rows.AsSpan(sample * width + offset));
            offset += block.Width;
        }
        return (rows, width);
    }

    private static string Capital(string text) => char.ToUpperInvariant(text[0]) + text[1..];
}
