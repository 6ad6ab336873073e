using System;

namespace CompiledNets;

/// <summary>AdamW (Loshchilov and Hutter): Adam with decoupled weight decay, as PyTorch's <c>AdamW</c>.</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false, Inherited = false)]
public sealed class AdamWAttribute : Attribute
{
    /// <summary>Step size. Default 0.001.</summary>
    public float LearningRate { get; set; } = 1e-3f;

    /// <summary>Decay of the first-moment estimate. Default 0.9.</summary>
    public float Beta1 { get; set; } = 0.9f;

    /// <summary>Decay of the second-moment estimate. Default 0.999.</summary>
    public float Beta2 { get; set; } = 0.999f;

    /// <summary>Added to the denominator. Default 1e-8.</summary>
    public float Epsilon { get; set; } = 1e-8f;

    /// <summary>Decoupled decay: each step multiplies the parameters by <c>1 - lr · WeightDecay</c>. Default 0.01.</summary>
    public float WeightDecay { get; set; } = 0.01f;
}
