namespace CompiledNets.Tests.Shared;

/// <summary>
/// A test double whose parameters, buffers, learning rate, losses and gradients the test controls: training
/// returns scripted losses, ComputeGradients writes <see cref="GradientValues"/>, ApplyGradients records what it saw,
/// and Predict writes <c>Scale * sum(input) + j</c> to output j.
/// </summary>
internal sealed class FakeNetwork : INetwork
{
    private readonly float[] _parameters;
    private readonly float[] _gradients;
    private readonly float[] _buffers;
    private readonly float[] _trainingOutputs;
    private int _trainingRows;

    public FakeNetwork(int parameterCount = 4, int bufferCount = 0, LossFunction loss = LossFunction.MeanSquaredError,
        int inputSize = 2, int outputSize = 1, float learningRate = 0.1f)
    {
        _parameters = new float[parameterCount];
        _gradients = new float[parameterCount];
        _buffers = new float[bufferCount];
        Loss = loss;
        InputSize = inputSize;
        OutputSize = outputSize;
        LearningRate = learningRate;
        _trainingOutputs = new float[MaxBatchSize * outputSize];
        GradientValues = new float[parameterCount];
    }

    public int InputSize { get; }
    public int OutputSize { get; }
    public int ParameterCount => _parameters.Length;
    public int MaxBatchSize => 256;
    public LossFunction Loss { get; }
    public Span<float> Parameters => _parameters;
    public Span<float> Gradients => _gradients;
    public Span<float> Buffers => _buffers;
    public Span<float> OptimizerState => Span<float>.Empty;
    public IReadOnlyList<TensorInfo> Tensors => [];
    public string Architecture => "Fake";
    public NetworkSummary Summary => new("Fake", InputSize, [], Loss.ToString(), "none");
    public float LearningRate { get; set; }
    public long OptimizerStep { get; set; }
    public ReadOnlySpan<float> TrainingOutputs => _trainingOutputs.AsSpan(0, _trainingRows * OutputSize);

    /// <summary>The loss of the n-th training batch (0-based); 1 by default.</summary>
    public Func<int, float> ScriptedLoss { get; set; } = _ => 1f;

    /// <summary>What ComputeGradients writes into Gradients.</summary>
    public float[] GradientValues { get; set; }

    /// <summary>Gradients as ApplyGradients saw them, one copy per step.</summary>
    public List<float[]> AppliedGradients { get; } = new();

    public int ComputeGradientsCalls { get; private set; }
    public int TrainBatchCalls { get; private set; }

    /// <summary>Predict writes <c>Scale * sum(input) + j</c> to output j.</summary>
    public float Scale { get; set; } = 1f;

    public void Predict(ReadOnlySpan<float> input, Span<float> output)
    {
        float sum = 0;
        foreach (float x in input[..InputSize]) sum += x;
        for (int j = 0; j < OutputSize; j++) output[j] = Scale * sum + j;
    }

    public void PredictBatch(ReadOnlySpan<float> inputs, Span<float> outputs, int batchSize)
    {
        for (int r = 0; r < batchSize; r++) Predict(inputs.Slice(r * InputSize, InputSize), outputs.Slice(r * OutputSize, OutputSize));
    }

    public float ComputeGradients(ReadOnlySpan<float> inputs, ReadOnlySpan<float> targets, int batchSize)
    {
        _trainingRows = batchSize;
        GradientValues.CopyTo(_gradients, 0);
        return ScriptedLoss(ComputeGradientsCalls++);
    }

    public void ApplyGradients()
    {
        AppliedGradients.Add(_gradients.ToArray());
        OptimizerStep++;
    }

    public float TrainBatch(ReadOnlySpan<float> inputs, ReadOnlySpan<float> targets, int batchSize)
    {
        TrainBatchCalls++;
        float loss = ComputeGradients(inputs, targets, batchSize);
        ApplyGradients();
        return loss;
    }
}
