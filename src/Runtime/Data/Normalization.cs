namespace CompiledNets;

/// <summary>Scales raw feature values into the ranges networks train well on.</summary>
public static class Normalization
{
    /// <summary>The largest value of an 8-bit pixel.</summary>
    public const float PixelMax = 255f;

    /// <summary>Pixels <c>0..255</c> as floats in [0, 1] (each divided by 255).</summary>
    public static float[] ScaleToUnit(ReadOnlySpan<byte> pixels)
    {
        var result = new float[pixels.Length];
        for (int i = 0; i < pixels.Length; i++) result[i] = pixels[i] / PixelMax;
        return result;
    }

    /// <summary>Divides every value by <paramref name="max"/> in place (pixels stored as floats: <c>max = 255</c> gives [0, 1]).</summary>
    public static void ScaleToUnit(Span<float> values, float max = PixelMax)
    {
        if (!(max > 0) || !float.IsFinite(max)) throw new ArgumentOutOfRangeException(nameof(max), max, "The maximum must be a positive finite number.");
        for (int i = 0; i < values.Length; i++) values[i] /= max;
    }
}
