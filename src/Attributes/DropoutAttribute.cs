using System;

namespace CompiledNets;

/// <summary>
/// Inverted dropout: in training each value is zeroed with probability <see cref="Rate"/> and the rest are scaled
/// by <c>1 / (1 - rate)</c>; at inference the layer is the identity, so <c>Predict</c> is deterministic.
/// </summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class DropoutAttribute : Attribute
{
    /// <summary>Declares dropout with the given rate in [0, 1).</summary>
    public DropoutAttribute(float rate) => Rate = rate;

    /// <summary>Probability of zeroing each value, in [0, 1).</summary>
    public float Rate { get; }

    /// <summary>
    /// The layer's name: other layers name it in <c>From</c> and merges, and its tensors are <c>name.weight</c>, ...
    /// Unnamed layers are numbered per kind (<c>dense3</c>).
    /// </summary>
    public string? Name { get; set; }

    /// <summary>The earlier layer or input this layer reads; by default the layer declared just before it (the first input for the first layer).</summary>
    public string? From { get; set; }
}
