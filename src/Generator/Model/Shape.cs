using System.Linq;

namespace CompiledNets.Generator.Model;

/// <summary>
/// The values of one sample at a layer's input or output: <c>[features]</c>, or <c>[channels, height, width]</c> stored
/// channel by channel, then row by row (NCHW, PyTorch's and ONNX's order).
/// </summary>
internal sealed record Shape(EquatableArray<int> Dimensions)
{
    /// <summary>A vector of <paramref name="features"/> values.</summary>
    public static Shape Flat(int features) => new(new EquatableArray<int>(new[] { features }));

    /// <summary><c>[channels, height, width]</c>.</summary>
    public static Shape Image(int channels, int height, int width) => new(new EquatableArray<int>(new[] { channels, height, width }));

    public int Rank => Dimensions.Count;

    /// <summary>True for an image, <c>[channels, height, width]</c>.</summary>
    public bool IsImage => Rank == 3;

    public int Channels => Dimensions[0];

    public int Height => Dimensions[1];

    public int Width => Dimensions[2];

    /// <summary>The input as the architecture string writes it: <c>784</c>, <c>1x28x28</c>.</summary>
    public string Text => string.Join("x", Dimensions.Select(d => d.ToString(System.Globalization.CultureInfo.InvariantCulture)));

    /// <summary>Values per sample: the product of the dimensions.</summary>
    public long Size => Dimensions.Aggregate(1L, (product, dimension) => product * dimension);

    /// <summary><c>[784]</c>, <c>[32, 26, 26]</c>.</summary>
    public override string ToString() => "[" + string.Join(", ", Dimensions.Select(d => d.ToString(System.Globalization.CultureInfo.InvariantCulture))) + "]";
}
