namespace CompiledNets;

/// <summary>Inference-mode loss and accuracy over a dataset.</summary>
public static class EvaluateExtensions
{
    /// <summary>Loss and accuracy of <paramref name="network"/> on <paramref name="data"/>, in inference mode.</summary>
    /// <remarks>
    /// The loss and accuracy are means over the samples, so an empty dataset has none and is rejected with an
    /// <see cref="ArgumentException"/> (as <c>Fit</c> rejects empty training or validation data) rather than reported
    /// as a misleading loss of 0. <see cref="PredictClasses"/>, which maps samples one to one, returns an empty array for it.
    /// </remarks>
    /// <param name="network">The network to evaluate.</param>
    /// <param name="data">Samples with <see cref="INetwork.InputSize"/> features and <see cref="INetwork.OutputSize"/> targets; at least one.</param>
    /// <param name="batchSize">Samples per <see cref="INetwork.PredictBatch"/> call; positive (buffers are sized by the smaller of it and the sample count).</param>
    /// <exception cref="ArgumentNullException"><paramref name="network"/> or <paramref name="data"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="batchSize"/> is not positive.</exception>
    /// <exception cref="ArgumentException">The data is empty or its shape does not match the network's.</exception>
    public static EvaluationResult Evaluate(this INetwork network, Dataset data, int batchSize = 256)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(data);
        if (batchSize <= 0) throw new ArgumentOutOfRangeException(nameof(batchSize), batchSize, "Batch size must be positive.");
        return new BatchEvaluator(network, Math.Min(batchSize, Math.Max(data.Count, 1))).Evaluate(data);
    }

    /// <summary>Loss and accuracy on row-major inputs and targets (see <see cref="Evaluate(INetwork, Dataset, int)"/>).</summary>
    public static EvaluationResult Evaluate(this INetwork network, float[] inputs, float[] targets, int batchSize = 256)
    {
        ArgumentNullException.ThrowIfNull(network);
        return network.Evaluate(new Dataset(inputs, network.InputSize, targets, network.OutputSize), batchSize);
    }

    /// <summary>The predicted class of every sample (argmax, or a 0.5 threshold for one output).</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="batchSize"/> is not positive.</exception>
    /// <exception cref="ArgumentException">The data's feature count is not the network's input size.</exception>
    public static int[] PredictClasses(this INetwork network, Dataset data, int batchSize = 256)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(data);
        if (batchSize <= 0) throw new ArgumentOutOfRangeException(nameof(batchSize), batchSize, "Batch size must be positive.");
        if (data.FeatureCount != network.InputSize)
            throw new ArgumentException($"The data has {data.FeatureCount} features per sample but the network expects {network.InputSize}.", nameof(data));
        var classes = new int[data.Count];
        var outputs = new float[Math.Min(batchSize, Math.Max(1, data.Count)) * network.OutputSize];
        for (int start = 0; start < data.Count; start += batchSize)
        {
            int size = Math.Min(batchSize, data.Count - start);
            var output = outputs.AsSpan(0, size * network.OutputSize);
            network.PredictBatch(data.Features.Slice(start * data.FeatureCount, size * data.FeatureCount), output, size);
            for (int r = 0; r < size; r++)
            {
                var row = output.Slice(r * network.OutputSize, network.OutputSize);
                classes[start + r] = network.OutputSize == 1 ? (row[0] >= 0.5f ? 1 : 0) : Metrics.ArgMax(row);
            }
        }
        return classes;
    }
}

/// <summary>Evaluates a network batch by batch with buffers allocated once (reused across epochs by <c>Fit</c>).</summary>
internal sealed class BatchEvaluator
{
    private readonly INetwork _network;
    private readonly int _batchSize;
    private readonly float[] _outputs;
    private readonly float[] _targets;

    public BatchEvaluator(INetwork network, int batchSize)
    {
        ArgumentNullException.ThrowIfNull(network);
        if (batchSize <= 0) throw new ArgumentOutOfRangeException(nameof(batchSize), batchSize, "Batch size must be positive.");
        _network = network;
        _batchSize = batchSize;
        _outputs = new float[batchSize * network.OutputSize];
        _targets = new float[batchSize * network.OutputSize];
    }

    public EvaluationResult Evaluate(Dataset data)
    {
        ArgumentNullException.ThrowIfNull(data);
        if (data.FeatureCount != _network.InputSize)
            throw new ArgumentException($"The data has {data.FeatureCount} features per sample but the network expects {_network.InputSize}.", nameof(data));
        if (data.TargetCount != _network.OutputSize)
            throw new ArgumentException($"The data has {data.TargetCount} targets per sample but the network outputs {_network.OutputSize}.", nameof(data));
        if (data.Count == 0)
            throw new ArgumentException("The data is empty: a loss and an accuracy need at least 1 sample, got 0.", nameof(data));
        int outputSize = _network.OutputSize;
        double lossSum = 0;
        int correct = 0;
        var confusion = Metrics.IsClassification(_network.Loss) ? new ConfusionMatrix(Math.Max(outputSize, 2)) : null;
        for (int start = 0; start < data.Count; start += _batchSize)
        {
            int size = Math.Min(_batchSize, data.Count - start);
            var outputs = _outputs.AsSpan(0, size * outputSize);
            var targets = _targets.AsSpan(0, size * outputSize);
            _network.PredictBatch(data.Features.Slice(start * data.FeatureCount, size * data.FeatureCount), outputs, size);
            for (int r = 0; r < size; r++) data.CopyTargets(start + r, targets.Slice(r * outputSize, outputSize));
            lossSum += Metrics.SumLoss(_network.Loss, outputs, targets, outputSize);
            correct += Metrics.CountCorrect(outputs, targets, outputSize);
            if (confusion is not null)
                for (int r = 0; r < size; r++)
                    confusion.Add(data.GetClass(start + r), Metrics.PredictedClass(outputs.Slice(r * outputSize, outputSize)));
        }
        float accuracy = Metrics.IsClassification(_network.Loss) ? (float)correct / data.Count : float.NaN;
        return new EvaluationResult((float)(lossSum / data.Count), accuracy, data.Count) { Confusion = confusion };
    }

}
