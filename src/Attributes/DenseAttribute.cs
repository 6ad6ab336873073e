using System;

namespace CompiledNets;

/// <summary>A fully connected layer: <c>y = activation(x · Wᵀ + b)</c>, with <c>W</c> stored <c>[units, inputs]</c>.</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class DenseAttribute : Attribute
{
    /// <summary>Declares a layer of <paramref name="units"/> outputs followed by <paramref name="activation"/>.</summary>
    public DenseAttribute(int units, Activation activation = Activation.Linear)
    {
        Units = units;
        Activation = activation;
    }

    /// <summary>Number of outputs.</summary>
    public int Units { get; }

    /// <summary>Activation applied to the outputs.</summary>
    public Activation Activation { get; }

    /// <summary>Slope (LeakyReLU, default 0.01) or saturation (ELU, default 1) of the activation; ignored by the others.</summary>
    public float Alpha { get; set; } = float.NaN;

    /// <summary>Weight initialiser; <see cref="Init.Default"/> picks He for ReLU-family activations and Glorot otherwise.</summary>
    public Init Init { get; set; }

    /// <summary>Bias initialiser; <see cref="Init.Default"/> means zeros.</summary>
    public Init BiasInit { get; set; }

    /// <summary>L2 coefficient for this layer's weights (overrides <see cref="WeightDecayAttribute"/>); NaN (the default) means the class's.</summary>
    public float L2 { get; set; } = float.NaN;

    /// <summary>
    /// The layer's name: other layers name it in <c>From</c> and merges, and its tensors are <c>name.weight</c>, ...
    /// Unnamed layers are numbered per kind (<c>dense3</c>).
    /// </summary>
    public string? Name { get; set; }

    /// <summary>The earlier layer or input this layer reads; by default the layer declared just before it (the first input for the first layer).</summary>
    public string? From { get; set; }
}
