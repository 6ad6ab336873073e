using System;

namespace CompiledNets;

/// <summary>
/// A merge of two or more earlier layers or inputs, named in <c>inputs</c>. Joins its inputs along features, or along channels for <c>[channels, height, width]</c> inputs of the same height and width.
/// </summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class ConcatAttribute : Attribute
{
    /// <summary>Merges the layers or inputs named <paramref name="inputs"/> (at least two, each declared earlier).</summary>
    public ConcatAttribute(params string[] inputs)
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
