namespace CompiledNets;

/// <summary>
/// The values one network input takes for every sample: row-major <c>[samples, Width]</c>. Several blocks (an image
/// and a few numbers) are joined into a network's input rows by <see cref="Dataset.Join(IReadOnlyList{FeatureBlock}, int[], int)"/>.
/// </summary>
/// <param name="Values">Every sample's values, sample after sample (NCHW for an image input).</param>
/// <param name="Width">Values per sample: the input's size (<c>C·H·W</c> for an image).</param>
/// <param name="Name">The input's name, used in error messages (the <c>[Input]</c> name is a good choice).</param>
public readonly record struct FeatureBlock(float[] Values, int Width, string? Name = null)
{
    /// <summary>Samples the block holds.</summary>
    public int Count => Width > 0 && Values is not null ? Values.Length / Width : 0;

    /// <summary>How error messages name the block: its name, or its position.</summary>
    internal string Describe(int index) => Name is null ? $"block {index}" : $"block {index} ('{Name}')";
}
