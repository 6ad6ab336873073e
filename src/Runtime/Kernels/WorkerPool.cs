using System.ComponentModel;

namespace CompiledNets.Kernels;

/// <summary>
/// Persistent worker threads that run the parts of one product in parallel: part 0 on the calling thread, the other
/// parts claimed one at a time by whichever thread is free, then wait. No allocation and no thread creation per call;
/// the job is a delegate the caller allocates once. Each part must write disjoint outputs, so results never depend on
/// the thread count or on which thread ran a part.
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
    /// <summary>
    /// The current job's part count (high 32 bits) and its next unclaimed part (low 32 bits), in one word so that a claim
    /// reads the bound of the job it increments: a worker's last, failing claim on one job can land after the next job
    /// has started, and must then be checked against that job's count, not the old one.
    /// </summary>
    private long _claims;
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

    /// <summary>How many parts per thread <see cref="BalancedParts"/> splits a product into.</summary>
    public const int PartsPerThread = 4;

    /// <summary>
    /// The parts to split one product into so that the work balances itself: <see cref="PartsPerThread"/> per thread
    /// (1 for a single thread). Parts are claimed by whichever thread is free, so a core slowed by other work (a
    /// shared machine, a slower core) runs fewer of them, instead of the whole product waiting for its half.
    /// </summary>
    public int BalancedParts => Threads == 1 ? 1 : Threads * PartsPerThread;

    /// <summary>
    /// Runs <c>job(0)</c> … <c>job(Threads - 1)</c>, part 0 on this thread, and returns when all are done.
    /// Calls from several threads take turns (each waits for the pool).
    /// </summary>
    public void Run(Action<int> job) => Run(job, Threads);

    /// <summary>
    /// Runs <c>job(0)</c> … <c>job(parts - 1)</c>, part 0 on this thread and the rest on whichever thread is free
    /// first, and returns when all are done. Calls from several threads take turns (each waits for the pool).
    /// </summary>
    public void Run(Action<int> job, int parts)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(parts, 1);
        if (_workers.Length == 0 || parts == 1)
        {
            for (int part = 0; part < parts; part++) job(part);
            return;
        }
        lock (_runLock) RunLocked(job, parts);
    }

    /// <summary>
    /// Like <see cref="Run(Action{int})"/> when the pool is free; returns false at once, running nothing, while another
    /// thread holds it (the caller then runs the whole job itself).
    /// </summary>
    public bool TryRun(Action<int> job) => TryRun(job, Threads);

    /// <summary>
    /// Like <see cref="Run(Action{int}, int)"/> when the pool is free; returns false at once, running nothing, while
    /// another thread holds it (the caller then runs the whole job itself).
    /// </summary>
    public bool TryRun(Action<int> job, int parts)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(parts, 1);
        if (_workers.Length == 0 || parts == 1)
        {
            for (int part = 0; part < parts; part++) job(part);
            return true;
        }
        if (!Monitor.TryEnter(_runLock)) return false;
        try
        {
            RunLocked(job, parts);
        }
        finally
        {
            Monitor.Exit(_runLock);
        }
        return true;
    }

    private void RunLocked(Action<int> job, int parts)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        _job = job;
        _failure = null;
        Volatile.Write(ref _pending, parts - 1);
        // Parts 1.. are claimed, by a worker or by this thread once part 0 is done: a worker that is asleep (or
        // descheduled on a busy machine) delays nothing, since whoever is free first runs the part.
        Volatile.Write(ref _claims, ((long)parts << 32) | 1);
        _generation++;
        foreach (var start in _start) start.Set();
        // Part 0 fails like any other part: recorded, and reported once this thread has helped finish the rest.
        RunCaught(0);
        while (TryClaim(out int part)) RunPart(part);
        // Every part is claimed by now; wait for those running on workers: spin (yielding, never sleeping).
        var spinner = new SpinWait();
        while (Volatile.Read(ref _pending) != 0) spinner.SpinOnce(sleep1Threshold: -1);
        _job = null;
        if (_failure is not null) throw new AggregateException("A worker failed while running a kernel.", _failure);
    }

    /// <summary>Takes the next unclaimed part of the current job, if one is left.</summary>
    private bool TryClaim(out int part)
    {
        long claimed = Interlocked.Increment(ref _claims) - 1;
        part = (int)claimed;
        return part < (int)(claimed >> 32);
    }

    /// <summary>Runs a claimed part and counts it done.</summary>
    private void RunPart(int part)
    {
        RunCaught(part);
        Interlocked.Decrement(ref _pending);
    }

    /// <summary>Runs one part, recording a failure for the caller.</summary>
    private void RunCaught(int part)
    {
        try
        {
            _job!(part);
        }
        catch (Exception exception)
        {
            _failure = exception;
        }
    }

    private void WorkerLoop(int worker)
    {
        var start = _start[worker - 1];
        int seen = 0;
        while (true)
        {
            WaitForWork(start, seen);
            if (_disposed) return;
            seen = _generation;
            // A part claimed here belongs to the job being run: the caller sets the job before reopening the claims,
            // and waits for every claimed part before it sets the next one.
            while (TryClaim(out int part)) RunPart(part);
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
