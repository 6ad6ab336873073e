using System;

namespace CompiledNets;

/// <summary>
/// Average pooling over <c>[channels, height, width]</c> inputs (PyTorch's <c>AvgPool2d</c>): each output is the mean of a
/// <c>size × size</c> window of its channel. With <see cref="Padding.Same"/>, the mean is over the window's values inside
/// the input (Keras's behaviour; PyTorch's <c>count_include_pad=False</c>). No parameters.
/// </summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class AvgPool2DAttribute : Attribute
{
    /// <summary>Declares windows of <paramref name="size"/> × <paramref name="size"/>, moved by <paramref name="size"/> unless <see cref="Stride"/> is set.</summary>
    public AvgPool2DAttribute(int size) => Size = size;

    /// <summary>Height and width of the window.</summary>
    public int Size { get; }

    /// <summary>Step between windows; 0 (the default) means <see cref="Size"/>.</summary>
    public int Stride { get; set; }

    /// <summary><see cref="Padding.Valid"/> (the default) or <see cref="Padding.Same"/>.</summary>
    public Padding Padding { get; set; }

    /// <summary>
    /// The layer's name: other layers name it in <c>From</c> and merges, and its tensors are <c>name.weight</c>, ...
    /// Unnamed layers are numbered per kind (<c>dense3</c>).
    /// </summary>
    public string? Name { get; set; }

    /// <summary>The earlier layer or input this layer reads; by default the layer declared just before it (the first input for the first layer).</summary>
    public string? From { get; set; }
}
