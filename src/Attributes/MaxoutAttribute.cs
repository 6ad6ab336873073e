using System;

namespace CompiledNets;

/// <summary>
/// Maxout (Goodfellow et al.): a Dense layer of <c>units × pieces</c> linear outputs, each unit taking the largest
/// of its <see cref="Pieces"/> consecutive outputs. Weight <c>[units·pieces, inputs]</c>, bias <c>[units·pieces]</c>.
/// </summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class MaxoutAttribute : Attribute
{
    /// <summary>Declares a maxout layer.</summary>
    public MaxoutAttribute(int units, int pieces)
    {
        Units = units;
        Pieces = pieces;
    }

    /// <summary>Number of outputs.</summary>
    public int Units { get; }

    /// <summary>Linear pieces per output (at least 2).</summary>
    public int Pieces { get; }

    /// <summary>Weight initialiser; <see cref="Init.Default"/> is Glorot uniform.</summary>
    public Init Init { get; set; }

    /// <summary>Bias initialiser; <see cref="Init.Default"/> means zeros.</summary>
    public Init BiasInit { get; set; }

    /// <summary>
    /// The layer's name: other layers name it in <c>From</c> and merges, and its tensors are <c>name.weight</c>, ...
    /// Unnamed layers are numbered per kind (<c>dense3</c>).
    /// </summary>
    public string? Name { get; set; }

    /// <summary>The earlier layer or input this layer reads; by default the layer declared just before it (the first input for the first layer).</summary>
    public string? From { get; set; }
}
