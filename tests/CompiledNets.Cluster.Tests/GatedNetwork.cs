using CompiledNets.Tests.Shared;

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

internal sealed class GatedNetwork(INetwork inner, TrainingGate gate, string silo) : ForwardingNetwork(inner)
{
    private bool _passed;

    public override float ComputeGradients(ReadOnlySpan<float> inputs, ReadOnlySpan<float> targets, int batchSize)
    {
        PassOnce();
        return Inner.ComputeGradients(inputs, targets, batchSize);
    }

    public override float TrainBatch(ReadOnlySpan<float> inputs, ReadOnlySpan<float> targets, int batchSize)
    {
        PassOnce();
        return Inner.TrainBatch(inputs, targets, batchSize);
    }

    private void PassOnce()
    {
        if (_passed) return;
        _passed = true;
        gate.Pass(silo);
    }
}
