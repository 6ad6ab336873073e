using System;

namespace CompiledNets;

/// <summary>RMSprop (Hinton), as PyTorch's <c>RMSprop</c> (not centred).</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false, Inherited = false)]
public sealed class RmsPropAttribute : Attribute
{
    /// <summary>Step size. Default 0.01.</summary>
    public float LearningRate { get; set; } = 0.01f;

    /// <summary>Decay of the average of squared gradients. Default 0.99.</summary>
    public float Alpha { get; set; } = 0.99f;

    /// <summary>Added to the denominator. Default 1e-8.</summary>
    public float Epsilon { get; set; } = 1e-8f;

    /// <summary>Momentum of the scaled step. Default 0.</summary>
    public float Momentum { get; set; }
}
