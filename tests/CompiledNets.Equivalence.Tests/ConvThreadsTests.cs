namespace CompiledNets.Equivalence.Tests;

/// <summary>
/// Every image architecture of the corpus trains and predicts bitwise identically on 1 and 2 threads: the parts a
/// convolution is split into (rows of the batch for the forward and input-gradient passes, filters for the weight
/// gradient) each sum in the single-threaded order. Together with <see cref="EquivalenceTests"/> (1 thread against the
/// interpreted engine) this is generated == interpreted at 2 threads too.
/// </summary>
public sealed class ConvThreadsTests
{
    private const int Batch = 64;

    public static IEnumerable<object[]> ImageNames => Corpus.Entries.Where(e => e.ImageShape is not null).Select(e => new object[] { e.Name });

    [Theory]
    [MemberData(nameof(ImageNames))]
    public void One_and_two_threads_are_bitwise_identical(string name)
    {
        var one = Generated(name, threads: 1);
        var two = Generated(name, threads: 2);
        for (int step = 0; step < 3; step++)
        {
            var (x, t) = TestData.Batch(one, Batch, seed: step);
            Assert.Equal(one.TrainBatch(x, t, Batch), two.TrainBatch(x, t, Batch));
        }
        Assert.True(one.Parameters.SequenceEqual(two.Parameters), $"{name}: parameters differ between 1 and 2 threads");
        Assert.True(one.OptimizerState.SequenceEqual(two.OptimizerState), $"{name}: optimizer state differs between 1 and 2 threads");
        Assert.True(one.Buffers.SequenceEqual(two.Buffers), $"{name}: running statistics differ between 1 and 2 threads");

        var (inputs, _) = TestData.Batch(one, Batch, seed: 99);
        var a = new float[Batch * one.OutputSize];
        var b = new float[Batch * one.OutputSize];
        one.PredictBatch(inputs, a, Batch);
        two.PredictBatch(inputs, b, Batch);
        Assert.True(a.SequenceEqual(b), $"{name}: PredictBatch differs between 1 and 2 threads");
        var sample = inputs.AsSpan(0, one.InputSize);
        one.Predict(sample, a.AsSpan(0, one.OutputSize));
        two.Predict(sample, b.AsSpan(0, one.OutputSize));
        Assert.True(a.AsSpan(0, one.OutputSize).SequenceEqual(b.AsSpan(0, one.OutputSize)), $"{name}: Predict differs between 1 and 2 threads");
    }

    private static INetwork Generated(string name, int threads)
    {
        var network = GeneratedCorpus.Create(name, seed: 1234, maxBatchSize: Batch);
        network.GetType().GetProperty("Threads")!.SetValue(network, threads);
        return network;
    }
}
