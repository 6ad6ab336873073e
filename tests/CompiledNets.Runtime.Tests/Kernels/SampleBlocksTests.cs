using System.Collections.Concurrent;
using CompiledNets.Kernels;

namespace CompiledNets.Runtime.Tests.Kernels;

/// <summary>
/// <see cref="SampleBlocks"/> hands each block of a batch, as its own slices of the caller's spans, to whichever thread
/// is free: every block exactly once, fixed boundaries whatever the pool, the last block partial.
/// </summary>
public class SampleBlocksTests
{
    private const int InputSize = 3, OutputSize = 2;

    /// <summary>Writes, for every sample, the sum of its inputs and the rows of its block; records each block's first input.</summary>
    private static SampleBlocks Recording(ConcurrentBag<(float First, int Rows)> calls, int blockRows) => new((inputs, outputs, rows, _) =>
    {
        Assert.Equal(rows * InputSize, inputs.Length);
        Assert.Equal(rows * OutputSize, outputs.Length);
        calls.Add((inputs[0], rows));
        for (int r = 0; r < rows; r++)
        {
            outputs[r * OutputSize] = inputs[r * InputSize] + inputs[r * InputSize + 1] + inputs[r * InputSize + 2];
            outputs[r * OutputSize + 1] = rows;
        }
    }, InputSize, OutputSize, blockRows);

    [Theory]
    [InlineData(0, 1)]
    [InlineData(1, 2)]
    [InlineData(8, 2)]
    [InlineData(8, 3)]
    [InlineData(1003, 1)]
    [InlineData(1003, 2)]
    [InlineData(1003, 4)]
    [InlineData(17, 4)] // fewer blocks than threads: a stripe per block
    public void Every_block_runs_once_on_its_own_slices(int batch, int threads)
    {
        const int blockRows = 8;
        var inputs = Enumerable.Range(0, batch * InputSize).Select(i => (float)i).ToArray();
        var outputs = new float[batch * OutputSize];
        var calls = new ConcurrentBag<(float First, int Rows)>();
        using var pool = new WorkerPool(threads);
        Recording(calls, blockRows).Run(pool, inputs, outputs, batch);

        var expectedBlocks = Enumerable.Range(0, (batch + blockRows - 1) / blockRows)
            .Select(b => ((float)(b * blockRows * InputSize), Math.Min(blockRows, batch - b * blockRows))).ToList();
        Assert.Equal(expectedBlocks.OrderBy(c => c.Item1), calls.OrderBy(c => c.First));
        for (int s = 0; s < batch; s++)
        {
            Assert.Equal(3f * (3 * s) + 3f, outputs[s * OutputSize]);
            Assert.Equal(Math.Min(blockRows, batch - s / blockRows * blockRows), outputs[s * OutputSize + 1]);
        }
    }

    /// <summary>
    /// Each block is handed the inputs of the block its thread is likely to take next, to prefetch: the next block of its
    /// stripe (the batch's blocks split evenly, one stripe per thread; without a pool, one stripe), empty at a stripe's end,
    /// partial when that is the batch's last block.
    /// </summary>
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void Each_block_is_handed_the_inputs_of_its_threads_next_block(int threads)
    {
        const int blockRows = 4, batch = 4 * 5 + 2; // five whole blocks and a partial one
        var inputs = Enumerable.Range(0, batch * InputSize).Select(i => (float)i).ToArray();
        var seen = new ConcurrentDictionary<float, float[]>();
        var blocks = new SampleBlocks((block, _, _, ahead) => seen[block[0]] = ahead.ToArray(), InputSize, OutputSize, blockRows);
        using var pool = threads == 1 ? null : new WorkerPool(threads);
        blocks.Run(pool, inputs, new float[batch * OutputSize], batch);

        Assert.Equal(6, seen.Count);
        for (int block = 0; block < 6; block++)
        {
            int stripe = block * threads / 6, stripeEnd = (stripe + 1) * 6 / threads; // 6 blocks in `threads` even stripes
            bool last = block + 1 == stripeEnd;
            int start = last ? batch : (block + 1) * blockRows, rows = last ? 0 : Math.Min(blockRows, batch - start);
            Assert.Equal(inputs.AsSpan(start * InputSize, rows * InputSize).ToArray(), seen[block * blockRows * InputSize]);
        }
    }

    [Fact]
    public void Without_a_pool_the_blocks_run_on_the_calling_thread()
    {
        int caller = Environment.CurrentManagedThreadId;
        var threadsSeen = new ConcurrentBag<int>();
        var blocks = new SampleBlocks((_, _, _, _) => threadsSeen.Add(Environment.CurrentManagedThreadId), InputSize, OutputSize, 4);
        blocks.Run(null, new float[10 * InputSize], new float[10 * OutputSize], 10);
        Assert.Equal(3, threadsSeen.Count);
        Assert.All(threadsSeen, id => Assert.Equal(caller, id));
    }

    [Fact]
    public void Lengths_that_do_not_match_the_batch_are_rejected()
    {
        var blocks = new SampleBlocks((_, _, _, _) => { }, InputSize, OutputSize, 4);
        var inputs = Assert.Throws<ArgumentException>(() => blocks.Run(null, new float[5], new float[4], 2));
        Assert.Contains("2 samples × 3 features", inputs.Message);
        var outputs = Assert.Throws<ArgumentException>(() => blocks.Run(null, new float[6], new float[5], 2));
        Assert.Contains("2 samples × 2 outputs", outputs.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => blocks.Run(null, [], [], -1));
        Assert.Throws<ArgumentOutOfRangeException>(() => new SampleBlocks((_, _, _, _) => { }, InputSize, OutputSize, 0));
    }

    [Fact]
    public void A_failing_block_fails_the_call()
    {
        using var pool = new WorkerPool(2);
        var blocks = new SampleBlocks((inputs, _, _, _) =>
        {
            if (inputs[0] >= 4 * InputSize) throw new InvalidOperationException("block failed");
        }, InputSize, OutputSize, 4);
        var failure = Assert.ThrowsAny<Exception>(() => blocks.Run(pool, Enumerable.Range(0, 16 * InputSize).Select(i => (float)i).ToArray(), new float[16 * OutputSize], 16));
        Assert.Contains("block failed", failure.ToString());
    }
}
