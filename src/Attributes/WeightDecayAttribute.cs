using System;

namespace CompiledNets;

/// <summary>
/// L2 weight decay on every Dense, Maxout and Conv2D weight (not biases or normalisation parameters): adds
/// <c>lambda / 2 · Σ w²</c> to the loss and <c>lambda · w</c> to the gradient. A layer's own <c>L2</c> overrides it.
/// </summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false, Inherited = false)]
public sealed class WeightDecayAttribute : Attribute
{
    /// <summary>Declares the decay coefficient.</summary>
    public WeightDecayAttribute(float lambda) => Lambda = lambda;

    /// <summary>The coefficient λ (≥ 0).</summary>
    public float Lambda { get; }
}
