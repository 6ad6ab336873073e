using System.Globalization;

namespace CompiledNets;

/// <summary>
/// The shape of one sample going into or out of a layer: <c>[features]</c>, or <c>[channels, height, width]</c> for
/// images, stored channel by channel, then row by row (NCHW, PyTorch's and ONNX's order). A flat shape keeps its
/// features in <see cref="Channels"/> with height and width 1.
/// </summary>
internal readonly record struct LayerShape
{
    private LayerShape(int channels, int height, int width, bool isImage)
    {
        Channels = channels;
        Height = height;
        Width = width;
        IsImage = isImage;
    }

    /// <summary>Channels of an image, or the features of a flat shape.</summary>
    public int Channels { get; }

    /// <summary>Rows of an image (1 for a flat shape).</summary>
    public int Height { get; }

    /// <summary>Columns of an image (1 for a flat shape).</summary>
    public int Width { get; }

    /// <summary>True for <c>[channels, height, width]</c>, false for <c>[features]</c>.</summary>
    public bool IsImage { get; }

    /// <summary>Values per sample.</summary>
    public int Size => Channels * Height * Width;

    /// <summary>Values per channel of an image (height · width).</summary>
    public int Spatial => Height * Width;

    /// <summary>The dimensions as the summary and tensor shapes write them: <c>[C, H, W]</c> or <c>[features]</c>.</summary>
    public int[] Dimensions => IsImage ? [Channels, Height, Width] : [Channels];

    /// <summary><c>[features]</c>.</summary>
    public static LayerShape Flat(int features) => new(features, 1, 1, false);

    /// <summary><c>[channels, height, width]</c>.</summary>
    public static LayerShape Image(int channels, int height, int width) => new(channels, height, width, true);

    /// <summary>
    /// The shape of <paramref name="channels"/> × <paramref name="height"/> × <paramref name="width"/> values, or an
    /// exception naming <paramref name="what"/> when a dimension is not positive or the sample does not fit one buffer.
    /// </summary>
    public static LayerShape CheckedImage(int channels, int height, int width, string what)
    {
        if (channels <= 0 || height <= 0 || width <= 0)
            throw new ArgumentOutOfRangeException(nameof(channels), $"{what}: every dimension of [{channels}, {height}, {width}] must be positive.");
        long size = (long)channels * height * width;
        if (size > Kernels.AlignedFloats.MaxLength)
            throw new ArgumentOutOfRangeException(nameof(channels), $"{what}: [{channels}, {height}, {width}] has {size:N0} values per sample; at most {Kernels.AlignedFloats.MaxLength:N0} fit in one buffer.");
        return Image(channels, height, width);
    }

    /// <summary>As the architecture string writes an input: <c>784</c>, or <c>1x28x28</c> for an image.</summary>
    public string ArchitectureText => IsImage
        ? string.Create(CultureInfo.InvariantCulture, $"{Channels}x{Height}x{Width}")
        : Channels.ToString(CultureInfo.InvariantCulture);

    /// <summary>As messages write it: <c>[32, 13, 13]</c> or <c>[128]</c>.</summary>
    public override string ToString() => "[" + string.Join(", ", Dimensions) + "]";
}
