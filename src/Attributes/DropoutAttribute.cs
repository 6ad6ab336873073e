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
}
