namespace CompiledNets;

/// <summary>The number format of the weights single-sample and batch prediction read (<see cref="NetworkAttribute.InferenceWeights"/>).</summary>
public enum WeightPrecision
{
    /// <summary>Prediction reads the float32 parameters themselves (the default).</summary>
    Float32,

    /// <summary>
    /// Prediction reads a bfloat16 copy of the Dense and Maxout weights: the top 16 bits of each float32 (8 exponent bits,
    /// 7 mantissa bits), rounded to nearest even, which halves the bytes streamed per prediction. Biases, convolution weights,
    /// activations and sums stay float32; training, checkpoints and export use the float32 parameters. A network with no
    /// Dense or Maxout layer has nothing to copy and predicts from float32.
    /// </summary>
    BFloat16,
}
