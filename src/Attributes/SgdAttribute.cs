using System;

namespace CompiledNets;

/// <summary>Stochastic gradient descent: <c>p -= lr * g</c>.</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false, Inherited = false)]
public sealed class SgdAttribute : Attribute
{
    /// <summary>Step size. Default 0.01.</summary>
    public float LearningRate { get; set; } = 0.01f;
}
