using CompiledNets.Tests.Shared;
using static CompiledNets.Runtime.Tests.Callbacks.Scripted;

namespace CompiledNets.Runtime.Tests.Callbacks;

public class EarlyStoppingTests
{
    /// <summary>Feeds the validation losses one epoch at a time; returns the 1-based epoch at which training was stopped, or 0.</summary>
    private static int Run(EarlyStopping callback, INetwork network, params float[] valLosses)
    {
        var context = Context(network);
        callback.OnTrainBegin(context);
        for (int e = 0; e < valLosses.Length; e++)
        {
            callback.OnEpochBegin(context, e);
            callback.OnEpochEnd(context, Epoch(e + 1, valLosses[e]));
            if (context.StopTraining) return e + 1;
        }
        return 0;
    }

    [Fact]
    public void Patience_counts_epochs_without_improvement_since_the_best()
    {
        var callback = new EarlyStopping(patience: 2);
        int stopped = Run(callback, new FakeNetwork(), 1.0f, 0.9f, 0.95f, 0.92f, 0.93f);
        Assert.Equal(4, stopped);
        Assert.Equal(4, callback.StoppedEpoch);
        Assert.Equal(0.9f, callback.Best);
        Assert.Equal(2, callback.BestEpoch);
        Assert.Equal(2, callback.Wait);
    }

    [Fact]
    public void An_improvement_resets_the_wait()
    {
        var callback = new EarlyStopping(patience: 2);
        // Waits 1 after epoch 2, improves at 3, waits 1 and 2 after epochs 4 and 5.
        Assert.Equal(5, Run(callback, new FakeNetwork(), 1.0f, 1.1f, 0.8f, 0.9f, 0.85f, 0.7f));
        Assert.Equal(3, callback.BestEpoch);
    }

    [Fact]
    public void The_stop_reason_names_the_metric_and_the_best_epoch()
    {
        var context = Context(new FakeNetwork());
        var callback = new EarlyStopping(patience: 1);
        callback.OnTrainBegin(context);
        callback.OnEpochEnd(context, Epoch(1, 0.5f));
        callback.OnEpochEnd(context, Epoch(2, 0.6f));
        Assert.True(context.StopTraining);
        Assert.Equal("Early stopping at epoch 2: val_loss did not improve by more than 0 for 1 epoch(s) (best 0.5 at epoch 1).", context.StopReason);
    }

    [Fact]
    public void Min_delta_is_the_margin_an_improvement_must_exceed()
    {
        // 0.85 beats 1.0 by more than 0.1; 0.80 beats 0.85 by only 0.05.
        var callback = new EarlyStopping(minDelta: 0.1f, patience: 1);
        Assert.Equal(3, Run(callback, new FakeNetwork(), 1.0f, 0.85f, 0.80f));
        Assert.Equal(0.85f, callback.Best);
        // A negative delta means the same (its absolute value is used, as in Keras).
        Assert.Equal(0.1f, new EarlyStopping(minDelta: -0.1f).MinDelta);
    }

    [Fact]
    public void Patience_zero_stops_at_the_first_stall_but_never_after_the_first_epoch()
    {
        Assert.Equal(2, Run(new EarlyStopping(), new FakeNetwork(), 1.0f, 1.0f, 0.5f));
        Assert.Equal(0, Run(new EarlyStopping(), new FakeNetwork(), 1.0f));
    }

    [Fact]
    public void Accuracy_is_maximised_in_auto_mode_and_loss_minimised()
    {
        var accuracy = new EarlyStopping("val_accuracy", patience: 1);
        Assert.Equal(MonitorMode.Max, accuracy.Mode);
        Assert.Equal(MonitorMode.Min, new EarlyStopping("loss").Mode);
        Assert.Equal(MonitorMode.Max, new EarlyStopping("loss", mode: MonitorMode.Max).Mode);

        var context = Context(new FakeNetwork(loss: LossFunction.CrossEntropy, outputSize: 3));
        accuracy.OnTrainBegin(context);
        accuracy.OnEpochEnd(context, Epoch(1, valAccuracy: 0.5f));
        accuracy.OnEpochEnd(context, Epoch(2, valAccuracy: 0.6f));
        Assert.False(context.StopTraining);
        accuracy.OnEpochEnd(context, Epoch(3, valAccuracy: 0.6f));
        Assert.True(context.StopTraining);
        Assert.Equal(0.6f, accuracy.Best);
        Assert.Equal(2, accuracy.BestEpoch);
    }

    [Fact]
    public void A_baseline_that_is_not_beaten_keeps_the_wait_growing()
    {
        // Improvements that do not beat the baseline do not reset the wait (Keras 3); 0.95 then stalls with wait 3.
        Assert.Equal(3, Run(new EarlyStopping(patience: 2, baseline: 0.5f), new FakeNetwork(), 1.0f, 0.9f, 0.95f));
        // Without a baseline the same history has waited only one epoch.
        Assert.Equal(0, Run(new EarlyStopping(patience: 2), new FakeNetwork(), 1.0f, 0.9f, 0.95f));
        // Beating the baseline resets the wait as usual.
        Assert.Equal(0, Run(new EarlyStopping(patience: 2, baseline: 0.5f), new FakeNetwork(), 0.4f, 0.3f, 0.35f));
    }

    [Fact]
    public void Restoring_best_weights_copies_back_the_parameters_and_buffers_of_the_best_epoch()
    {
        var network = new FakeNetwork(parameterCount: 5, bufferCount: 3);
        var context = Context(network);
        var callback = new EarlyStopping(patience: 2, restoreBestWeights: true);
        float[] valLosses = [3f, 1f, 2f, 4f];
        callback.OnTrainBegin(context);
        for (int e = 0; e < valLosses.Length && !context.StopTraining; e++)
        {
            // "Training" during epoch e+1 leaves recognisable values.
            network.Parameters.Fill(e + 1);
            network.Buffers.Fill(10 * (e + 1));
            callback.OnEpochEnd(context, Epoch(e + 1, valLosses[e]));
        }
        Assert.True(context.StopTraining);
        Assert.All(network.Parameters.ToArray(), p => Assert.Equal(4f, p));
        callback.OnTrainEnd(context);
        Assert.Equal(2, callback.BestEpoch);
        Assert.All(network.Parameters.ToArray(), p => Assert.Equal(2f, p));
        Assert.All(network.Buffers.ToArray(), b => Assert.Equal(20f, b));
    }

    [Fact]
    public void Best_weights_are_restored_even_when_training_ran_to_the_end()
    {
        var network = new FakeNetwork(parameterCount: 3);
        var context = Context(network, epochs: 3);
        var callback = new EarlyStopping(patience: 5, restoreBestWeights: true);
        callback.OnTrainBegin(context);
        float[] valLosses = [2f, 1f, 1.5f];
        for (int e = 0; e < 3; e++)
        {
            network.Parameters.Fill(e + 1);
            callback.OnEpochEnd(context, Epoch(e + 1, valLosses[e]));
        }
        Assert.False(context.StopTraining);
        callback.OnTrainEnd(context);
        Assert.All(network.Parameters.ToArray(), p => Assert.Equal(2f, p));
    }

    [Fact]
    public void Without_restoring_the_last_weights_stay()
    {
        var network = new FakeNetwork(parameterCount: 3);
        var context = Context(network);
        var callback = new EarlyStopping(patience: 1);
        callback.OnTrainBegin(context);
        network.Parameters.Fill(1);
        callback.OnEpochEnd(context, Epoch(1, 1f));
        network.Parameters.Fill(2);
        callback.OnEpochEnd(context, Epoch(2, 2f));
        callback.OnTrainEnd(context);
        Assert.All(network.Parameters.ToArray(), p => Assert.Equal(2f, p));
    }

    [Fact]
    public void The_snapshot_is_allocated_once_and_epochs_do_not_allocate()
    {
        var network = new FakeNetwork(parameterCount: 10_000, bufferCount: 100);
        var context = Context(network);
        var callback = new EarlyStopping(patience: 100, restoreBestWeights: true);
        var epochs = Enumerable.Range(1, 50).Select(e => Epoch(e, 1f / e)).ToArray();
        callback.OnTrainBegin(context);
        callback.OnEpochEnd(context, epochs[0]);
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int e = 1; e < epochs.Length; e++) callback.OnEpochEnd(context, epochs[e]);
        callback.OnTrainEnd(context);
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        Assert.Equal(50, callback.BestEpoch);
    }

    [Fact]
    public void A_validation_metric_that_is_never_computed_is_a_clear_error()
    {
        var context = Context(new FakeNetwork());
        var callback = new EarlyStopping("val_loss");
        callback.OnTrainBegin(context);
        var error = Assert.Throws<InvalidOperationException>(() => callback.OnEpochEnd(context, Epoch(1)));
        Assert.Equal("EarlyStopping monitors 'val_loss', but epoch 1 did not compute it: pass validation data (or validationSplit) to Fit, or monitor 'loss'.", error.Message);
    }

    [Fact]
    public void Accuracy_on_a_regression_loss_is_rejected_when_training_begins()
    {
        var callback = new EarlyStopping("accuracy");
        var error = Assert.Throws<InvalidOperationException>(() => callback.OnTrainBegin(Context(new FakeNetwork(loss: LossFunction.MeanSquaredError))));
        Assert.Contains("monitor 'loss' instead", error.Message);
    }

    [Fact]
    public void Unknown_metrics_are_rejected_at_construction()
    {
        var error = Assert.Throws<ArgumentException>(() => new EarlyStopping("val_los"));
        Assert.Contains("'val_los'", error.Message);
        Assert.Contains("val_loss", error.Message);
    }

    [Fact]
    public void A_metric_that_turns_NaN_later_counts_as_no_improvement()
    {
        Assert.Equal(3, Run(new EarlyStopping(patience: 2), new FakeNetwork(), 1f, float.NaN, float.NaN));
    }

    [Fact]
    public void Fit_stops_early_and_records_why()
    {
        var network = new CallbackLinearNet(seed: 1);
        var data = new Dataset(new float[30], 3, new float[20], 2);
        // Nothing to learn: the loss cannot improve by 1 per epoch, so training stops after epoch 2.
        var history = network.Fit(data, epochs: 10, batchSize: 5, callbacks: [new EarlyStopping("loss", minDelta: 1)], verbose: 0, seed: 1);
        Assert.Equal(2, history.Epochs.Count);
        Assert.True(history.StoppedEarly);
        Assert.StartsWith("Early stopping at epoch 2: loss", history.StopReason);
    }
}
