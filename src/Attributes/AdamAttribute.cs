using System;

namespace CompiledNets;

/// <summary>Adam with bias correction (Kingma and Ba), defaults as in PyTorch and Keras.</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false, Inherited = false)]
public sealed class AdamAttribute : Attribute
{
    /// <summary>Step size. Default 0.001.</summary>
    public float LearningRate { get; set; } = 1e-3f;

    /// <summary>Decay of the first-moment estimate. Default 0.9.</summary>
    public float Beta1 { get; set; } = 0.9f;

    /// <summary>Decay of the second-moment estimate. Default 0.999.</summary>
    public float Beta2 { get; set; } = 0.999f;

    /// <summary>Added to the denominator for numerical stability. Default 1e-8 (PyTorch).</summary>
    public float Epsilon { get; set; } = 1e-8f;
}
