// The code examples of docs/cluster.md, compiled here so that the documentation cannot drift from the API (the ADO.NET
// storage example needs a package of its own and is not compiled). Keep them in step with the Markdown.
#pragma warning disable CS8321 // local functions that are only compiled, never called

using CompiledNets;
using Microsoft.Extensions.Hosting;
using Orleans.Hosting;

namespace CompiledNets.Cluster.Tests.Docs;

[Network(Inputs = 784)]
[Dense(128, Activation.ReLU)]
[Dense(10, Activation.Softmax)]
[Loss(LossFunction.CrossEntropy)]
[Adam(LearningRate = 1e-3f)]
public partial class SmallMnistNet;

[Network(Inputs = 784)]
[Dense(1024, Activation.ReLU)]
[Dense(512, Activation.ReLU)]
[Dense(256, Activation.ReLU)]
[Dense(10, Activation.Softmax)]
[Loss(LossFunction.CrossEntropy)]
[Adam(LearningRate = 1e-3f)]
public partial class DeepMnistNet;

internal static class DocExamples
{
    private static async Task SettingUpASilo(string[] args)
    {
        var builder = Host.CreateApplicationBuilder(args);
        builder.UseOrleans(silo =>
        {
            silo.UseLocalhostClustering();
            silo.AddMemoryGrainStorage(CompiledNetsStorage.Name);
            silo.AddCompiledNets(n => n
                .Add<SmallMnistNet>("small")
                .Add("deep", seed => new DeepMnistNet(seed) { Threads = 2 })
                .AddMnist("mnist"));
        });
        await builder.Build().RunAsync();
    }

    private static async Task Sweeps(IClusterClient client)
    {
        var grid = new SearchSpace()
            .Models("small", "deep")
            .LearningRates(1e-3f, 3e-3f)
            .BatchSizes(32, 64)
            .Grid(new TrialSpec { Epochs = 2 });

        var random = new SearchSpace()
            .LearningRateLogUniform(5e-4f, 5e-3f)
            .BatchSizes(32, 64, 128)
            .Choice("patience", [1, 3], (t, p) => t with { EarlyStopping = new EarlyStoppingSpec { Patience = p } })
            .Random(count: 20, seed: 1, new TrialSpec { Model = "small", Epochs = 5 });

        var definition = new SweepDefinition
        {
            Data = "mnist",
            Trials = random.ToArray(),
            Objective = "val_accuracy",
            Halving = new SuccessiveHalving { MinEpochs = 1, ReductionFactor = 3 },
        };
        SweepStatus sweep = await client.RunSweepAsync("mnist-lr", definition, onChange: status =>
        {
            foreach (var trial in status.Leaderboard)
                Console.WriteLine($"{trial.Id} on {trial.Silo}: {trial.Result!.ValidationAccuracy:P2}");
        });

        TrialInfo best = sweep.Best!;
        History history = best.ToHistory();
        var network = new SmallMnistNet();
        network.Load(new MemoryStream(await client.GetBestCheckpointAsync("mnist-lr")));
    }

    private static async Task Ensembles(IClusterClient client)
    {
        var result = await client.TrainEnsembleAsync<SmallMnistNet>("five", new EnsembleDefinition
        {
            Model = "small", Data = "mnist", Members = 5, FirstSeed = 1,
            Training = new TrialSpec { Epochs = 2, BatchSize = 32 },
        });
        Ensemble ensemble = result.Ensemble;
    }

    private static async Task DataParallel(IClusterClient client)
    {
        var (network, status) = await client.TrainDataParallelAsync<DeepMnistNet>("deep-dp", new DataParallelDefinition
        {
            Model = "deep", Data = "mnist",
            Workers = 2,
            BatchSize = 256,
            Epochs = 3,
            SyncEvery = null,
            CheckpointEvery = 100,
        });
    }
}
