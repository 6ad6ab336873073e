namespace CompiledNets.Cluster.Tests;

/// <summary>In-process references for data-parallel runs: the same arithmetic without a cluster, and plain single-process training.</summary>
internal static class DataParallelEmulation
{
    /// <summary>K replicas compute their shard's gradients for the same parameters; the rank-ordered mean takes the step.</summary>
    public static INetwork Synchronous(Func<int, INetwork> create, Dataset train, int workers, int workerBatch, int seed, long steps)
    {
        var network = create(seed);
        var replicas = Enumerable.Range(0, workers).Select(_ => create(seed)).ToArray();
        var samplers = Enumerable.Range(0, workers).Select(r => new ShardSampler(train.Count, workers, r, workerBatch, seed)).ToArray();
        var inputs = new float[workerBatch * network.InputSize];
        var targets = new float[workerBatch * network.OutputSize];
        for (long step = 0; step < steps; step++)
        {
            var gradients = new byte[workers][];
            for (int r = 0; r < workers; r++)
            {
                network.Parameters.CopyTo(replicas[r].Parameters);
                train.GatherBatch(samplers[r].Batch(step), inputs, targets);
                replicas[r].ComputeGradients(inputs, targets, workerBatch);
                gradients[r] = TensorBytes.From(replicas[r].Gradients);
            }
            ReplicaAveraging.Average(gradients, network.Gradients, "gradients");
            network.ApplyGradients();
        }
        return network;
    }

    /// <summary>Local SGD: each replica takes <paramref name="every"/> steps with its own optimizer, then parameters and optimizer state are averaged.</summary>
    public static INetwork LocalSgd(Func<int, INetwork> create, Dataset train, int workers, int workerBatch, int seed, long steps, int every, int stepsPerEpoch)
    {
        var network = create(seed);
        var replicas = Enumerable.Range(0, workers).Select(_ => create(seed)).ToArray();
        var samplers = Enumerable.Range(0, workers).Select(r => new ShardSampler(train.Count, workers, r, workerBatch, seed)).ToArray();
        var inputs = new float[workerBatch * network.InputSize];
        var targets = new float[workerBatch * network.OutputSize];
        long step = 0;
        while (step < steps)
        {
            int n = (int)Math.Min(every, Math.Min(steps - step, stepsPerEpoch - step % stepsPerEpoch));
            foreach (var replica in replicas)
            {
                network.Parameters.CopyTo(replica.Parameters);
                network.OptimizerState.CopyTo(replica.OptimizerState);
                replica.OptimizerStep = network.OptimizerStep;
            }
            for (int r = 0; r < workers; r++)
                for (int s = 0; s < n; s++)
                {
                    train.GatherBatch(samplers[r].Batch(step + s), inputs, targets);
                    replicas[r].TrainBatch(inputs, targets, workerBatch);
                }
            ReplicaAveraging.Average(replicas.Select(r => TensorBytes.From(r.Parameters)).ToArray(), network.Parameters, "parameters");
            ReplicaAveraging.Average(replicas.Select(r => TensorBytes.From(r.OptimizerState)).ToArray(), network.OptimizerState, "optimizer state");
            network.OptimizerStep = replicas[0].OptimizerStep;
            step += n;
        }
        return network;
    }

    /// <summary>One network, one process: each step trains on the concatenation of the K workers' batches (the global batch).</summary>
    public static INetwork SingleProcess(Func<int, INetwork> create, Dataset train, int workers, int workerBatch, int seed, long steps)
    {
        var network = create(seed);
        var samplers = Enumerable.Range(0, workers).Select(r => new ShardSampler(train.Count, workers, r, workerBatch, seed)).ToArray();
        int global = workers * workerBatch;
        var indices = new int[global];
        var inputs = new float[global * network.InputSize];
        var targets = new float[global * network.OutputSize];
        for (long step = 0; step < steps; step++)
        {
            for (int r = 0; r < workers; r++) samplers[r].Batch(step).CopyTo(indices.AsSpan(r * workerBatch));
            train.GatherBatch(indices, inputs, targets);
            network.ComputeGradients(inputs, targets, global);
            network.ApplyGradients();
        }
        return network;
    }

    public static INetwork Load(Func<int, INetwork> create, byte[] checkpoint)
    {
        var network = create(0);
        using var stream = new MemoryStream(checkpoint, writable: false);
        network.Load(stream);
        return network;
    }
}
