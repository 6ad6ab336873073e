using System.ComponentModel;

namespace CompiledNets.Kernels;

/// <summary>
/// A copy of some of a network's weights that its predictions read in place of the float32 parameters (bfloat16, or
/// float32 in the order a kernel streams them), and when it is current. The parameters stay the master copy: whatever
/// may change them calls <see cref="MarkStale"/> (one interlocked increment, so training pays nothing more), and every
/// prediction starts with <see cref="EnsureCurrent"/>, which fills the copy again when they changed. Predictions run on
/// many threads at once: the first after a change fills it under a lock while the others wait, and the copy counts as
/// current only once it is complete.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Advanced)]
public abstract class WeightCopy
{
    private readonly Lock _lock = new();

    /// <summary>Changes of the float32 weights so far; starts ahead of <see cref="_copied"/>, so the first prediction fills the copy.</summary>
    private int _version = 1;

    /// <summary>The <see cref="_version"/> the copy was filled from.</summary>
    private int _copied;

    /// <summary>True when the copy holds the float32 weights as they were at the last <see cref="MarkStale"/>.</summary>
    public bool IsCurrent => Volatile.Read(ref _copied) == Volatile.Read(ref _version);

    /// <summary>Records that the float32 weights changed (or may be changed by whoever holds them): the next prediction fills the copy again.</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    public void MarkStale() => Interlocked.Increment(ref _version);

    /// <summary>Fills the copy from <paramref name="parameters"/> unless it is current; safe to call from many threads at once.</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    public void EnsureCurrent(ReadOnlySpan<float> parameters)
    {
        if (!IsCurrent) Refresh(parameters);
    }

    /// <summary>Writes the copy from the whole parameter vector.</summary>
    protected abstract void Fill(ReadOnlySpan<float> parameters);

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private void Refresh(ReadOnlySpan<float> parameters)
    {
        lock (_lock)
        {
            // Read before filling: a change during it leaves the copy behind that change, so the next call fills it again.
            int version = Volatile.Read(ref _version);
            if (_copied == version) return;
            Fill(parameters);
            Volatile.Write(ref _copied, version);
        }
    }
}
