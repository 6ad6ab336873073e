using System;

namespace CompiledNets;

/// <summary>
/// Batch normalisation of each feature (PyTorch's <c>BatchNorm1d</c>): batch statistics in training, running
/// mean and variance at inference; <c>gamma</c> and <c>beta</c> are trainable, the running statistics are not.
/// </summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class BatchNormAttribute : Attribute
{
    /// <summary>Weight of the newest batch in the running statistics: <c>running = (1 - m)·running + m·batch</c>. Default 0.1 (PyTorch).</summary>
    public float Momentum { get; set; } = 0.1f;

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
