using CompiledNets.Kernels;
using Xunit;

namespace CompiledNets.Runtime.Tests;

public class WorkerPoolTests
{
    [Fact]
    public void Every_part_runs_exactly_once_per_run()
    {
        using var pool = new WorkerPool(3);
        var counts = new int[3];
        Action<int> job = part => Interlocked.Increment(ref counts[part]);
        for (int run = 0; run < 2_000; run++)
        {
            // Now and then let the workers fall asleep, so parts are claimed by a waking worker or by the caller.
            if (run % 500 == 499) Thread.Sleep(5);
            pool.Run(job);
        }
        Assert.Equal([2_000, 2_000, 2_000], counts);
    }

    [Fact]
    public async Task TryRun_declines_while_another_thread_holds_the_pool()
    {
        using var pool = new WorkerPool(2);
        using var inside = new ManualResetEventSlim(false);
        using var release = new ManualResetEventSlim(false);
        var holder = Task.Run(() => pool.Run(part =>
        {
            if (part != 0) return;
            inside.Set();
            release.Wait();
        }));
        Assert.True(inside.Wait(TimeSpan.FromSeconds(10)));
        bool ran = false;
        Assert.False(pool.TryRun(_ => ran = true));
        Assert.False(ran);
        release.Set();
        await holder.WaitAsync(TimeSpan.FromSeconds(10));
        int parts = 0;
        Assert.True(pool.TryRun(_ => Interlocked.Increment(ref parts)));
        Assert.Equal(2, parts);
    }

    [Fact]
    public void A_failing_part_is_reported_to_the_caller()
    {
        using var pool = new WorkerPool(2);
        var error = Assert.Throws<AggregateException>(() => pool.Run(part => { if (part == 1) throw new InvalidOperationException("part 1"); }));
        Assert.Equal("part 1", error.InnerException!.Message);
        int parts = 0;
        pool.Run(_ => Interlocked.Increment(ref parts));
        Assert.Equal(2, parts);
    }
}
