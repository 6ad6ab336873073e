using System.Buffers;
using System.Numerics.Tensors;

namespace CompiledNets;

/// <summary>
/// Averages the predictions of several trained networks of the same shape (for example the same architecture
/// trained from different seeds). Inference only: members are trained on their own, before or between uses.
/// </summary>
/// <remarks>
/// The ensemble's output for a sample is the arithmetic mean of its members' outputs (for softmax members, the
/// mean of their class probabilities, which is again a probability distribution). <see cref="Evaluate"/> scores
/// that mean with the members' shared loss, using the same definitions as <see cref="EvaluateExtensions.Evaluate(INetwork, Dataset, int)"/>.
/// </remarks>
public sealed class Ensemble
{
    /// <summary>Rows processed per chunk by <see cref="PredictBatch"/> (bounds the scratch buffer).</summary>
    private const int ChunkRows = 256;

    /// <summary>Outputs up to this size use stack memory in <see cref="Predict"/>.</summary>
    private const int StackOutputs = 256;

    private readonly INetwork[] _members;
    private readonly float[] _scratch;

    /// <summary>Creates an ensemble; every member must have the same input size, output size and loss.</summary>
    public Ensemble(params INetwork[] members)
    {
        ArgumentNullException.ThrowIfNull(members);
        if (members.Length == 0) throw new ArgumentException("An ensemble needs at least one member.", nameof(members));
        for (int i = 0; i < members.Length; i++)
            if (members[i] is null) throw new ArgumentException($"Member {i} is null.", nameof(members));
        var first = members[0];
        for (int i = 1; i < members.Length; i++)
        {
            var member = members[i];
            if (member.InputSize != first.InputSize || member.OutputSize != first.OutputSize)
                throw new ArgumentException(
                    $"Member {i} maps {member.InputSize} inputs to {member.OutputSize} outputs, but member 0 maps {first.InputSize} to {first.OutputSize}; every member of an ensemble must have the same shape.",
                    nameof(members));
            if (member.Loss != first.Loss)
                throw new ArgumentException(
                    $"Member {i} is trained with {member.Loss} but member 0 with {first.Loss}; averaged outputs are only meaningful for members with the same loss.",
                    nameof(members));
        }
        _members = (INetwork[])members.Clone();
        InputSize = first.InputSize;
        OutputSize = first.OutputSize;
        Loss = first.Loss;
        _scratch = new float[ChunkRows * OutputSize];
    }

    /// <summary>The members, in the order given.</summary>
    public IReadOnlyList<INetwork> Members => _members;

    /// <summary>Features of one input sample.</summary>
    public int InputSize { get; }

    /// <summary>Outputs of one sample.</summary>
    public int OutputSize { get; }

    /// <summary>The members' loss, used by <see cref="Evaluate"/>.</summary>
    public LossFunction Loss { get; }

    /// <summary>
    /// The mean of the members' outputs for one sample. Allocation-free and thread-safe when the members'
    /// <see cref="INetwork.Predict"/> is (the generated networks' is).
    /// </summary>
    public void Predict(ReadOnlySpan<float> input, Span<float> output)
    {
        if (input.Length != InputSize) throw new ArgumentException($"Expected {InputSize} input values, got {input.Length}.", nameof(input));
        if (output.Length < OutputSize) throw new ArgumentException($"The output needs room for {OutputSize} values, has {output.Length}.", nameof(output));
        output = output[..OutputSize];
        float[]? rented = null;
        Span<float> member = OutputSize <= StackOutputs ? stackalloc float[StackOutputs] : (rented = ArrayPool<float>.Shared.Rent(OutputSize));
        member = member[..OutputSize];
        try
        {
            _members[0].Predict(input, output);
            for (int m = 1; m < _members.Length; m++)
            {
                _members[m].Predict(input, member);
                TensorPrimitives.Add(output, member, output);
            }
            if (_members.Length > 1) TensorPrimitives.Multiply(output, 1f / _members.Length, output);
        }
        finally
        {
            if (rented is not null) ArrayPool<float>.Shared.Return(rented);
        }
    }

    /// <summary>
    /// The mean of the members' outputs for <paramref name="batchSize"/> samples, row-major <c>[batch, features]</c>;
    /// any batch size. Uses a scratch buffer allocated once: not safe to call concurrently (as <see cref="INetwork.PredictBatch"/>).
    /// </summary>
    public void PredictBatch(ReadOnlySpan<float> inputs, Span<float> outputs, int batchSize)
    {
        if (batchSize < 0) throw new ArgumentOutOfRangeException(nameof(batchSize), batchSize, "The batch size must not be negative.");
        if (inputs.Length < (long)batchSize * InputSize)
            throw new ArgumentException($"{batchSize} samples need {(long)batchSize * InputSize} input values, got {inputs.Length}.", nameof(inputs));
        if (outputs.Length < (long)batchSize * OutputSize)
            throw new ArgumentException($"{batchSize} samples need room for {(long)batchSize * OutputSize} output values, got {outputs.Length}.", nameof(outputs));
        for (int start = 0; start < batchSize; start += ChunkRows)
        {
            int rows = Math.Min(ChunkRows, batchSize - start);
            var chunkInputs = inputs.Slice(start * InputSize, rows * InputSize);
            var chunkOutputs = outputs.Slice(start * OutputSize, rows * OutputSize);
            var member = _scratch.AsSpan(0, rows * OutputSize);
            _members[0].PredictBatch(chunkInputs, chunkOutputs, rows);
            for (int m = 1; m < _members.Length; m++)
            {
                _members[m].PredictBatch(chunkInputs, member, rows);
                TensorPrimitives.Add(chunkOutputs, member, chunkOutputs);
            }
            if (_members.Length > 1) TensorPrimitives.Multiply(chunkOutputs, 1f / _members.Length, chunkOutputs);
        }
    }

    /// <summary>Loss and accuracy of the averaged outputs on <paramref name="data"/> (accuracy is NaN for regression losses).</summary>
    /// <exception cref="ArgumentException">The data is empty (there is no mean to report) or its shape does not match the ensemble's.</exception>
    public EvaluationResult Evaluate(Dataset data, int batchSize = 256)
    {
        ArgumentNullException.ThrowIfNull(data);
        CheckShape(data);
        if (batchSize <= 0) throw new ArgumentOutOfRangeException(nameof(batchSize), batchSize, "Batch size must be positive.");
        if (data.Count == 0)
            throw new ArgumentException("The data is empty: a loss and an accuracy need at least 1 sample, got 0.", nameof(data));
        int rowsPerBatch = Math.Min(batchSize, Math.Max(data.Count, 1));
        var outputs = new float[rowsPerBatch * OutputSize];
        var targets = new float[rowsPerBatch * OutputSize];
        double lossSum = 0;
        int correct = 0;
        for (int start = 0; start < data.Count; start += batchSize)
        {
            int size = Math.Min(batchSize, data.Count - start);
            var output = outputs.AsSpan(0, size * OutputSize);
            var target = targets.AsSpan(0, size * OutputSize);
            PredictBatch(data.Features.Slice(start * InputSize, size * InputSize), output, size);
            for (int r = 0; r < size; r++) data.CopyTargets(start + r, target.Slice(r * OutputSize, OutputSize));
            lossSum += Metrics.SumLoss(Loss, output, target, OutputSize);
            correct += Metrics.CountCorrect(output, target, OutputSize);
        }
        float accuracy = Metrics.IsClassification(Loss) ? (float)correct / data.Count : float.NaN;
        return new EvaluationResult((float)(lossSum / data.Count), accuracy, data.Count);
    }

    /// <summary>The predicted class of every sample from the averaged outputs (argmax, or a 0.5 threshold for one output).</summary>
    public int[] PredictClasses(Dataset data, int batchSize = 256)
    {
        ArgumentNullException.ThrowIfNull(data);
        CheckShape(data);
        if (batchSize <= 0) throw new ArgumentOutOfRangeException(nameof(batchSize), batchSize, "Batch size must be positive.");
        var classes = new int[data.Count];
        var outputs = new float[Math.Min(batchSize, Math.Max(1, data.Count)) * OutputSize];
        for (int start = 0; start < data.Count; start += batchSize)
        {
            int size = Math.Min(batchSize, data.Count - start);
            var output = outputs.AsSpan(0, size * OutputSize);
            PredictBatch(data.Features.Slice(start * InputSize, size * InputSize), output, size);
            for (int r = 0; r < size; r++)
            {
                var row = output.Slice(r * OutputSize, OutputSize);
                classes[start + r] = OutputSize == 1 ? (row[0] >= 0.5f ? 1 : 0) : Metrics.ArgMax(row);
            }
        }
        return classes;
    }

    private void CheckShape(Dataset data)
    {
        if (data.FeatureCount != InputSize)
            throw new ArgumentException($"The data has {data.FeatureCount} features per sample but the ensemble expects {InputSize}.", nameof(data));
        if (data.TargetCount != OutputSize)
            throw new ArgumentException($"The data has {data.TargetCount} targets per sample but the ensemble outputs {OutputSize}.", nameof(data));
    }
}
