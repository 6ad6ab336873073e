namespace CompiledNets.Cluster.Tests;

/// <summary>
/// Holds training at a gate the test opens: trials that reach their first batch stop there and are counted, so a
/// test knows they run (and where) before it kills their silo. Every other member delegates to the wrapped network.
/// </summary>
public sealed class TrainingGate
{
    private readonly ManualResetEventSlim _open = new(false);
    private int _waiting;

    public int Waiting => Volatile.Read(ref _waiting);

    public void Open() => _open.Set();

    public void Pass()
    {
        if (_open.IsSet) return;
        Interlocked.Increment(ref _waiting);
        // Bounded: a test that fails before opening the gate must not leave threads blocked for ever.
        _open.Wait(TimeSpan.FromSeconds(60));
    }
}

internal sealed class GatedNetwork(INetwork inner, TrainingGate gate) : INetwork
{
    private bool _passed;

    public int InputSize => inner.InputSize;
    public int OutputSize => inner.OutputSize;
    public int ParameterCount => inner.ParameterCount;
    public int MaxBatchSize => inner.MaxBatchSize;
    public LossFunction Loss => inner.Loss;
    public Span<float> Parameters => inner.Parameters;
    public Span<float> Gradients => inner.Gradients;
    public Span<float> Buffers => inner.Buffers;
    public Span<float> OptimizerState => inner.OptimizerState;
    public IReadOnlyList<TensorInfo> Tensors => inner.Tensors;
    public string Architecture => inner.Architecture;
    public NetworkSummary Summary => inner.Summary;
    public float LearningRate { get => inner.LearningRate; set => inner.LearningRate = value; }
    public long OptimizerStep { get => inner.OptimizerStep; set => inner.OptimizerStep = value; }
    public ReadOnlySpan<float> TrainingOutputs => inner.TrainingOutputs;
    public void Predict(ReadOnlySpan<float> input, Span<float> output) => inner.Predict(input, output);
    public void PredictBatch(ReadOnlySpan<float> inputs, Span<float> outputs, int batchSize) => inner.PredictBatch(inputs, outputs, batchSize);
    public void ApplyGradients() => inner.ApplyGradients();

    public float ComputeGradients(ReadOnlySpan<float> inputs, ReadOnlySpan<float> targets, int batchSize)
    {
        PassOnce();
        return inner.ComputeGradients(inputs, targets, batchSize);
    }

    public float TrainBatch(ReadOnlySpan<float> inputs, ReadOnlySpan<float> targets, int batchSize)
    {
        PassOnce();
        return inner.TrainBatch(inputs, targets, batchSize);
    }

    private void PassOnce()
    {
        if (_passed) return;
        _passed = true;
        gate.Pass();
    }
}
