using System.Reflection;
using static CompiledNets.Equivalence.Tests.Tolerance;

namespace CompiledNets.Equivalence.Tests;

/// <summary>
/// <c>PredictBatch</c> runs fixed blocks of samples (the generated <c>PredictBlockRows</c>), each through every layer on
/// one thread, the blocks shared across the pool. On every corpus architecture (chains, graphs of one and two inputs,
/// convnets), a batch of whole blocks and a partial one, large enough for the pool to take it, must give: bitwise the
/// same outputs on 1 and 2 threads;
/// bitwise the same outputs for the first block's samples when they are predicted alone (a block never reads another's
/// rows); and the interpreted engine's outputs, within the usual tolerance.
/// </summary>
public sealed class PredictBatchBlocksTests
{
    private const int Seed = 1234;

    [Theory]
    [MemberData(nameof(Corpus.Names), MemberType = typeof(Corpus))]
    public void Blocks_are_independent_of_the_thread_count_and_of_each_other(string name)
    {
        var one = GeneratedCorpus.Create(name, Seed, maxBatchSize: 8);
        var two = GeneratedCorpus.Create(name, Seed, maxBatchSize: 8);
        one.GetType().GetProperty("Threads")!.SetValue(one, 1);
        two.GetType().GetProperty("Threads")!.SetValue(two, 2);
        int blockRows = BlockRows(one);
        int batch = PooledBatch(one, blockRows);
        var (inputs, _) = TestData.Batch(one, batch, seed: 5);
        int outputs = one.OutputSize;

        var single = new float[batch * outputs];
        var pooled = new float[batch * outputs];
        one.PredictBatch(inputs, single, batch);
        two.PredictBatch(inputs, pooled, batch);
        Assert.True(single.AsSpan().SequenceEqual(pooled), $"{name}: PredictBatch of {batch} differs between 1 and 2 threads");

        var firstBlock = new float[blockRows * outputs];
        two.PredictBatch(inputs.AsSpan(0, blockRows * one.InputSize), firstBlock, blockRows);
        Assert.True(firstBlock.AsSpan().SequenceEqual(single.AsSpan(0, blockRows * outputs)), $"{name}: the first block alone differs from the first block of the batch");

        var interpreted = Corpus.Get(name).CreateSequential(Seed, 8);
        var expected = new float[batch * outputs];
        interpreted.PredictBatch(inputs, expected, batch);
        AssertClose(single, expected, $"{name} PredictBatch of {batch} against the interpreted engine");
    }

    [Fact]
    public void Block_rows_follow_the_network_width_within_their_bounds()
    {
        var rows = Corpus.Entries.Select(e => BlockRows(GeneratedCorpus.Create(e.Name, Seed, 1))).ToList();
        Assert.All(rows, r => Assert.True(r is >= 4 and <= 64 && r % 4 == 0, $"{r} rows per block"));
        // Narrow chains fill the largest blocks; a convnet's wide planes take the smallest.
        Assert.Contains(64, rows);
        Assert.Contains(4, rows);
    }

    /// <summary>
    /// Whole blocks and 3 samples more, at least two blocks, and (up to 2¹⁵ samples) enough that the batch's products pass the
    /// generated <c>ParallelThreshold</c> (16 MFLOP) so that 2 threads do share it: a product's FLOPs per sample are
    /// under 2 · its parameters (times the output plane for a convolution), so the parameter count undercounts by half.
    /// </summary>
    private static int PooledBatch(INetwork network, int blockRows)
    {
        long work = network.Summary.Layers.Sum(l => (long)l.TrainableParameters * (l.Kind == "Conv2D" ? l.OutputShape[1] * l.OutputShape[2] : 1));
        long samples = Math.Clamp(16_000_000 / Math.Max(1, work) + 1, 2L * blockRows, 1 << 15);
        return (int)((samples + blockRows - 1) / blockRows * blockRows) + 3;
    }

    private static int BlockRows(INetwork network) =>
        (int)network.GetType().GetField("PredictBlockRows", BindingFlags.NonPublic | BindingFlags.Static)!.GetValue(null)!;
}
