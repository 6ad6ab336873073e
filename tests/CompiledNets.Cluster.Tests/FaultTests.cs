using System.Collections.Concurrent;
using Orleans.Hosting;
using Orleans.Serialization;
using Orleans.TestingHost;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Runtime;
using Orleans.Runtime.Hosting;

namespace CompiledNets.Cluster.Tests;

/// <summary>Silos killed mid-run. Each test has its own cluster (it loses a silo) with storage that outlives silos.</summary>
public sealed class FaultTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(90);

    /// <summary>The storage of every silo that has used it, by silo name (see <see cref="SharedGrainStorage"/>).</summary>
    private readonly ConcurrentDictionary<string, SharedGrainStorage> _storages = new();
    private readonly ConcurrentDictionary<string, bool> _killed = new();

    private InProcessTestCluster Build(TrainingGate? gate = null)
    {
        var store = new ConcurrentDictionary<string, (byte[] Data, string ETag)>();
        return ClusterFixture.Build(3,
            storage: (name, silo) => silo.Services.AddGrainStorage(CompiledNetsStorage.Name,
                (services, _) => _storages.GetOrAdd(name, _ =>
                {
                    var storage = new SharedGrainStorage(store, services.GetRequiredService<Serializer>());
                    if (_killed.ContainsKey(name)) storage.Sever();
                    return storage;
                })),
            extra: (silo, n) =>
            {
                if (gate is not null) n.Add("gated", seed => new GatedNetwork(new TinyNet(seed) { Threads = 1 }, gate, silo));
            });
    }

    /// <summary>Kills a silo, first cutting what would survive it in this process from storage.</summary>
    private async Task KillAsync(InProcessTestCluster cluster, InProcessSiloHandle silo)
    {
        _killed[silo.Name] = true;
        if (_storages.TryGetValue(silo.Name, out var storage)) storage.Sever();
        await cluster.KillSiloAsync(silo);
    }

    /// <summary>Polls <paramref name="condition"/> until it holds, failing after <paramref name="within"/>.</summary>
    private static async Task<T> WaitUntil<T>(Func<Task<T>> read, Func<T, bool> condition, TimeSpan within, string what)
    {
        using var timeout = new CancellationTokenSource(within);
        while (true)
        {
            var value = await read();
            if (condition(value)) return value;
            try
            {
                await Task.Delay(50, timeout.Token);
            }
            catch (OperationCanceledException)
            {
                throw new TimeoutException($"Timed out waiting for {what}.");
            }
        }
    }

    [Fact]
    public async Task Trials_of_a_killed_silo_are_rerun_elsewhere_and_every_trial_is_recorded_once()
    {
        var gate = new TrainingGate();
        try
        {
            await KilledSiloAsync(gate);
        }
        finally
        {
            gate.OpenAll();
        }
    }

    private async Task KilledSiloAsync(TrainingGate gate)
    {
        await using var cluster = Build(gate);
        await cluster.DeployAsync();
        var trials = Enumerable.Range(0, 6).Select(i => new TrialSpec { Model = "gated", Epochs = 2, Seed = i + 1, LearningRate = 1e-2f }).ToArray();
        var definition = new SweepDefinition { Data = Blobs.Name, Trials = trials };
        var sweep = cluster.Client.GetSweep("killed-silo");
        await sweep.StartAsync(definition);

        // One trial per silo has reached its first batch and waits at the gate.
        var running = await WaitUntil(sweep.GetStatusAsync,
            s => s.Trials.Count(t => t.Status == TrialStatus.Running) == 3 && gate.Waiting == 3, Timeout, "three running trials");
        var coordinator = SiloOf(cluster, sweep);
        var victim = cluster.Silos.First(s => !s.SiloAddress.Equals(coordinator) && s != cluster.Silos[0]);
        int lostTrial = running.Trials.Single(t => t.Status == TrialStatus.Running && t.Silo == victim.Name).Id;

        await KillAsync(cluster, victim);
        gate.Open(exceptOnSilos: victim.Name);
        using var timeout = new CancellationTokenSource(Timeout);
        var status = await cluster.Client.WaitForSweepAsync("killed-silo", cancellationToken: timeout.Token);

        Assert.Equal(SweepState.Completed, status.State);
        Assert.All(status.Trials, t =>
        {
            Assert.Equal(TrialStatus.Completed, t.Status);
            Assert.Equal([1, 2], t.Epochs.Select(e => e.Epoch));
            Assert.NotEqual(victim.Name, t.Silo);
        });
        var rerun = status.Trials[lostTrial];
        Assert.Equal(2, rerun.Attempts);
        Assert.Contains(victim.Name, rerun.Message);
        Assert.All(status.Trials.Where(t => t.Id != lostTrial), t => Assert.Equal(1, t.Attempts));
        // The rerun trained from scratch with the trial's seed: the same weights as an undisturbed run.
        var local = new TinyNet(rerun.Spec.Seed) { Threads = 1, LearningRate = 1e-2f };
        var data = Blobs.Create();
        local.Fit(data.Train, 2, 32, data.Validation, verbose: 0, seed: rerun.Spec.Seed);
        Assert.Equal(local.Evaluate(data.Validation!).Accuracy, rerun.Result!.ValidationAccuracy);
    }

    [Fact]
    public async Task A_sweep_whose_coordinator_silo_is_killed_carries_on_from_storage()
    {
        var gate = new TrainingGate();
        try
        {
            await KilledCoordinatorAsync(gate);
        }
        finally
        {
            gate.OpenAll();
        }
    }

    private async Task KilledCoordinatorAsync(TrainingGate gate)
    {
        await using var cluster = Build(gate);
        await cluster.DeployAsync();
        var trials = Enumerable.Range(0, 4).Select(i => new TrialSpec { Model = "gated", Epochs = 1, Seed = i + 1 }).ToArray();
        var sweep = cluster.Client.GetSweep("killed-coordinator");
        await sweep.StartAsync(new SweepDefinition { Data = Blobs.Name, Trials = trials });
        await WaitUntil(sweep.GetStatusAsync, s => s.Trials.Count(t => t.Status == TrialStatus.Running) == 3 && gate.Waiting == 3, Timeout, "three running trials");
        var coordinator = cluster.Silos.Single(s => s.SiloAddress.Equals(SiloOf(cluster, sweep)));

        await KillAsync(cluster, coordinator);
        gate.Open(exceptOnSilos: coordinator.Name);
        using var timeout = new CancellationTokenSource(Timeout);
        var status = await cluster.Client.WaitForSweepAsync("killed-coordinator", cancellationToken: timeout.Token);

        Assert.Equal(SweepState.Completed, status.State);
        Assert.All(status.Trials, t =>
        {
            Assert.Equal(TrialStatus.Completed, t.Status);
            Assert.Single(t.Epochs);
            Assert.NotEqual(coordinator.Name, t.Silo);
        });
        Assert.Equal(3, status.Trials.Count(t => t.Attempts == 1));
        Assert.Equal(1, status.Trials.Count(t => t.Attempts == 2));
        Assert.NotEqual(coordinator.SiloAddress, SiloOf(cluster, sweep));
    }

    [Fact]
    public async Task A_data_parallel_run_that_loses_a_worker_stops_with_a_clear_error_and_a_checkpoint_of_whole_steps()
    {
        await using var cluster = Build();
        await cluster.DeployAsync();
        var definition = new DataParallelDefinition { Model = "tiny", Data = Blobs.Name, Workers = 3, BatchSize = 24, Steps = 10_000_000, CheckpointEvery = 25, Seed = 9 };
        var run = cluster.Client.GetDataParallelRun("lost-worker");
        await run.StartAsync(definition);
        var before = await WaitUntil(run.GetStatusAsync, s => s.Step >= 40 && s.CheckpointStep >= 25, Timeout, "40 steps");
        var coordinator = SiloOf(cluster, run);
        int rank = Enumerable.Range(0, 3).First(r => !cluster.Silos.Single(s => s.Name == before.WorkerSilos[r]).SiloAddress.Equals(coordinator));
        var victim = cluster.Silos.Single(s => s.Name == before.WorkerSilos[rank]);

        await KillAsync(cluster, victim);
        var status = await WaitUntil(run.GetStatusAsync, s => s.IsFinished, Timeout, "the run to stop");

        Assert.Equal(DataParallelState.Failed, status.State);
        Assert.StartsWith($"Worker {rank} on silo {victim.Name} failed at step ", status.Error);
        Assert.Contains($"the checkpoint holds step {status.CheckpointStep}, which every worker had completed", status.Error);
        Assert.True(status.CheckpointStep >= before.Step, $"checkpoint of step {status.CheckpointStep}, {before.Step} steps were done before the kill");
        Assert.Equal(status.Step, status.CheckpointStep);
        // The checkpoint is exactly the network after its steps: no step half-averaged, none applied twice.
        var checkpoint = await run.GetCheckpointAsync();
        var stored = DataParallelEmulation.Load(seed => new TinyNet(seed) { Threads = 1 }, checkpoint!);
        var expected = DataParallelEmulation.Synchronous(seed => new TinyNet(seed) { Threads = 1 }, Blobs.Create().Train, 3, 8, 9, status.CheckpointStep);
        Assert.Equal(status.CheckpointStep, stored.OptimizerStep);
        Assert.Equal(expected.Parameters.ToArray(), stored.Parameters.ToArray());
        Assert.Equal(expected.OptimizerState.ToArray(), stored.OptimizerState.ToArray());
        // The client API reports the failure as an exception carrying the status.
        var error = await Assert.ThrowsAsync<DataParallelFailedException>(() => cluster.Client.TrainDataParallelAsync<TinyNet>("lost-worker", definition));
        Assert.Equal(status.CheckpointStep, error.Status.CheckpointStep);
    }

    [Fact]
    public async Task A_data_parallel_run_whose_coordinator_silo_is_killed_resumes_from_its_checkpoint_and_ends_as_if_undisturbed()
    {
        await using var cluster = Build();
        await cluster.DeployAsync();
        var definition = new DataParallelDefinition { Model = "tiny", Data = Blobs.Name, Workers = 3, BatchSize = 24, Steps = 1500, CheckpointEvery = 25, Seed = 12 };
        var run = cluster.Client.GetDataParallelRun("lost-coordinator");
        await run.StartAsync(definition);
        await WaitUntil(run.GetStatusAsync, s => s.CheckpointStep >= 25, Timeout, "the first checkpoint");
        var coordinator = cluster.Silos.Single(s => s.SiloAddress.Equals(SiloOf(cluster, run)));

        await KillAsync(cluster, coordinator);
        using var timeout = new CancellationTokenSource(Timeout);
        var status = await cluster.Client.RunDataParallelAsync("lost-coordinator", definition, cancellationToken: timeout.Token);

        Assert.True(status.State == DataParallelState.Completed, status.Error);
        Assert.Equal(1500, status.Step);
        Assert.DoesNotContain(coordinator.Name, status.WorkerSilos);
        var trained = DataParallelEmulation.Load(seed => new TinyNet(seed) { Threads = 1 }, (await run.GetCheckpointAsync())!);
        var undisturbed = DataParallelEmulation.Synchronous(seed => new TinyNet(seed) { Threads = 1 }, Blobs.Create().Train, 3, 8, 12, 1500);
        Assert.Equal(undisturbed.Parameters.ToArray(), trained.Parameters.ToArray());
    }

    private static SiloAddress SiloOf(InProcessTestCluster cluster, IAddressable grain) =>
        cluster.TryGetGrainContext(grain.GetGrainId(), out var context)
            ? context.Address.SiloAddress!
            : throw new InvalidOperationException($"{grain.GetGrainId()} is not active on any silo.");
}
