using CompiledNets.Runtime.Tests.Infrastructure;
using static CompiledNets.Runtime.Tests.Infrastructure.RobustData;

namespace CompiledNets.Runtime.Tests.Training;

/// <summary>
/// <c>Fit</c> cancelled mid-epoch throws <see cref="OperationCanceledException"/> and leaves the network exactly as
/// after the optimizer steps it took (checked by replaying them on an identical network), ready to train on.
/// </summary>
public class FitCancellationTests
{
    private const int BatchSize = 16;
    private const int FitSeed = 9;

    /// <summary>Cancels the token after the given number of batches (counted across epochs).</summary>
    private sealed class CancelAfter(CancellationTokenSource source, int batches) : Callback
    {
        public int Seen { get; private set; }

        public override void OnBatchEnd(TrainingContext context, int batch, float loss)
        {
            if (++Seen == batches) source.Cancel();
        }
    }

    [Theory]
    [InlineData(1)] // the first batch of the first epoch
    [InlineData(5)] // mid first epoch
    [InlineData(17)] // mid second epoch (13 batches per epoch)
    [InlineData(13)] // exactly at an epoch boundary: cancelled before the second epoch's first batch
    public void Cancelled_Fit_leaves_the_state_after_exactly_the_steps_taken_and_training_continues(int steps)
    {
        var data = Labelled(200, 784, 10, seed: 31); // 13 batches of 16, the last one of 8
        var network = new RobustMnistNet(seed: 5) { Threads = 1 };
        using var source = new CancellationTokenSource();
        var canceller = new CancelAfter(source, steps);

        Assert.ThrowsAny<OperationCanceledException>(() =>
            network.Fit(data, epochs: 3, batchSize: BatchSize, callbacks: [canceller], verbose: 0, seed: FitSeed, cancellationToken: source.Token));

        Assert.Equal(steps, canceller.Seen);
        Assert.Equal(steps, network.OptimizerStep);
        AssertFinite(network.Parameters, "parameters after cancellation");

        // Replay: an identical network, the same seeded shuffle, exactly `steps` optimizer steps.
        var replay = new RobustMnistNet(seed: 5) { Threads = 1 };
        var loader = new BatchLoader(data, BatchSize, shuffle: true, seed: FitSeed);
        for (int done = 0; done < steps;)
        {
            loader.StartEpoch();
            for (int b = 0; b < loader.BatchCount && done < steps; b++, done++)
            {
                var batch = loader.GetBatch(b);
                replay.TrainBatch(batch.Inputs, batch.Targets, batch.Size);
            }
        }
        AssertBitwise(replay.Parameters, network.Parameters, "parameters vs replay");
        AssertBitwise(replay.OptimizerState, network.OptimizerState, "optimizer state vs replay");
        Assert.Equal(replay.OptimizerStep, network.OptimizerStep);

        // The cancelled network trains on exactly as the replayed one does.
        var continued = network.Fit(data, epochs: 1, batchSize: BatchSize, verbose: 0, seed: 3);
        var reference = replay.Fit(data, epochs: 1, batchSize: BatchSize, verbose: 0, seed: 3);
        Assert.Single(continued.Epochs);
        Assert.Equal(reference.Loss[0], continued.Loss[0]);
        AssertBitwise(replay.Parameters, network.Parameters, "parameters after continuing");
        AssertFinite(network.Parameters, "parameters after continuing");
        Assert.Equal(steps + 13, network.OptimizerStep);
    }

    [Fact]
    public void An_already_cancelled_token_takes_no_step()
    {
        var network = new RobustSmallNet(seed: 1);
        var before = network.Parameters.ToArray();
        Assert.ThrowsAny<OperationCanceledException>(() =>
            network.Fit(Regression(10, seed: 2), epochs: 2, batchSize: 4, verbose: 0, cancellationToken: new CancellationToken(canceled: true)));
        AssertBitwise(before, network.Parameters, "parameters");
        Assert.Equal(0, network.OptimizerStep);
    }
}
