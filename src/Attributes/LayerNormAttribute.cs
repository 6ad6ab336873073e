using System;

namespace CompiledNets;

/// <summary>Layer normalisation of each sample over its features, with trainable <c>gamma</c> and <c>beta</c> (PyTorch's <c>LayerNorm</c>).</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class LayerNormAttribute : Attribute
{
    /// <summary>Added to the variance before the square root. Default 1e-5.</summary>
    public float Epsilon { get; set; } = 1e-5f;
}
