namespace CompiledNets;

/// <summary>
/// Keras-style <c>predict</c> on arrays: each call returns a new array. The span members of <see cref="INetwork"/>
/// write into a buffer the caller owns and allocate nothing; use them in loops that run often.
/// </summary>
public static class PredictExtensions
{
    /// <summary>The outputs of one sample, in inference mode, as a new array of <see cref="INetwork.OutputSize"/> values.</summary>
    /// <remarks>Thread-safe as <see cref="INetwork.Predict"/> is: concurrent calls on one network are allowed.</remarks>
    /// <param name="network">The network.</param>
    /// <param name="input">One sample: exactly <see cref="INetwork.InputSize"/> features.</param>
    /// <returns>A new array of <see cref="INetwork.OutputSize"/> outputs.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="network"/> or <paramref name="input"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="input"/> does not hold exactly one sample.</exception>
    public static float[] Predict(this INetwork network, float[] input)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(input);
        if (input.Length != network.InputSize)
            throw new ArgumentException(
                $"The input has {Plural.Count(input.Length, "value")}; one sample of this network has {Plural.Count(network.InputSize, "feature")}. Use PredictBatch for several samples.",
                nameof(input));
        var output = new float[network.OutputSize];
        network.Predict(input, output);
        return output;
    }

    /// <summary>
    /// The outputs of every sample in <paramref name="inputs"/>, in inference mode: row-major <c>[n, InputSize]</c> in,
    /// a new row-major <c>[n, OutputSize]</c> array out. The batch size <c>n</c> comes from the length.
    /// </summary>
    /// <remarks>
    /// Any number of samples works (the network processes them in chunks of <see cref="INetwork.MaxBatchSize"/>). Like
    /// <see cref="INetwork.PredictBatch"/> it uses the network's scratch buffers: do not call it concurrently on one network.
    /// </remarks>
    /// <param name="network">The network.</param>
    /// <param name="inputs">Whole samples, row-major; may be empty.</param>
    /// <returns>A new array of <c>n × OutputSize</c> outputs.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="network"/> or <paramref name="inputs"/> is null.</exception>
    /// <exception cref="ArgumentException">The length of <paramref name="inputs"/> is not a multiple of <see cref="INetwork.InputSize"/>.</exception>
    public static float[] PredictBatch(this INetwork network, float[] inputs)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(inputs);
        int features = network.InputSize;
        if (inputs.Length % features != 0)
            throw new ArgumentException(
                $"The inputs have {Plural.Count(inputs.Length, "value")}, which is not a whole number of samples of {Plural.Count(features, "feature")} ({inputs.Length / features} samples and {Plural.Count(inputs.Length % features, "value")} left over).",
                nameof(inputs));
        int samples = inputs.Length / features;
        long length = (long)samples * network.OutputSize;
        if (length > Array.MaxLength)
            throw new ArgumentException($"{samples} samples × {Plural.Count(network.OutputSize, "output")} do not fit in one array; predict them in parts.", nameof(inputs));
        var outputs = new float[length];
        if (samples > 0) network.PredictBatch(inputs, outputs, samples);
        return outputs;
    }
}
