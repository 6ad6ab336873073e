using System;

namespace CompiledNets;

/// <summary>
/// Marks a <c>partial class</c> as a network compiled at build time. The layer attributes that follow
/// (<see cref="DenseAttribute"/>, ...) are read in the order they are written, then one
/// <see cref="LossAttribute"/> and one optimizer attribute complete the declaration.
/// </summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false, Inherited = false)]
public sealed class NetworkAttribute : Attribute
{
    /// <summary>Number of input features of one sample (implied by <see cref="InputShape"/> when that is set).</summary>
    public int Inputs { get; set; }

    /// <summary>
    /// The shape of one sample: <c>new[] { channels, height, width }</c> for images, stored channel by channel, then row by
    /// row (NCHW, PyTorch's and ONNX's order), as an MNIST row of 784 pixels already is for <c>{ 1, 28, 28 }</c>; or
    /// <c>new[] { features }</c>. Either this or <see cref="Inputs"/>.
    /// </summary>
    public int[]? InputShape { get; set; }

    /// <summary>Seed used by the parameterless constructor; when 0 (the default) that constructor draws a random seed.</summary>
    public int Seed { get; set; }

    /// <summary>Largest batch the training buffers are sized for (allocated once, in the constructor). Default 256.</summary>
    public int MaxBatchSize { get; set; } = 256;

    /// <summary>
    /// A network that only predicts (for example a perceptron with a <c>Step</c> output and hand-set weights): it needs
    /// no optimizer, its loss is optional (used by <c>Evaluate</c>), and the training members throw.
    /// </summary>
    public bool InferenceOnly { get; set; }

    /// <summary>
    /// The precision of the weights <c>Predict</c> and <c>PredictBatch</c> read. <see cref="WeightPrecision.BFloat16"/> keeps a
    /// half-size bfloat16 copy of the Dense and Maxout weights beside the float32 parameters, which stay the master copy for
    /// training, <c>Parameters</c>, checkpoints and ONNX export. The copy is brought up to date by the first prediction after
    /// the weights change (a training step, <c>Load</c>, or taking <c>Parameters</c>, through which a caller may write), so
    /// training pays nothing for it. Outputs differ from float32's by the weights' rounding: each weight is off by at most
    /// 2⁻⁸ of itself. It pays where prediction is bound by memory bandwidth: single samples through wide layers.
    /// Default <see cref="WeightPrecision.Float32"/>.
    /// </summary>
    public WeightPrecision InferenceWeights { get; set; }
}
