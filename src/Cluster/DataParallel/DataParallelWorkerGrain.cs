using System.Diagnostics;

namespace CompiledNets.Cluster;

/// <summary>
/// A data-parallel worker: a replica of the network and the sampler of its shard, on its silo. It keeps no state
/// between steps that the coordinator does not send (in synchronous mode); in local SGD its optimizer runs between syncs.
/// </summary>
[SiloPinnedPlacement]
internal sealed class DataParallelWorkerGrain(NetworkCatalog networks, DataSourceCatalog dataSources) : Grain, IDataParallelWorkerGrain
{
    private INetwork? _network;
    private Dataset? _train;
    private ShardSampler? _sampler;
    private float[] _inputs = [];
    private float[] _targets = [];
    private WorkerSetup? _setup;

    public async Task InitializeAsync(WorkerSetup setup)
    {
        ArgumentNullException.ThrowIfNull(setup);
        var data = await dataSources.GetAsync(setup.Data);
        var network = networks.Create(setup.Model, setup.Seed);
        if (setup.BatchSize > network.MaxBatchSize)
            throw new ArgumentException($"Each worker's batch ({setup.BatchSize}) is larger than the network's MaxBatchSize ({network.MaxBatchSize}).");
        if (data.Train.FeatureCount != network.InputSize || data.Train.TargetCount != network.OutputSize)
            throw new ArgumentException($"Data source '{setup.Data}' has {data.Train.FeatureCount} features and {data.Train.TargetCount} targets per sample; network '{setup.Model}' takes {network.InputSize} and outputs {network.OutputSize}.");
        if (setup.LearningRate is float rate) network.LearningRate = rate;
        _sampler = new ShardSampler(data.Train.Count, setup.Workers, setup.Rank, setup.BatchSize, setup.Seed);
        _train = data.Train;
        _network = network;
        _inputs = new float[setup.BatchSize * network.InputSize];
        _targets = new float[setup.BatchSize * network.OutputSize];
        _setup = setup;
        // A worker gets a call every step while its run lasts; between runs it should not linger.
        DelayDeactivation(TimeSpan.FromMinutes(10));
    }

    public Task<GradientReply> ComputeGradientsAsync(long step, ReplicaState replica)
    {
        var network = Network;
        long start = Stopwatch.GetTimestamp();
        Load(network, replica);
        Gather(step);
        float loss = network.ComputeGradients(_inputs, _targets, _setup!.BatchSize);
        int correct = BatchAccuracy.CountCorrect(network.TrainingOutputs, _targets, network.OutputSize);
        return Task.FromResult(new GradientReply
        {
            Loss = loss,
            Correct = correct,
            Gradients = TensorBytes.From(network.Gradients),
            Buffers = network.Buffers.Length == 0 ? [] : TensorBytes.From(network.Buffers),
            Seconds = Stopwatch.GetElapsedTime(start).TotalSeconds,
        });
    }

    public Task<LocalReply> TrainLocalAsync(long step, int steps, ReplicaState replica)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(steps, 1);
        var network = Network;
        long start = Stopwatch.GetTimestamp();
        Load(network, replica);
        TensorBytes.CopyTo(replica.OptimizerState, network.OptimizerState, "optimizer state");
        network.OptimizerStep = replica.OptimizerStep;
        double lossSum = 0;
        int correct = 0;
        for (int s = 0; s < steps; s++)
        {
            Gather(step + s);
            lossSum += network.TrainBatch(_inputs, _targets, _setup!.BatchSize);
            correct += BatchAccuracy.CountCorrect(network.TrainingOutputs, _targets, network.OutputSize);
        }
        return Task.FromResult(new LocalReply
        {
            LossSum = lossSum,
            Correct = correct,
            Replica = new ReplicaState
            {
                Parameters = TensorBytes.From(network.Parameters),
                Buffers = TensorBytes.From(network.Buffers),
                OptimizerState = TensorBytes.From(network.OptimizerState),
                OptimizerStep = network.OptimizerStep,
            },
            Seconds = Stopwatch.GetElapsedTime(start).TotalSeconds,
        });
    }

    public Task ReleaseAsync()
    {
        DeactivateOnIdle();
        return Task.CompletedTask;
    }

    private INetwork Network => _network ?? throw new InvalidOperationException("The worker was not initialised (its silo may have restarted).");

    private static void Load(INetwork network, ReplicaState replica)
    {
        TensorBytes.CopyTo(replica.Parameters, network.Parameters, "parameters");
        if (network.Buffers.Length > 0) TensorBytes.CopyTo(replica.Buffers, network.Buffers, "buffers");
    }

    private void Gather(long step) => _train!.GatherBatch(_sampler!.Batch(step), _inputs, _targets);
}
