using System.ComponentModel;

namespace CompiledNets.Kernels;

/// <summary>
/// Persistent worker threads that run the parts of one product in parallel: part 0 on the calling thread,
/// parts 1..n-1 on workers, then wait. No allocation and no thread creation per call; the job is a delegate
/// the caller allocates once. Each part must write disjoint outputs, so results never depend on the thread count.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Advanced)]
public sealed class WorkerPool : IDisposable
{
    private static readonly Dictionary<int, WorkerPool> SharedPools = new();
    private readonly Thread[] _workers;
    private readonly ManualResetEventSlim[] _start;
    private readonly ManualResetEventSlim _done = new(false);
    private Action<int>? _job;
    private int _pending;
    private volatile bool _disposed;
    private Exception? _failure;

    /// <summary>Creates a pool that runs up to <paramref name="threads"/> parts at once (the caller counts as one).</summary>
    public WorkerPool(int threads)
    {
        if (threads < 1) throw new ArgumentOutOfRangeException(nameof(threads), threads, "A pool needs at least one thread.");
        Threads = threads;
        _workers = new Thread[threads - 1];
        _start = new ManualResetEventSlim[threads - 1];
        for (int i = 0; i < _workers.Length; i++)
        {
            int part = i + 1;
            _start[i] = new ManualResetEventSlim(false, spinCount: 2000);
            _workers[i] = new Thread(() => WorkerLoop(part)) { IsBackground = true, Name = $"CompiledNets worker {part}" };
            _workers[i].Start();
        }
    }

    /// <summary>One shared pool per thread count, created on first use and kept for the process.</summary>
    public static WorkerPool Shared(int threads)
    {
        lock (SharedPools)
        {
            if (!SharedPools.TryGetValue(threads, out var pool)) SharedPools[threads] = pool = new WorkerPool(threads);
            return pool;
        }
    }

    /// <summary>Parts that run at once.</summary>
    public int Threads { get; }

    /// <summary>
    /// Runs <c>job(0)</c> … <c>job(Threads - 1)</c>, part 0 on this thread, and returns when all are done.
    /// Not re-entrant: one network step at a time per pool (networks using the same pool must not step concurrently).
    /// </summary>
    public void Run(Action<int> job)
    {
        if (_workers.Length == 0)
        {
            job(0);
            return;
        }
        lock (_done)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            _job = job;
            _failure = null;
            _done.Reset();
            Volatile.Write(ref _pending, _workers.Length);
            foreach (var start in _start) start.Set();
            try
            {
                job(0);
            }
            finally
            {
                _done.Wait();
                _job = null;
            }
            if (_failure is not null) throw new AggregateException("A worker failed while running a kernel.", _failure);
        }
    }

    private void WorkerLoop(int part)
    {
        var start = _start[part - 1];
        while (true)
        {
            start.Wait();
            start.Reset();
            if (_disposed) return;
            try
            {
                _job!(part);
            }
            catch (Exception exception)
            {
                _failure = exception;
            }
            if (Interlocked.Decrement(ref _pending) == 0) _done.Set();
        }
    }

    /// <summary>Stops the workers.</summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        foreach (var start in _start) start.Set();
    }

    /// <summary>
    /// Splits <c>[0, count)</c> into <paramref name="parts"/> contiguous ranges whose boundaries are multiples of
    /// <paramref name="granularity"/> (the last range ends at <paramref name="count"/>); returns part <paramref name="part"/>.
    /// </summary>
    public static (int First, int Last) Partition(int count, int granularity, int part, int parts)
    {
        int blocks = (count + granularity - 1) / granularity;
        int first = (int)((long)blocks * part / parts) * granularity;
        int last = (int)((long)blocks * (part + 1) / parts) * granularity;
        return (Math.Min(first, count), Math.Min(last, count));
    }
}
