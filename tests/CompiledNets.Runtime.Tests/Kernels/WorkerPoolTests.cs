using CompiledNets.Kernels;
using Xunit;

namespace CompiledNets.Runtime.Tests.Kernels;

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

    [Theory]
    [InlineData(1, 1)]
    [InlineData(1, 5)]
    [InlineData(2, 2)]
    [InlineData(2, 8)]
    [InlineData(3, 7)]
    [InlineData(3, 33)]
    public void More_parts_than_threads_each_run_exactly_once(int threads, int parts)
    {
        using var pool = new WorkerPool(threads);
        var counts = new int[parts];
        var ranBy = new int[parts];
        Action<int> job = part =>
        {
            Interlocked.Increment(ref counts[part]);
            ranBy[part] = Environment.CurrentManagedThreadId;
        };
        int caller = Environment.CurrentManagedThreadId;
        for (int run = 0; run < 500; run++)
        {
            if (run % 100 == 99) Thread.Sleep(5);
            pool.Run(job, parts);
            Assert.Equal(caller, ranBy[0]); // part 0 always runs on the calling thread
        }
        Assert.All(counts, count => Assert.Equal(500, count));
        int tried = 0;
        Assert.True(pool.TryRun(_ => Interlocked.Increment(ref tried), parts));
        Assert.Equal(parts, tried);
    }

    [Fact]
    public void A_free_thread_takes_the_parts_a_slow_thread_has_not_started()
    {
        using var pool = new WorkerPool(2);
        int caller = Environment.CurrentManagedThreadId;
        var ranBy = new int[8];
        // Part 0 keeps the caller busy long enough for the worker to claim and run every other part.
        pool.Run(part =>
        {
            ranBy[part] = Environment.CurrentManagedThreadId;
            if (part == 0) Thread.Sleep(500);
        }, 8);
        Assert.Equal(caller, ranBy[0]);
        Assert.All(ranBy.AsSpan(1).ToArray(), thread => Assert.NotEqual(caller, thread));
    }

    [Fact]
    public async Task Jobs_with_different_part_counts_on_one_pool_run_each_part_exactly_once()
    {
        // A worker's last, failing claim on one job can land after the next job has started; it must be checked against
        // the new job's part count, or it runs a part twice and the pool's count of running parts goes wrong.
        using var pool = new WorkerPool(3);
        var counts = new int[16];
        Action<int> job = part => Interlocked.Increment(ref counts[part]);
        var run = Task.Run(() =>
        {
            for (int i = 0; i < 100_000; i++)
            {
                int parts = i % 2 == 0 ? 2 : 16;
                Array.Clear(counts);
                pool.Run(job, parts);
                for (int part = 0; part < 16; part++)
                {
                    int expected = part < parts ? 1 : 0;
                    if (counts[part] != expected) throw new InvalidOperationException($"run {i}: part {part} of {parts} ran {counts[part]} times");
                }
            }
        });
        // A hang fails the test with a TimeoutException instead of stopping the run.
        await run.WaitAsync(TimeSpan.FromMinutes(2));
    }

    [Fact]
    public void A_failing_first_part_is_reported_after_the_others_ran()
    {
        using var pool = new WorkerPool(2);
        var ran = new int[8];
        var error = Assert.Throws<AggregateException>(() => pool.Run(part =>
        {
            Interlocked.Increment(ref ran[part]);
            if (part == 0) throw new InvalidOperationException("part 0");
        }, 8));
        Assert.Equal("part 0", error.InnerException!.Message);
        Assert.All(ran, count => Assert.Equal(1, count));
    }

    [Fact]
    public void Exactly_one_part_starts_at_zero_with_work_for_any_split()
    {
        // The weight-gradient kernels give the bias sum to the part with first == 0 and last > 0.
        foreach (int count in new[] { 1, 15, 16, 17, 63, 64, 65, 784, 1023 })
            foreach (int granularity in new[] { 1, 4, 16, 64 })
                foreach (int parts in new[] { 1, 2, 3, 8, 16, 33 })
                {
                    int owners = 0, covered = 0;
                    for (int part = 0; part < parts; part++)
                    {
                        var (first, last) = WorkerPool.Partition(count, granularity, part, parts);
                        Assert.True(first <= last, $"{count}/{granularity}/{parts}: part {part} is [{first}, {last})");
                        covered += last - first;
                        if (first == 0 && last > 0) owners++;
                    }
                    Assert.Equal(count, covered);
                    Assert.Equal(1, owners);
                }
    }

    [Fact]
    public void Balanced_parts_are_four_per_thread_and_one_alone()
    {
        using var one = new WorkerPool(1);
        using var two = new WorkerPool(2);
        Assert.Equal(1, one.BalancedParts);
        Assert.Equal(8, two.BalancedParts);
        Assert.Throws<ArgumentOutOfRangeException>(() => two.Run(_ => { }, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => two.TryRun(_ => { }, -1));
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
