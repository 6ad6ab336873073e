using System;

namespace CompiledNets;

/// <summary>
/// A merge of two or more earlier layers or inputs, named in <c>inputs</c>. Averages its inputs element by element: every input must have the same shape.
/// </summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class AverageAttribute : Attribute
{
    /// <summary>Merges the layers or inputs named <paramref name="inputs"/> (at least two, each declared earlier).</summary>
    public AverageAttribute(params string[] inputs)
    {
        Inputs = inputs;
    }

    /// <summary>The names of the merged layers or inputs.</summary>
    public string[] Inputs { get; }

    /// <summary>Activation applied to the merged values (Linear by default).</summary>
    public Activation Activation { get; set; }

    /// <summary>Slope (LeakyReLU, default 0.01) or saturation (ELU, default 1) of the activation; ignored by the others.</summary>
    public float Alpha { get; set; } = float.NaN;

    /// <summary>The merge's name, for <c>From</c> and other merges; unnamed merges are numbered per kind (<c>add1</c>).</summary>
    public string? Name { get; set; }
}
