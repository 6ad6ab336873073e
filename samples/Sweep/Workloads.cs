using System.Globalization;
using System.Text;
using System.Text.Json;
using CompiledNets;
using CompiledNets.Cluster;

namespace SweepSample;

/// <summary>What the sample trains once the cluster is up: a sweep (the default), an ensemble, or one network data-parallel.</summary>
internal static class Workloads
{
    public static async Task<int> RunAsync(IClusterClient client, int silos, Settings settings, CancellationToken cancellation)
    {
        if (!settings.Json) Console.WriteLine("Loading MNIST on every silo (downloaded on first use) ...");
        var clock = System.Diagnostics.Stopwatch.StartNew();
        await client.LoadDataOnEverySiloAsync(Silos.DataSource);
        if (!settings.Json) Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"Loaded on {silos} silos in {clock.Elapsed.TotalSeconds:0.0} s."));
        return await RunWorkloadAsync(client, silos, settings, cancellation);
    }

    private static Task<int> RunWorkloadAsync(IClusterClient client, int silos, Settings settings, CancellationToken cancellation)
    {
        if (settings.DataParallel is not null) return DataParallelAsync(client, silos, settings, cancellation);
        if (settings.Ensemble > 0) return EnsembleAsync(client, silos, settings, cancellation);
        return SweepAsync(client, silos, settings, cancellation);
    }

    private static async Task<int> SweepAsync(IClusterClient client, int silos, Settings settings, CancellationToken cancellation)
    {
        var trials = new SearchSpace()
            .Models(settings.Models)
            .LearningRateLogUniform(5e-4f, 5e-3f)
            .BatchSizes(32, 64, 128)
            .Random(settings.Trials, settings.Seed, new TrialSpec { Epochs = settings.Epochs, Seed = settings.Seed });
        var definition = new SweepDefinition
        {
            Data = Silos.DataSource,
            Trials = trials.ToArray(),
            Halving = settings.Halving ? new SuccessiveHalving { MinEpochs = 1, ReductionFactor = 3 } : null,
        };
        string name = settings.Name ?? $"sweep-{DateTime.UtcNow:yyyyMMdd-HHmmss}";
        if (!settings.Json)
            Console.WriteLine($"Sweep '{name}': {definition.Trials.Length} trials of random search over {string.Join(", ", settings.Models)}, {settings.Epochs} epochs each{(settings.Halving ? " (successive halving)" : "")} ...");

        var board = new Leaderboard(settings.Json);
        var status = await board.ShowAsync(onChange => client.RunSweepAsync(name, definition, onChange, cancellation));

        if (!settings.Json && status.Best is { } best)
        {
            var bytes = await client.GetBestCheckpointAsync(name);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"Best: trial {best.Id} ({best.Spec}) on {best.Silo}: validation {best.Result!.ValidationAccuracy * 100:0.00}%, test {best.Result.TestAccuracy * 100:0.00}%; checkpoint {bytes.Length:N0} bytes (safetensors)."));
            if (settings.SavePath is not null)
            {
                await File.WriteAllBytesAsync(settings.SavePath, bytes, cancellation);
                Console.WriteLine($"Checkpoint written to {settings.SavePath}");
            }
            Console.WriteLine($"Trials per silo: {string.Join(", ", status.Trials.GroupBy(t => t.Silo).OrderBy(g => g.Key).Select(g => $"{g.Key} {g.Count()}"))}; " +
                $"{(status.FinishedAt - status.StartedAt)?.TotalSeconds:0.0} s for the sweep.");
        }
        Console.WriteLine(Report.Json(silos, status));
        return status.Best is null ? 1 : 0;
    }

    private static async Task<int> EnsembleAsync(IClusterClient client, int silos, Settings settings, CancellationToken cancellation)
    {
        var definition = new EnsembleDefinition
        {
            Model = settings.Models[0],
            Data = Silos.DataSource,
            Members = settings.Ensemble,
            FirstSeed = settings.Seed,
            Training = new TrialSpec { Epochs = settings.Epochs, BatchSize = 32 },
        };
        string name = settings.Name ?? $"ensemble-{DateTime.UtcNow:yyyyMMdd-HHmmss}";
        if (!settings.Json) Console.WriteLine($"Ensemble '{name}': {definition.Members} members of '{definition.Model}', {settings.Epochs} epochs each ...");
        var board = new Leaderboard(settings.Json);
        Ensemble ensemble = null!;
        IReadOnlyList<INetwork> members = [];
        var status = await board.ShowAsync(async onChange =>
        {
            if (definition.Model == "deep")
            {
                var result = await client.TrainEnsembleAsync<DeepMnistNet>(name, definition, onChange, cancellation);
                (ensemble, members) = (result.Ensemble, result.Members);
                return result.Sweep;
            }
            var small = await client.TrainEnsembleAsync<SmallMnistNet>(name, definition, onChange, cancellation);
            (ensemble, members) = (small.Ensemble, small.Members);
            return small.Sweep;
        });
        var test = LoadMnist(settings).Test;
        var combined = ensemble.Evaluate(test);
        float bestMember = status.Trials.Max(t => t.Result!.TestAccuracy);
        if (!settings.Json)
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"Ensemble of {members.Count}: test accuracy {combined.Accuracy * 100:0.00}% (best member {bestMember * 100:0.00}%), members trained on {string.Join(", ", status.Trials.Select(t => t.Silo).Distinct().Order())}."));
        Console.WriteLine(Json(json =>
        {
            json.WriteNumber("silos", silos);
            json.WriteStartArray("members");
            foreach (var trial in status.Trials)
            {
                json.WriteStartObject();
                json.WriteString("silo", trial.Silo);
                json.WriteNumber("seed", trial.Spec.Seed);
                json.WriteNumber("test_accuracy", Math.Round(trial.Result!.TestAccuracy, 6));
                json.WriteEndObject();
            }
            json.WriteEndArray();
            json.WriteNumber("ensemble_test_accuracy", Math.Round(combined.Accuracy, 6));
        }));
        return 0;
    }

    private static async Task<int> DataParallelAsync(IClusterClient client, int silos, Settings settings, CancellationToken cancellation)
    {
        var definition = new DataParallelDefinition
        {
            Model = settings.DataParallel!,
            Data = Silos.DataSource,
            Workers = settings.Workers,
            BatchSize = settings.BatchSize,
            Steps = settings.Steps,
            Seed = settings.Seed,
            SyncEvery = settings.SyncEvery,
            CheckpointEvery = 0,
        };
        string name = settings.Name ?? $"dp-{DateTime.UtcNow:yyyyMMdd-HHmmss}";
        if (!settings.Json)
            Console.WriteLine($"Data-parallel '{name}': '{definition.Model}' on {definition.Workers} workers, global batch {definition.BatchSize}, {definition.Steps} steps" +
                (definition.SyncEvery is int n ? $", parameters averaged every {n} steps" : ", gradients averaged every step") + " ...");
        var status = await client.RunDataParallelAsync(name, definition, s =>
        {
            if (!settings.Json && s.State == DataParallelState.Running && s.Step > 0) Console.WriteLine($"  step {s.Step}/{s.TotalSteps}");
        }, cancellation);
        if (status.State != DataParallelState.Completed) throw new InvalidOperationException(status.Error ?? $"The run ended {status.State}.");
        var checkpoint = await client.GetDataParallelRun(name).GetCheckpointAsync();
        INetwork network = definition.Model == "deep" ? new DeepMnistNet() : new SmallMnistNet();
        using (var stream = new MemoryStream(checkpoint!)) network.Load(stream);
        var test = network.Evaluate(LoadMnist(settings).Test);
        if (!settings.Json)
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"Workers on {string.Join(", ", status.WorkerSilos)}: {status.MeanRoundMilliseconds:0.00} ms per round, of which {status.MeanRoundMilliseconds - status.MeanSyncMilliseconds:0.00} ms the slowest worker's compute " +
                $"and {status.MeanSyncMilliseconds:0.00} ms synchronisation ({status.BytesPerWorkerPerRound / 1e6:0.00} MB per worker per round); test accuracy {test.Accuracy * 100:0.00}%."));
        Console.WriteLine(Json(json =>
        {
            json.WriteNumber("silos", silos);
            json.WriteString("model", definition.Model);
            json.WriteNumber("workers", definition.Workers);
            json.WriteNumber("global_batch", definition.BatchSize);
            json.WriteNumber("steps", status.Step);
            if (definition.SyncEvery is int every) json.WriteNumber("sync_every", every);
            json.WriteNumber("round_ms", Math.Round(status.MeanRoundMilliseconds, 3));
            json.WriteNumber("compute_ms", Math.Round(status.MeanRoundMilliseconds - status.MeanSyncMilliseconds, 3));
            json.WriteNumber("sync_ms", Math.Round(status.MeanSyncMilliseconds, 3));
            json.WriteNumber("bytes_per_worker_per_round", status.BytesPerWorkerPerRound);
            json.WriteNumber("test_accuracy", Math.Round(test.Accuracy, 6));
        }));
        return 0;
    }

    private static MnistData LoadMnist(Settings settings) => settings.DataDirectory is null ? Mnist.Load() : Mnist.Load(settings.DataDirectory);

    private static string Json(Action<Utf8JsonWriter> write)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            write(json);
            json.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.ToArray());
    }
}
