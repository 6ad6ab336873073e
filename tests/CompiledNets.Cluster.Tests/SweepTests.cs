using CompiledNets;

namespace CompiledNets.Cluster.Tests;

[Collection(ClusterCollection.Name)]
public sealed class SweepTests(ClusterFixture fixture)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Grid_sweep_spreads_its_trials_over_every_silo_and_records_each_once()
    {
        var trials = new SearchSpace()
            .LearningRates(3e-3f, 1e-2f, 3e-2f)
            .BatchSizes(16, 32)
            .Grid(new TrialSpec { Model = "tiny", Epochs = 3, Seed = 5 });
        var definition = new SweepDefinition { Data = Blobs.Name, Trials = trials.ToArray() };

        using var timeout = new CancellationTokenSource(Timeout);
        var status = await fixture.Client.RunSweepAsync("grid-" + Guid.NewGuid().ToString("N"), definition, cancellationToken: timeout.Token);

        Assert.Equal(SweepState.Completed, status.State);
        Assert.Equal(6, status.Trials.Count);
        Assert.All(status.Trials, t =>
        {
            Assert.Equal(TrialStatus.Completed, t.Status);
            Assert.Equal([1, 2, 3], t.Epochs.Select(e => e.Epoch));
            Assert.Equal(1, t.Attempts);
            Assert.False(float.IsNaN(t.Result!.TestAccuracy));
        });
        var silos = fixture.Cluster.Silos.Select(s => s.Name).ToHashSet();
        Assert.Equal(silos, status.Trials.Select(t => t.Silo!).ToHashSet());
    }

    [Fact]
    public async Task Successive_halving_prunes_the_worst_trials_and_continues_the_best_from_their_checkpoints()
    {
        var trials = new SearchSpace().LearningRates(1e-4f, 3e-4f, 1e-3f, 3e-3f, 1e-2f, 3e-2f).Grid(new TrialSpec { Model = "tiny", Epochs = 3, Seed = 2 });
        var definition = new SweepDefinition { Data = Blobs.Name, Trials = trials.ToArray(), Halving = new SuccessiveHalving { MinEpochs = 1, ReductionFactor = 3 } };

        using var timeout = new CancellationTokenSource(Timeout);
        var status = await fixture.Client.RunSweepAsync("halving-" + Guid.NewGuid().ToString("N"), definition, cancellationToken: timeout.Token);

        var completed = status.Trials.Where(t => t.Status == TrialStatus.Completed).ToList();
        var pruned = status.Trials.Where(t => t.Status == TrialStatus.Pruned).ToList();
        Assert.Equal(2, completed.Count);
        Assert.Equal(4, pruned.Count);
        Assert.All(pruned, t => Assert.Single(t.Epochs));
        Assert.All(completed, t => Assert.Equal([1, 2, 3], t.Epochs.Select(e => e.Epoch)));
        float worstSurvivor = completed.Min(t => t.Epochs[0].ValidationAccuracy);
        Assert.All(pruned, t => Assert.True(t.Epochs[0].ValidationAccuracy <= worstSurvivor));
        // Epochs 2-3 continued from the epoch-1 checkpoint: the same weights as training those segments in one process.
        var best = status.Best!;
        var data = Blobs.Create();
        var networks = new CompiledNetsBuilder().Add("tiny", seed => new TinyNet(seed) { Threads = 1 }).BuildNetworks();
        var first = TrialRunner.Run(networks, data, new TrialAssignment { Spec = best.Spec, StartEpoch = 0, EndEpoch = 1 }, null, [], default);
        var second = TrialRunner.Run(networks, data, new TrialAssignment { Spec = best.Spec, StartEpoch = 1, EndEpoch = 3 }, first.Checkpoint, first.Epochs, default);
        var fromCluster = await fixture.Client.LoadTrialAsync<TinyNet>(status.Name, best.Id);
        var local = DataParallelEmulation.Load(seed => new TinyNet(seed), second.Checkpoint);
        Assert.Equal(local.Parameters.ToArray(), fromCluster.Parameters.ToArray());
        Assert.Equal(second.Result.ValidationAccuracy, best.Result!.ValidationAccuracy);
    }

    [Fact]
    public async Task The_best_trial_checkpoint_comes_back_to_the_client_and_the_others_are_dropped()
    {
        var trials = new SearchSpace().LearningRates(1e-4f, 1e-2f).Grid(new TrialSpec { Model = "tiny", Epochs = 2 });
        string name = "best-" + Guid.NewGuid().ToString("N");
        using var timeout = new CancellationTokenSource(Timeout);
        var status = await fixture.Client.RunSweepAsync(name, new SweepDefinition { Data = Blobs.Name, Trials = trials.ToArray() }, cancellationToken: timeout.Token);

        var best = status.Best!;
        Assert.Equal(status.Trials.MaxBy(t => t.Result!.ValidationAccuracy)!.Id, best.Id);
        var network = new TinyNet();
        using (var stream = new MemoryStream(await fixture.Client.GetBestCheckpointAsync(name))) network.Load(stream);
        var data = Blobs.Create();
        Assert.Equal(best.Result!.TestAccuracy, network.Evaluate(data.Test!).Accuracy);
        Assert.Null(await fixture.Client.GetSweep(name).GetCheckpointAsync(1 - best.Id));
    }

    [Fact]
    public async Task An_ensemble_trains_its_members_across_silos_and_returns_as_an_Ensemble()
    {
        var definition = new EnsembleDefinition { Model = "tiny", Data = Blobs.Name, Members = 3, FirstSeed = 10, Training = new TrialSpec { Epochs = 2, BatchSize = 16 } };
        using var timeout = new CancellationTokenSource(Timeout);

        var result = await fixture.Client.TrainEnsembleAsync<TinyNet>("ensemble-" + Guid.NewGuid().ToString("N"), definition, cancellationToken: timeout.Token);

        Assert.Equal(3, result.Ensemble.Members.Count);
        Assert.Equal(3, result.Sweep.Trials.Select(t => t.Silo).Distinct().Count());
        var data = Blobs.Create();
        for (int i = 0; i < 3; i++)
        {
            // Each member is exactly what training it alone with its seed gives.
            var alone = new TinyNet(10 + i) { Threads = 1 };
            alone.Fit(data.Train, 2, 16, data.Validation, verbose: 0, seed: 10 + i);
            Assert.Equal(alone.Parameters.ToArray(), result.Members[i].Parameters.ToArray());
        }
        var ensemble = result.Ensemble.Evaluate(data.Test!);
        Assert.True(ensemble.Accuracy > 0.8f, $"ensemble accuracy {ensemble.Accuracy}");
    }

    [Fact]
    public async Task Coordinator_state_survives_a_reactivation_mid_sweep()
    {
        var gate = fixture.Gate = new TrainingGate();
        string name = "reactivated-" + Guid.NewGuid().ToString("N");
        var sweep = fixture.Client.GetSweep(name);
        var trials = Enumerable.Range(0, 4).Select(i => new TrialSpec { Model = "gated", Seed = i }).ToArray();
        try
        {
            await sweep.StartAsync(new SweepDefinition { Data = Blobs.Name, Trials = trials });
            var before = await WaitUntil(sweep.GetStatusAsync, s => s.Trials.Count(t => t.Status == TrialStatus.Running) == 3 && gate.Waiting == 3);

            await fixture.Cluster.DeactivateAsync(sweep);
            var after = await sweep.GetStatusAsync();

            Assert.Equal(before.Version, after.Version);
            Assert.Equal(before.Trials.Select(t => (t.Status, t.Dispatch, t.Silo)), after.Trials.Select(t => (t.Status, t.Dispatch, t.Silo)));
        }
        finally
        {
            gate.OpenAll();
        }
        using var timeout = new CancellationTokenSource(Timeout);
        var status = await fixture.Client.WaitForSweepAsync(name, cancellationToken: timeout.Token);
        Assert.All(status.Trials, t => Assert.Equal((TrialStatus.Completed, 1), (t.Status, t.Attempts)));
    }

    [Fact]
    public async Task A_reconnecting_client_gets_the_sweep_state()
    {
        string name = "reconnect-" + Guid.NewGuid().ToString("N");
        var trials = new SearchSpace().Seeds(1, 2, 3, 4).Grid(new TrialSpec { Model = "tiny", Epochs = 2 });
        var started = await fixture.Client.GetSweep(name).StartAsync(new SweepDefinition { Data = Blobs.Name, Trials = trials.ToArray() });

        await fixture.Cluster.KillClientAsync();
        await fixture.Cluster.InitializeClientAsync();
        using var timeout = new CancellationTokenSource(Timeout);
        var status = await fixture.Client.WaitForSweepAsync(name, cancellationToken: timeout.Token);

        Assert.Equal(SweepState.Completed, status.State);
        Assert.Equal(started.StartedAt, status.StartedAt);
        Assert.All(status.Trials, t => Assert.Equal(2, t.Epochs.Count));
        // Starting it again with the same definition is harmless: it returns the state.
        var again = await fixture.Client.RunSweepAsync(name, new SweepDefinition { Data = Blobs.Name, Trials = trials.ToArray() });
        Assert.Equal(status.Version, again.Version);
    }

    [Fact]
    public async Task Bad_trials_fail_with_their_reason_and_the_sweep_completes()
    {
        var trials = new[] { new TrialSpec { Model = "tiny", BatchSize = 100_000 }, new TrialSpec { Model = "tiny" } };
        using var timeout = new CancellationTokenSource(Timeout);
        var status = await fixture.Client.RunSweepAsync("bad-" + Guid.NewGuid().ToString("N"), new SweepDefinition { Data = Blobs.Name, Trials = trials }, cancellationToken: timeout.Token);

        Assert.Equal(TrialStatus.Failed, status.Trials[0].Status);
        Assert.Contains("batch size", status.Trials[0].Message);
        Assert.Equal(TrialStatus.Completed, status.Trials[1].Status);
        Assert.Equal(1, status.Best!.Id);
    }

    [Fact]
    public async Task Unknown_networks_and_data_sources_are_named_in_the_error()
    {
        var unknownModel = await Assert.ThrowsAsync<ArgumentException>(() => fixture.Client.GetSweep("unknown-model")
            .StartAsync(new SweepDefinition { Data = Blobs.Name, Trials = [new TrialSpec { Model = "huge" }] }));
        Assert.Contains("'huge'", unknownModel.Message);
        Assert.Contains("'tiny'", unknownModel.Message);
        var unknownData = await Assert.ThrowsAsync<ArgumentException>(() => fixture.Client.GetSweep("unknown-data")
            .StartAsync(new SweepDefinition { Data = "imagenet", Trials = [new TrialSpec { Model = "tiny" }] }));
        Assert.Contains("'imagenet'", unknownData.Message);
        Assert.Contains("'blobs'", unknownData.Message);
    }

    [Fact]
    public async Task Data_sources_load_on_every_silo_before_a_sweep_and_a_missing_one_is_named()
    {
        Assert.Equal(ClusterFixture.Silos, await fixture.Client.LoadDataOnEverySiloAsync(Blobs.Name));
        var error = await Assert.ThrowsAsync<KeyNotFoundException>(() => fixture.Client.LoadDataOnEverySiloAsync("imagenet"));
        Assert.Contains("'imagenet'", error.Message);
        Assert.Contains("'blobs'", error.Message);
    }

    private static async Task<T> WaitUntil<T>(Func<Task<T>> read, Func<T, bool> condition)
    {
        using var timeout = new CancellationTokenSource(Timeout);
        while (true)
        {
            var value = await read();
            if (condition(value)) return value;
            await Task.Delay(50, timeout.Token);
        }
    }
}
