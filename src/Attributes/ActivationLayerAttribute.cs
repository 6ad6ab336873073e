using System;

namespace CompiledNets;

/// <summary>
/// A standalone activation, so that normalisation can sit between a Dense layer and its activation:
/// <c>[Dense(128)] [BatchNorm] [ActivationLayer(Activation.ReLU)]</c>.
/// </summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class ActivationLayerAttribute : Attribute
{
    /// <summary>Declares the activation.</summary>
    public ActivationLayerAttribute(Activation activation) => Activation = activation;

    /// <summary>The activation applied to every value.</summary>
    public Activation Activation { get; }

    /// <summary>Slope (LeakyReLU, default 0.01) or saturation (ELU, default 1); ignored by the others.</summary>
    public float Alpha { get; set; } = float.NaN;

    /// <summary>
    /// The layer's name: other layers name it in <c>From</c> and merges, and its tensors are <c>name.weight</c>, ...
    /// Unnamed layers are numbered per kind (<c>dense3</c>).
    /// </summary>
    public string? Name { get; set; }

    /// <summary>The earlier layer or input this layer reads; by default the layer declared just before it (the first input for the first layer).</summary>
    public string? From { get; set; }
}
