using CompiledNets.Tests.Shared;
using static CompiledNets.Runtime.Tests.Callbacks.Scripted;

namespace CompiledNets.Runtime.Tests.Callbacks;

public class TerminateOnNaNTests
{
    [Theory]
    [InlineData(float.NaN, "NaN")]
    [InlineData(float.PositiveInfinity, "Infinity")]
    [InlineData(float.NegativeInfinity, "-Infinity")]
    public void A_non_finite_batch_loss_stops_training(float loss, string shown)
    {
        var context = Context(new FakeNetwork());
        var callback = new TerminateOnNaN();
        callback.OnTrainBegin(context);
        callback.OnEpochBegin(context, 1);
        callback.OnBatchEnd(context, 2, 0.5f);
        Assert.False(context.StopTraining);
        callback.OnBatchEnd(context, 3, loss);
        Assert.True(context.StopTraining);
        Assert.Equal((2, 4), callback.StoppedAt);
        Assert.Equal($"The loss became {shown} at epoch 2, batch 4: training diverged (try a smaller learning rate).", context.StopReason);
    }

    [Fact]
    public void Fit_passes_the_diverged_batch_to_the_callbacks_and_stops_with_the_same_message()
    {
        var network = new FakeNetwork(inputSize: 2, outputSize: 1) { ScriptedLoss = call => call == 6 ? float.NaN : 1f };
        var terminate = new TerminateOnNaN();
        var data = new Dataset(new float[20], 2, new float[10], 1);
        var history = network.Fit(data, epochs: 5, batchSize: 2, callbacks: [terminate], verbose: 0, seed: 1);
        // Batch 7 overall is the second batch of epoch 2.
        Assert.Equal((2, 2), terminate.StoppedAt);
        Assert.True(history.StoppedEarly);
        Assert.Equal("The loss became NaN at epoch 2, batch 2: training diverged (try a smaller learning rate).", history.StopReason);
        Assert.Equal(2, history.Epochs.Count); // Fit keeps the partial epoch that diverged
    }
}
