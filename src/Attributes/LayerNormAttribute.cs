using System;

namespace CompiledNets;

/// <summary>Layer normalisation of each sample over its features, with trainable <c>gamma</c> and <c>beta</c> (PyTorch's <c>LayerNorm</c>).</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class LayerNormAttribute : Attribute
{
    /// <summary>Added to the variance before the square root. Default 1e-5.</summary>
    public float Epsilon { get; set; } = 1e-5f;

    /// <summary>
    /// The layer's name: other layers name it in <c>From</c> and merges, and its tensors are <c>name.weight</c>, ...
    /// Unnamed layers are numbered per kind (<c>dense3</c>).
    /// </summary>
    public string? Name { get; set; }

    /// <summary>The earlier layer or input this layer reads; by default the layer declared just before it (the first input for the first layer).</summary>
    public string? From { get; set; }
}
