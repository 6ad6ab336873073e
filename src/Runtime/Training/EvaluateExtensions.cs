namespace CompiledNets;

/// <summary>Inference-mode loss and accuracy over a dataset.</summary>
public static class EvaluateExtensions
{
    /// <summary>Loss and accuracy of <paramref name="network"/> on <paramref name="data"/>, in inference mode.</summary>
    public static EvaluationResult Evaluate(this INetwork network, Dataset data, int batchSize = 256)
    {
        return new BatchEvaluator(network, batchSize).Evaluate(data);
    }

    /// <summary>Loss and accuracy on row-major inputs and targets.</summary>
    public static EvaluationResult Evaluate(this INetwork network, float[] inputs, float[] targets, int batchSize = 256)
    {
        ArgumentNullException.ThrowIfNull(network);
        return network.Evaluate(new Dataset(inputs, network.InputSize, targets, network.OutputSize), batchSize);
    }

    /// <summary>The predicted class of every sample (argmax, or a 0.5 threshold for one output).</summary>
    public static int[] PredictClasses(this INetwork network, Dataset data, int batchSize = 256)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(data);
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
        int outputSize = _network.OutputSize;
        double lossSum = 0;
        int correct = 0;
        for (int start = 0; start < data.Count; start += _batchSize)
        {
            int size = Math.Min(_batchSize, data.Count - start);
            var outputs = _outputs.AsSpan(0, size * outputSize);
            var targets = _targets.AsSpan(0, size * outputSize);
            _network.PredictBatch(data.Features.Slice(start * data.FeatureCount, size * data.FeatureCount), outputs, size);
            for (int r = 0; r < size; r++) data.CopyTargets(start + r, targets.Slice(r * outputSize, outputSize));
            lossSum += Metrics.SumLoss(_network.Loss, outputs, targets, outputSize);
            correct += Metrics.CountCorrect(outputs, targets, outputSize);
        }
        int count = Math.Max(data.Count, 1);
        float accuracy = Metrics.IsClassification(_network.Loss) ? (float)correct / count : float.NaN;
        return new EvaluationResult((float)(lossSum / count), accuracy, data.Count);
    }

}
