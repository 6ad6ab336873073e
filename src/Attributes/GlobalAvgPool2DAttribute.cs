using System;

namespace CompiledNets;

/// <summary>Global average pooling: <c>[channels, height, width]</c> to <c>[channels]</c>, the mean of each channel. No parameters.</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class GlobalAvgPool2DAttribute : Attribute
{
    /// <summary>
    /// The layer's name: other layers name it in <c>From</c> and merges, and its tensors are <c>name.weight</c>, ...
    /// Unnamed layers are numbered per kind (<c>dense3</c>).
    /// </summary>
    public string? Name { get; set; }

    /// <summary>The earlier layer or input this layer reads; by default the layer declared just before it (the first input for the first layer).</summary>
    public string? From { get; set; }
}
