using System;

namespace CompiledNets;

/// <summary>
/// A 2-D convolution over <c>[channels, height, width]</c> inputs (PyTorch's <c>Conv2d</c>): <c>filters</c> output
/// channels, each the sum over every input channel of a <c>kernelHeight × kernelWidth</c> window times its weights, plus a
/// bias, then the activation. Weight <c>[filters, in_channels, kernelHeight, kernelWidth]</c>, bias <c>[filters]</c>.
/// </summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class Conv2DAttribute : Attribute
{
    /// <summary>Declares <paramref name="filters"/> filters of <paramref name="kernelSize"/> × <paramref name="kernelSize"/>, followed by <paramref name="activation"/>.</summary>
    public Conv2DAttribute(int filters, int kernelSize, Activation activation = Activation.Linear)
    {
        Filters = filters;
        KernelSize = kernelSize;
        Activation = activation;
    }

    /// <summary>Output channels.</summary>
    public int Filters { get; }

    /// <summary>Height and width of a square kernel (unless <see cref="KernelHeight"/> or <see cref="KernelWidth"/> is set).</summary>
    public int KernelSize { get; }

    /// <summary>Activation applied to the outputs.</summary>
    public Activation Activation { get; }

    /// <summary>Kernel height, for rectangular kernels; 0 (the default) means <see cref="KernelSize"/>.</summary>
    public int KernelHeight { get; set; }

    /// <summary>Kernel width, for rectangular kernels; 0 (the default) means <see cref="KernelSize"/>.</summary>
    public int KernelWidth { get; set; }

    /// <summary>Step between windows, in both directions. Default 1.</summary>
    public int Stride { get; set; } = 1;

    /// <summary><see cref="Padding.Valid"/> (the default) or <see cref="Padding.Same"/>.</summary>
    public Padding Padding { get; set; }

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
