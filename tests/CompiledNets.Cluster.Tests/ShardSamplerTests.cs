namespace CompiledNets.Cluster.Tests;

public sealed class ShardSamplerTests
{
    [Fact]
    public void Workers_draw_disjoint_samples_and_each_sees_its_shard_at_most_once_per_epoch()
    {
        const int Samples = 103, Workers = 3, Batch = 5;
        var samplers = Enumerable.Range(0, Workers).Select(r => new ShardSampler(Samples, Workers, r, Batch, seed: 1)).ToArray();
        int steps = samplers[0].StepsPerEpoch;
        Assert.Equal(34 / 5, steps);

        for (int epoch = 0; epoch < 3; epoch++)
        {
            var seen = new HashSet<int>();
            for (int step = epoch * steps; step < (epoch + 1) * steps; step++)
                for (int r = 0; r < Workers; r++)
                    foreach (int index in samplers[r].Batch(step))
                    {
                        Assert.Equal(r, index % Workers);
                        Assert.True(seen.Add(index), $"sample {index} twice in epoch {epoch}");
                    }
            Assert.Equal(steps * Batch * Workers, seen.Count);
        }
    }

    [Fact]
    public void Epochs_are_reshuffled_and_the_order_is_fixed_by_the_seed()
    {
        var a = new ShardSampler(1000, 2, 1, 10, seed: 5);
        var b = new ShardSampler(1000, 2, 1, 10, seed: 5);
        var c = new ShardSampler(1000, 2, 1, 10, seed: 6);

        var epoch0 = a.Batch(0).ToArray();
        var epoch1 = a.Batch(a.StepsPerEpoch).ToArray();
        Assert.NotEqual(epoch0, epoch1);
        Assert.Equal(epoch1, b.Batch(b.StepsPerEpoch).ToArray());
        Assert.Equal(epoch0, b.Batch(0).ToArray());
        Assert.NotEqual(epoch0, c.Batch(0).ToArray());
    }

    [Fact]
    public void Too_little_data_for_one_batch_per_worker_is_an_error()
    {
        var error = Assert.Throws<ArgumentException>(() => new ShardSampler(10, 4, 0, 3, 1));
        Assert.Contains("fewer than one batch of 3", error.Message);
    }
}
