namespace CompiledNets.Cluster.Tests;

[Collection(ClusterCollection.Name)]
public sealed class DataParallelTests(ClusterFixture fixture)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);
    private static readonly Dataset Train = Blobs.Create().Train;

    private static Func<int, INetwork> Factory(string model) => model == "tiny"
        ? seed => new TinyNet(seed) { Threads = 1 }
        : seed => new TinySgdNet(seed) { Threads = 1 };

    private async Task<(DataParallelStatus Status, INetwork Network)> RunAsync(DataParallelDefinition definition)
    {
        using var timeout = new CancellationTokenSource(Timeout);
        string name = "dp-" + Guid.NewGuid().ToString("N");
        var status = await fixture.Client.RunDataParallelAsync(name, definition, cancellationToken: timeout.Token);
        Assert.True(status.State == DataParallelState.Completed, status.Error);
        var bytes = await fixture.Client.GetDataParallelRun(name).GetCheckpointAsync();
        return (status, DataParallelEmulation.Load(Factory(definition.Model), bytes!));
    }

    [Theory]
    [InlineData("tiny", 2)]
    [InlineData("tiny", 3)]
    [InlineData("tiny-sgd", 3)]
    public async Task Synchronous_workers_match_single_process_training_on_the_same_global_batches_after_100_steps(string model, int workers)
    {
        var definition = new DataParallelDefinition { Model = model, Data = Blobs.Name, Workers = workers, BatchSize = 8 * workers, Steps = 100, Seed = 3, CheckpointEvery = 0 };

        var (status, trained) = await RunAsync(definition);

        Assert.Equal(100, status.Step);
        Assert.Equal(workers, status.WorkerSilos.Distinct().Count());
        var single = DataParallelEmulation.SingleProcess(Factory(model), Train, workers, 8, definition.Seed, 100);
        float worst = 0;
        for (int i = 0; i < trained.ParameterCount; i++) worst = Math.Max(worst, Math.Abs(trained.Parameters[i] - single.Parameters[i]));
        Assert.True(worst <= 1e-5f, $"largest parameter difference {worst}");
        // Training moved the parameters far more than the tolerance: the comparison is not trivially true.
        var initial = Factory(model)(definition.Seed);
        float moved = 0;
        for (int i = 0; i < trained.ParameterCount; i++) moved = Math.Max(moved, Math.Abs(trained.Parameters[i] - initial.Parameters[i]));
        Assert.True(moved > 0.05f, $"parameters moved at most {moved}");
    }

    [Fact]
    public async Task Synchronous_runs_are_bitwise_reproducible_and_equal_the_rank_ordered_average()
    {
        var definition = new DataParallelDefinition { Model = "tiny", Data = Blobs.Name, Workers = 3, BatchSize = 24, Epochs = 2, Seed = 11, CheckpointEvery = 7 };

        var (first, a) = await RunAsync(definition);
        var (_, b) = await RunAsync(definition);

        long steps = 2L * ShardSampler.CountSteps(Train.Count, 3, 8);
        Assert.Equal(steps, first.Step);
        Assert.Equal(2, first.Epochs.Count);
        Assert.True(first.Epochs[1].Loss < first.Epochs[0].Loss);
        Assert.True(first.Epochs[1].ValidationAccuracy > 0.8f, $"validation accuracy {first.Epochs[1].ValidationAccuracy}");
        Assert.Equal(a.Parameters.ToArray(), b.Parameters.ToArray());
        Assert.Equal(a.OptimizerState.ToArray(), b.OptimizerState.ToArray());
        var emulated = DataParallelEmulation.Synchronous(Factory("tiny"), Train, 3, 8, 11, steps);
        Assert.Equal(emulated.Parameters.ToArray(), a.Parameters.ToArray());
        Assert.Equal(steps, a.OptimizerStep);
    }

    [Fact]
    public async Task Local_sgd_averages_parameters_and_optimizer_state_every_n_steps()
    {
        var definition = new DataParallelDefinition { Model = "tiny", Data = Blobs.Name, Workers = 2, BatchSize = 16, Steps = 50, Seed = 4, SyncEvery = 4, CheckpointEvery = 0 };

        var (status, trained) = await RunAsync(definition);

        int stepsPerEpoch = ShardSampler.CountSteps(Train.Count, 2, 8);
        // Rounds of 4 steps that stop at every epoch's end (30 steps per epoch): 8 rounds, then 4 + 4 + 4 + 4 + 4 past step 30.
        Assert.True(status.Rounds < 50 && status.Rounds >= 50 / 4, $"{status.Rounds} rounds");
        var emulated = DataParallelEmulation.LocalSgd(Factory("tiny"), Train, 2, 8, 4, 50, 4, stepsPerEpoch);
        Assert.Equal(emulated.Parameters.ToArray(), trained.Parameters.ToArray());
        Assert.Equal(emulated.OptimizerState.ToArray(), trained.OptimizerState.ToArray());
        var synchronous = DataParallelEmulation.Synchronous(Factory("tiny"), Train, 2, 8, 4, 50);
        Assert.NotEqual(synchronous.Parameters.ToArray(), trained.Parameters.ToArray());
    }

    [Fact]
    public async Task A_batch_that_does_not_split_evenly_over_the_workers_is_rejected()
    {
        var definition = new DataParallelDefinition { Model = "tiny", Data = Blobs.Name, Workers = 3, BatchSize = 16 };
        var error = await Assert.ThrowsAsync<ArgumentException>(() => fixture.Client.RunDataParallelAsync("dp-bad", definition));
        Assert.Contains("multiple of the number of workers", error.Message);
    }
}
