using System;

namespace CompiledNets;

/// <summary>AdaGrad (Duchi et al.), as PyTorch's <c>Adagrad</c>: <c>s += g²</c>, <c>p -= lr · g / (sqrt(s) + eps)</c>.</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false, Inherited = false)]
public sealed class AdaGradAttribute : Attribute
{
    /// <summary>Step size. Default 0.01.</summary>
    public float LearningRate { get; set; } = 0.01f;

    /// <summary>Added to the denominator. Default 1e-10.</summary>
    public float Epsilon { get; set; } = 1e-10f;
}
