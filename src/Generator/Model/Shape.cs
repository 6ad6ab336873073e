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

    public int Rank => Dimensions.Count;

    /// <summary>Values per sample: the product of the dimensions.</summary>
    public long Size => Dimensions.Aggregate(1L, (product, dimension) => product * dimension);

    /// <summary><c>[784]</c>, <c>[32, 26, 26]</c>.</summary>
    public override string ToString() => "[" + string.Join(", ", Dimensions.Select(d => d.ToString(System.Globalization.CultureInfo.InvariantCulture))) + "]";
}
