using CompiledNets.Tests.Shared;
using static CompiledNets.Runtime.Tests.Callbacks.Scripted;

namespace CompiledNets.Runtime.Tests.Callbacks;

public class LearningRateSchedulerTests
{
    [Theory]
    [InlineData(0, 0.1f)]
    [InlineData(9, 0.1f)]
    [InlineData(10, 0.05f)]
    [InlineData(19, 0.05f)]
    [InlineData(25, 0.025f)]
    public void Step_decay_drops_by_the_factor_every_n_epochs(int epoch, float expected)
    {
        Assert.Equal(expected, LearningRateScheduler.StepDecay(0.1f, dropEvery: 10, factor: 0.5f).LearningRateAt(epoch, 123f), 7);
    }

    [Theory]
    [InlineData(0, 0.1f)]
    [InlineData(1, 0.09f)]
    [InlineData(3, 0.0729f)]
    public void Exponential_decay_multiplies_by_gamma_each_epoch(int epoch, float expected)
    {
        Assert.Equal(expected, LearningRateScheduler.Exponential(0.1f, 0.9f).LearningRateAt(epoch, 123f), 7);
    }

    [Theory]
    [InlineData(0, 0.1f)]
    [InlineData(2, 0.0905463f)] // 0.001 + 0.099 * (1 + cos(0.2 pi)) / 2 = 0.001 + 0.099 * 0.9045085
    [InlineData(5, 0.0505f)]    // halfway: the mean of 0.1 and 0.001
    [InlineData(10, 0.001f)]
    [InlineData(15, 0.001f)]    // after the last epoch the rate stays at the minimum
    public void Cosine_annealing_goes_from_the_initial_rate_to_the_minimum(int epoch, float expected)
    {
        Assert.Equal(expected, LearningRateScheduler.Cosine(0.1f, totalEpochs: 10, minLr: 0.001f).LearningRateAt(epoch, 123f), 6);
    }

    [Fact]
    public void The_delegate_gets_the_epoch_and_the_current_rate_and_sets_the_network_rate_at_epoch_begin()
    {
        var network = new FakeNetwork(learningRate: 1f);
        var context = Context(network);
        var seen = new List<(int, float)>();
        var callback = new LearningRateScheduler((epoch, lr) =>
        {
            seen.Add((epoch, lr));
            return lr * 0.5f;
        });
        callback.OnEpochBegin(context, 0);
        callback.OnEpochBegin(context, 1);
        Assert.Equal([(0, 1f), (1, 0.5f)], seen);
        Assert.Equal(0.25f, network.LearningRate);
    }

    [Fact]
    public void Fit_records_the_scheduled_rate_of_every_epoch()
    {
        var network = new CallbackLinearNet(seed: 2);
        var data = new Dataset(new float[30], 3, new float[20], 2);
        var history = network.Fit(data, epochs: 4, batchSize: 5, callbacks: [LearningRateScheduler.StepDecay(0.2f, 2, 0.1f)], verbose: 0, seed: 1);
        Assert.Equal([0.2f, 0.2f, 0.02f, 0.02f], history.LearningRate.Select(r => MathF.Round(r, 6)));
    }

    [Fact]
    public void A_schedule_returning_an_invalid_rate_is_an_error()
    {
        var callback = new LearningRateScheduler((_, _) => float.NaN);
        var error = Assert.Throws<InvalidOperationException>(() => callback.OnEpochBegin(Context(new FakeNetwork()), 3));
        Assert.Contains("epoch 3", error.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => LearningRateScheduler.StepDecay(0.1f, 0, 0.5f));
        Assert.Throws<ArgumentOutOfRangeException>(() => LearningRateScheduler.Cosine(0.1f, 10, 0.2f));
    }
}
