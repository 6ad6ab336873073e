using System;

namespace CompiledNets;

/// <summary>
/// Stochastic gradient descent, as PyTorch's <c>SGD</c>: <c>p -= lr · g</c>, or with momentum
/// <c>v = μ v + g</c>, <c>p -= lr · v</c> (Nesterov: <c>p -= lr · (g + μ v)</c>).
/// </summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false, Inherited = false)]
public sealed class SgdAttribute : Attribute
{
    /// <summary>Step size. Default 0.01.</summary>
    public float LearningRate { get; set; } = 0.01f;

    /// <summary>Momentum μ in [0, 1). Default 0 (plain SGD).</summary>
    public float Momentum { get; set; }

    /// <summary>Nesterov momentum (needs <see cref="Momentum"/> &gt; 0). Default false.</summary>
    public bool Nesterov { get; set; }
}
