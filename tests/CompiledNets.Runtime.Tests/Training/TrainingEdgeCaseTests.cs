using CompiledNets.Runtime.Tests.Infrastructure;
using static CompiledNets.Runtime.Tests.Infrastructure.RobustData;

namespace CompiledNets.Runtime.Tests.Training;

/// <summary>Batch sizes at the edges, partial batches, tiny and empty data, and divergence.</summary>
public class TrainingEdgeCaseTests
{
    [Theory]
    [InlineData(10, 1, 10)] // batch size 1
    [InlineData(10, 4, 3)] // 4 + 4 + a final partial batch of 2
    [InlineData(3, 32, 1)] // fewer samples than one batch: one batch of 3
    [InlineData(32, 32, 1)] // exactly MaxBatchSize
    public void Fit_takes_one_step_per_batch_including_partial_ones_and_matches_a_manual_replay(int samples, int batchSize, int stepsPerEpoch)
    {
        var data = Regression(samples, seed: 4);
        var network = new RobustSmallNet(seed: 7);
        var history = network.Fit(data, epochs: 2, batchSize: batchSize, verbose: 0, seed: 6);
        Assert.Equal(2, history.Epochs.Count);
        Assert.Equal(2 * stepsPerEpoch, network.OptimizerStep);
        AssertFinite(network.Parameters, "parameters");

        var replay = new RobustSmallNet(seed: 7);
        var loader = new BatchLoader(data, batchSize, shuffle: true, seed: 6);
        Assert.Equal(stepsPerEpoch, loader.BatchCount);
        for (int epoch = 0; epoch < 2; epoch++)
        {
            loader.StartEpoch();
            double lossSum = 0;
            for (int b = 0; b < loader.BatchCount; b++)
            {
                var batch = loader.GetBatch(b);
                Assert.Equal(b < loader.BatchCount - 1 ? batchSize : samples - b * batchSize, batch.Size);
                lossSum += (double)replay.TrainBatch(batch.Inputs, batch.Targets, batch.Size) * batch.Size;
            }
            // The epoch loss is the sample-weighted mean, so a small final batch does not count as much as a full one.
            Assert.Equal((float)(lossSum / samples), history.Loss[epoch]);
        }
        AssertBitwise(replay.Parameters, network.Parameters, "parameters vs replay");
    }

    [Fact]
    public void A_batch_larger_than_MaxBatchSize_is_rejected_with_both_sizes()
    {
        var network = new RobustSmallNet(seed: 1);
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => network.Fit(Regression(100, 1), batchSize: 33, verbose: 0));
        Assert.Equal("batchSize", error.ParamName);
        Assert.Contains("[1, 32]", error.Message);
        Assert.Contains("33", error.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => network.Fit(Regression(100, 1), batchSize: 0, verbose: 0));
        var direct = Assert.Throws<ArgumentException>(() => network.TrainBatch(new float[33 * 3], new float[33 * 2], 33));
        Assert.Contains("33", direct.Message);
        Assert.Contains("MaxBatchSize (32)", direct.Message);
    }

    [Fact]
    public void Empty_data_is_rejected_by_Fit_and_Evaluate_but_maps_to_nothing_in_PredictClasses()
    {
        var network = new RobustSmallNet(seed: 1);
        var empty = new Dataset([], 3, [], 2);
        Assert.Equal(0, empty.Count);
        var fit = Assert.Throws<ArgumentException>(() => network.Fit(empty, verbose: 0));
        Assert.Contains("empty", fit.Message);
        var validation = Assert.Throws<ArgumentException>(() => network.Fit(Regression(8, 1), validation: empty, verbose: 0));
        Assert.Equal("validation", validation.ParamName);
        var evaluate = Assert.Throws<ArgumentException>(() => network.Evaluate(empty));
        Assert.Equal("data", evaluate.ParamName);
        Assert.Contains("got 0", evaluate.Message);
        Assert.Empty(network.PredictClasses(empty));
        Assert.Throws<ArgumentException>(() => new Ensemble(network).Evaluate(empty));
        Assert.Equal(0, network.OptimizerStep);
    }

    [Fact]
    public void Evaluate_of_one_sample_and_of_a_batch_larger_than_the_data_agrees_with_predict()
    {
        var network = new RobustSmallNet(seed: 3);
        var data = Regression(1, seed: 5);
        var output = new float[2];
        network.Predict(data.GetFeatures(0), output);
        float expected = (float)Metrics.SumLoss(LossFunction.MeanSquaredError, output, data.Targets, 2);
        var result = network.Evaluate(data, batchSize: int.MaxValue); // the buffer is sized by the data, not the batch
        Assert.Equal(1, result.Count);
        Assert.Equal(expected, result.Loss, 6);
        Assert.True(float.IsNaN(result.Accuracy));
    }

    [Fact]
    public void A_NaN_in_the_data_stops_Fit_with_a_clear_reason_in_the_History_without_throwing()
    {
        var data = Regression(20, seed: 8);
        var features = data.Features.ToArray();
        features[5 * 3 + 1] = float.NaN; // sample 5
        var poisoned = new Dataset(features, 3, data.Targets.ToArray(), 2);
        var network = new RobustSmallNet(seed: 2);
        var history = network.Fit(poisoned, epochs: 5, batchSize: 4, verbose: 0, shuffle: false);
        Assert.True(history.Diverged);
        Assert.True(history.StoppedEarly);
        Assert.Equal("The loss became NaN at epoch 1, batch 2: training diverged (try a smaller learning rate).", history.StopReason);
        Assert.Single(history.Epochs); // batch 1 of epoch 1 was finite, so the partial epoch is recorded
        Assert.Equal(2, network.OptimizerStep); // the diverged batch's step was taken (Keras semantics)

        var healthy = new RobustSmallNet(seed: 2).Fit(data, epochs: 2, batchSize: 4, verbose: 0, seed: 1);
        Assert.False(healthy.Diverged);
        Assert.False(healthy.StoppedEarly);
        Assert.Null(healthy.StopReason);
    }

    [Fact]
    public void An_infinite_target_at_the_first_batch_records_no_epoch_and_stops()
    {
        var data = Regression(8, seed: 8);
        var targets = data.Targets.ToArray();
        targets[0] = float.PositiveInfinity;
        var network = new RobustSmallNet(seed: 2);
        var history = network.Fit(new Dataset(data.Features.ToArray(), 3, targets, 2), epochs: 3, batchSize: 4, verbose: 0, shuffle: false);
        Assert.True(history.Diverged);
        Assert.Empty(history.Epochs);
        Assert.StartsWith("The loss became ", history.StopReason);
        Assert.Contains("at epoch 1, batch 1", history.StopReason);
    }
}

/// <summary>Tests that redirect <see cref="Console.Out"/> run alone.</summary>
[CollectionDefinition(nameof(ConsoleCapture), DisableParallelization = true)]
public sealed class ConsoleCapture;

[Collection(nameof(ConsoleCapture))]
public class DivergenceOutputTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void Verbose_output_prints_the_stop_reason(int verbose)
    {
        var data = Regression(12, seed: 8);
        var features = data.Features.ToArray();
        features[9 * 3] = float.NaN; // sample 9: batch 3
        var network = new RobustSmallNet(seed: 2);
        var original = Console.Out;
        var captured = new StringWriter();
        Console.SetOut(captured);
        History history;
        try
        {
            history = network.Fit(new Dataset(features, 3, data.Targets.ToArray(), 2), epochs: 4, batchSize: 4, verbose: verbose, shuffle: false);
        }
        finally
        {
            Console.SetOut(original);
        }
        string text = captured.ToString();
        Assert.Contains("Epoch 1/4", text);
        Assert.Contains(history.StopReason!, text);
        Assert.Contains("The loss became NaN at epoch 1, batch 3", text);
        Assert.DoesNotContain("Epoch 2/4", text);
    }
}
