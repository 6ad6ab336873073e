namespace CompiledNets.Cluster.Tests;

/// <summary>
/// Holds training at a gate the test opens: trials that reach their first batch stop there and are counted, so a
/// test knows they run (and where) before it kills their silo. A killed in-process silo's threads live on, so the
/// gate stays shut for the silos a test names: their trials never finish and cannot report from beyond the grave.
/// </summary>
public sealed class TrainingGate
{
    // Bounded waits: a test that fails before opening the gate must not leave threads blocked for ever.
    private static readonly TimeSpan Longest = TimeSpan.FromSeconds(60);
    private readonly ManualResetEventSlim _open = new(false);
    private readonly ManualResetEventSlim _all = new(false);
    private volatile string[] _held = [];
    private int _waiting;

    public int Waiting => Volatile.Read(ref _waiting);

    /// <summary>Lets every trial through, except those on the silos named.</summary>
    public void Open(params string[] exceptOnSilos)
    {
        _held = exceptOnSilos;
        _open.Set();
    }

    /// <summary>Lets every trial through (when the test is over).</summary>
    public void OpenAll()
    {
        _all.Set();
        _open.Set();
    }

    public void Pass(string silo)
    {
        if (!_open.IsSet)
        {
            Interlocked.Increment(ref _waiting);
            _open.Wait(Longest);
        }
        if (_held.Contains(silo)) _all.Wait(Longest);
    }
}

internal sealed class GatedNetwork(INetwork inner, TrainingGate gate, string silo) : INetwork
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
        gate.Pass(silo);
    }
}
