using CompiledNets.Runtime.Tests.Infrastructure;
using static CompiledNets.Runtime.Tests.Infrastructure.RobustData;

namespace CompiledNets.Runtime.Tests.Training;

/// <summary>Training gives bitwise-identical parameters whatever the number of threads sharing each product.</summary>
public class TrainingDeterminismTests
{
    private const int Steps = 20;
    private const int BatchSize = 64;

    [Fact]
    public void Twenty_steps_with_one_and_with_two_threads_give_bitwise_identical_parameters()
    {
        // 784-336-10 at batch 64: the first layer's products are 33.7 MFLOP, above the 16 MFLOP parallel threshold, and
        // the parameters are enough for the optimizer step to be split as well.
        Assert.True(2L * 784 * 336 * BatchSize > 16_000_000);
        Assert.True(RobustWideNet.ParameterCount >= 256 * 1024);
        var data = Labelled(Steps * BatchSize / 4, 784, 10, seed: 21); // 5 batches, each seen 4 times
        var one = Train(threads: 1, data);
        var two = Train(threads: 2, data);
        AssertBitwise(one.Parameters, two.Parameters, "parameters (1 vs 2 threads)");
        AssertBitwise(one.OptimizerState, two.OptimizerState, "optimizer state (1 vs 2 threads)");
        AssertBitwise(one.Gradients, two.Gradients, "last gradients (1 vs 2 threads)");
        Assert.Equal(Steps, one.OptimizerStep);
        AssertFinite(one.Parameters, "parameters");
    }

    private static RobustWideNet Train(int threads, Dataset data)
    {
        var network = new RobustWideNet(seed: 8) { Threads = threads };
        var loader = new BatchLoader(data, BatchSize, shuffle: true, seed: 9);
        int step = 0;
        while (step < Steps)
        {
            loader.StartEpoch();
            for (int b = 0; b < loader.BatchCount && step < Steps; b++, step++)
            {
                var batch = loader.GetBatch(b);
                float loss = network.TrainBatch(batch.Inputs, batch.Targets, batch.Size);
                Assert.True(float.IsFinite(loss));
            }
        }
        return network;
    }
}
