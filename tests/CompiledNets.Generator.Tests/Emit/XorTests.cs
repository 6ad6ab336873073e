using CompiledNets.Generator.Tests.Infrastructure;

namespace CompiledNets.Generator.Tests.Emit;

public class XorTests
{
    private static readonly float[] Inputs = { 0, 0, 0, 1, 1, 0, 1, 1 };
    private static readonly float[] Targets = { 0, 1, 1, 0 };

    private static int CountCorrect(INetwork network)
    {
        Span<float> output = stackalloc float[1];
        int correct = 0;
        for (int i = 0; i < 4; i++)
        {
            network.Predict(Inputs.AsSpan(i * 2, 2), output);
            if ((output[0] > 0.5f) == (Targets[i] > 0.5f)) correct++;
        }
        return correct;
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(5)]
    public void Mlp_learns_xor_within_2000_epochs(int seed)
    {
        var net = new XorNet(seed);
        var history = net.Fit(Inputs, Targets, epochs: 2000, batchSize: 4, seed: seed, verbose: 0);
        Assert.Equal(4, CountCorrect(net));
        Assert.True(history.Loss[^1] < history.Loss[0] / 5, $"loss {history.Loss[0]} -> {history.Loss[^1]}");
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void Single_neuron_cannot_learn_xor(int seed)
    {
        var net = new SingleNeuron(seed);
        var history = net.Fit(Inputs, Targets, epochs: 2000, batchSize: 4, seed: seed, verbose: 0);
        Assert.True(CountCorrect(net) < 4);
        // A linear boundary cannot do better than chance on the loss: ln 2.
        Assert.True(history.Loss[^1] > 0.6f, $"final loss {history.Loss[^1]}");
    }

    [Fact]
    public void Same_seed_gives_same_weights_and_training()
    {
        var a = new XorNet(7);
        var b = new XorNet(7);
        Assert.Equal(a.Parameters.ToArray(), b.Parameters.ToArray());
        a.Fit(Inputs, Targets, epochs: 50, batchSize: 2, seed: 3, verbose: 0);
        b.Fit(Inputs, Targets, epochs: 50, batchSize: 2, seed: 3, verbose: 0);
        Assert.Equal(a.Parameters.ToArray(), b.Parameters.ToArray());
        Assert.NotEqual(new XorNet(8).Parameters.ToArray(), a.Parameters.ToArray());
    }

    [Fact]
    public void Predict_and_PredictBatch_agree()
    {
        var net = new XorNet(1);
        var batch = new float[4];
        net.PredictBatch(Inputs, batch, 4);
        Span<float> one = stackalloc float[1];
        for (int i = 0; i < 4; i++)
        {
            net.Predict(Inputs.AsSpan(i * 2, 2), one);
            // The sigmoid is vectorised over a whole batch and scalar for one value: equal to float rounding.
            Assert.Equal(batch[i], one[0], 1e-6f);
        }
    }

    [Fact]
    public void Wrong_lengths_and_oversized_batches_are_clear_errors()
    {
        var net = new XorNet(1, maxBatchSize: 4);
        var error = Assert.Throws<ArgumentException>(() => net.Predict(new float[3], new float[1]));
        Assert.Contains("expected 2", error.Message);
        error = Assert.Throws<ArgumentException>(() => net.ComputeGradients(new float[10], new float[5], 5));
        Assert.Contains("between 1 and MaxBatchSize (4)", error.Message);
        error = Assert.Throws<ArgumentException>(() => net.ComputeGradients(new float[8], new float[3], 4));
        Assert.Contains("'targets' has 3 values; expected 4", error.Message);
        error = Assert.Throws<ArgumentException>(() => net.Predict(new float[1], new float[1]));
        Assert.Contains("'input' has 1 value; expected 2", error.Message);
    }

    [Fact]
    public void Summary_counts_parameters_per_layer()
    {
        var summary = new XorNet(1).Summary;
        Assert.Equal(new[] { 24, 9 }, summary.Layers.Select(l => l.TrainableParameters));
        Assert.Equal(XorNet.ParameterCount, summary.TrainableParameters);
        string table = summary.ToString();
        Assert.Contains("dense1 (Dense, ReLU)", table);
        Assert.Contains("Total params: 33", table);
    }
}
