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
    private readonly object _runLock = new();
    private Action<int>? _job;
    private int _pending;
    private volatile int _generation;
    private volatile bool _disposed;

    /// <summary>
    /// How long an idle worker keeps polling for the next product before it sleeps on its event. A training step runs
    /// products back to back with little serial work between them; waking a sleeping thread costs tens of
    /// microseconds, more than a small product takes, so workers stay awake across a step (as OpenMP's active wait).
    /// </summary>
    private static readonly long SpinTicks = System.Diagnostics.Stopwatch.Frequency / 5_000; // 200 µs
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
            _start[i] = new ManualResetEventSlim(false, spinCount: 0);
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
        lock (_runLock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            _job = job;
            _failure = null;
            Volatile.Write(ref _pending, _workers.Length);
            _generation++;
            foreach (var start in _start) start.Set();
            try
            {
                job(0);
            }
            finally
            {
                // The parts are balanced, so the wait is short: spin (yielding, never sleeping) rather than block.
                var spinner = new SpinWait();
                while (Volatile.Read(ref _pending) != 0) spinner.SpinOnce(sleep1Threshold: -1);
                _job = null;
            }
            if (_failure is not null) throw new AggregateException("A worker failed while running a kernel.", _failure);
        }
    }

    private void WorkerLoop(int part)
    {
        var start = _start[part - 1];
        int seen = 0;
        while (true)
        {
            WaitForWork(start, seen);
            if (_disposed) return;
            seen = _generation;
            try
            {
                _job!(part);
            }
            catch (Exception exception)
            {
                _failure = exception;
            }
            Interlocked.Decrement(ref _pending);
        }
    }

    /// <summary>Polls for a new generation for <see cref="SpinTicks"/>, then sleeps on the worker's event.</summary>
    private void WaitForWork(ManualResetEventSlim start, int seen)
    {
        long deadline = System.Diagnostics.Stopwatch.GetTimestamp() + SpinTicks;
        while (_generation == seen && !_disposed)
        {
            if (System.Diagnostics.Stopwatch.GetTimestamp() > deadline)
            {
                // Reset before checking again: a Set that comes after this check wakes the Wait below.
                start.Reset();
                if (_generation != seen || _disposed) return;
                start.Wait();
                return;
            }
            Thread.SpinWait(8);
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
