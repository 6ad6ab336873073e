namespace CompiledNets.Runtime.Tests.Checkpoints;

/// <summary>Everything a checkpoint restores, copied out of a network so it can be compared bit for bit.</summary>
internal sealed record NetworkState(float[] Parameters, float[] Buffers, float[] OptimizerState, long Step, float LearningRate)
{
    public static NetworkState Of(INetwork network) => new(
        network.Parameters.ToArray(), network.Buffers.ToArray(), network.OptimizerState.ToArray(),
        network.OptimizerStep, network.LearningRate);

    /// <summary>Bitwise equality (so -0 vs 0 and NaN payloads count).</summary>
    public void AssertSameAs(INetwork network)
    {
        AssertBitwiseEqual(Parameters, network.Parameters.ToArray());
        AssertBitwiseEqual(Buffers, network.Buffers.ToArray());
        AssertBitwiseEqual(OptimizerState, network.OptimizerState.ToArray());
        Assert.Equal(Step, network.OptimizerStep);
        Assert.Equal(BitConverter.SingleToInt32Bits(LearningRate), BitConverter.SingleToInt32Bits(network.LearningRate));
    }

    public static void AssertBitwiseEqual(float[] expected, float[] actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
            if (BitConverter.SingleToInt32Bits(expected[i]) != BitConverter.SingleToInt32Bits(actual[i]))
                Assert.Fail($"Value {i} differs: expected {expected[i]:R}, actual {actual[i]:R}.");
    }
}

internal static class CheckpointTestHelpers
{
    /// <summary>A seeded batch of inputs and one-hot (or 0/1) targets for a network.</summary>
    public static (float[] Inputs, float[] Targets) Batch(INetwork network, int batchSize, int seed)
    {
        var random = new Random(seed);
        var inputs = new float[batchSize * network.InputSize];
        for (int i = 0; i < inputs.Length; i++) inputs[i] = (float)(random.NextDouble() * 2 - 1);
        var targets = new float[batchSize * network.OutputSize];
        for (int b = 0; b < batchSize; b++)
        {
            if (network.OutputSize == 1) targets[b] = random.Next(2);
            else targets[b * network.OutputSize + random.Next(network.OutputSize)] = 1;
        }
        return (inputs, targets);
    }

    /// <summary>Trains <paramref name="steps"/> batches whose data depends only on <paramref name="seed"/> and the step.</summary>
    public static void Train(INetwork network, int steps, int seed)
    {
        for (int step = 0; step < steps; step++)
        {
            var (inputs, targets) = Batch(network, 8, seed * 1000 + step);
            network.TrainBatch(inputs, targets, 8);
        }
    }

    public static byte[] SaveToBytes(INetwork network)
    {
        using var stream = new MemoryStream();
        network.Save(stream);
        return stream.ToArray();
    }

    public static CheckpointAdamNet TrainedAdam()
    {
        var network = new CheckpointAdamNet(seed: 1);
        Train(network, 5, seed: 1);
        return network;
    }

    /// <summary>Loads <paramref name="file"/>, expects an <see cref="InvalidDataException"/> containing every fragment, and checks nothing changed.</summary>
    public static InvalidDataException AssertRejected(INetwork network, byte[] file, params string[] fragments) =>
        AssertRejected(network, file, null, fragments);

    /// <summary><see cref="AssertRejected(INetwork, byte[], string[])"/> loading through a name map.</summary>
    public static InvalidDataException AssertRejected(INetwork network, byte[] file, IReadOnlyDictionary<string, string>? nameMap, params string[] fragments)
    {
        var before = NetworkState.Of(network);
        var error = Assert.Throws<InvalidDataException>(() => network.Load(new MemoryStream(file), nameMap));
        foreach (string fragment in fragments) Assert.Contains(fragment, error.Message);
        before.AssertSameAs(network);
        return error;
    }

    public static string TemporaryDirectory()
    {
        string directory = Path.Combine(Path.GetTempPath(), "compilednets-ckpt-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(directory);
        return directory;
    }
}
