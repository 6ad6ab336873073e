using CompiledNets.Tests.Shared;
using static CompiledNets.Runtime.Tests.Callbacks.Scripted;

namespace CompiledNets.Runtime.Tests.Callbacks;

public class ReduceLROnPlateauTests
{
    /// <summary>Feeds the validation losses; returns the learning rate after each epoch.</summary>
    private static float[] Run(ReduceLROnPlateau callback, float learningRate, params float[] valLosses)
    {
        var network = new FakeNetwork(learningRate: learningRate);
        var context = Context(network);
        callback.OnTrainBegin(context);
        var rates = new float[valLosses.Length];
        for (int e = 0; e < valLosses.Length; e++)
        {
            callback.OnEpochEnd(context, Epoch(e + 1, valLosses[e], learningRate: network.LearningRate));
            rates[e] = network.LearningRate;
        }
        return rates;
    }

    [Fact]
    public void The_rate_is_multiplied_by_the_factor_after_patience_epochs_without_improvement()
    {
        var callback = new ReduceLROnPlateau(factor: 0.5f, patience: 2, minDelta: 0);
        Assert.Equal([1f, 1f, 0.5f, 0.5f, 0.25f], Run(callback, 1f, 1f, 1f, 1f, 1f, 1f));
        Assert.Equal(2, callback.Reductions);
    }

    [Fact]
    public void Improvements_reset_the_wait()
    {
        var callback = new ReduceLROnPlateau(factor: 0.5f, patience: 2, minDelta: 0);
        Assert.Equal([1f, 1f, 1f, 1f, 0.5f], Run(callback, 1f, 1f, 1f, 0.9f, 0.9f, 0.95f));
    }

    [Fact]
    public void Cooldown_skips_epochs_after_a_reduction()
    {
        // patience 1, cooldown 2: reductions at epochs 2, 4 and 6 (Keras: the cooldown epoch that ends the cooldown
        // clears the wait, and the wait then grows in the same epoch).
        var callback = new ReduceLROnPlateau(factor: 0.5f, patience: 1, cooldown: 2, minDelta: 0);
        Assert.Equal([1f, 0.5f, 0.5f, 0.25f, 0.25f, 0.125f], Run(callback, 1f, 1f, 1f, 1f, 1f, 1f, 1f));
        Assert.Equal(3, callback.Reductions);
    }

    [Fact]
    public void The_rate_never_goes_below_the_minimum()
    {
        var callback = new ReduceLROnPlateau(factor: 0.1f, patience: 1, minLearningRate: 0.05f);
        Assert.Equal([1f, 0.1f, 0.05f, 0.05f, 0.05f], Run(callback, 1f, 1f, 1f, 1f, 1f, 1f));
        Assert.Equal(2, callback.Reductions);
    }

    [Fact]
    public void Changes_smaller_than_min_delta_are_plateaus()
    {
        // The default min delta is 1e-4: 0.99995 is no improvement on 1.
        var callback = new ReduceLROnPlateau(factor: 0.5f, patience: 1);
        Assert.Equal([1f, 0.5f], Run(callback, 1f, 1f, 0.99995f));
        var strict = new ReduceLROnPlateau(factor: 0.5f, patience: 1);
        Assert.Equal([1f, 1f], Run(strict, 1f, 1f, 0.9998f));
    }

    [Fact]
    public void Accuracy_plateaus_are_detected_in_max_mode()
    {
        var network = new FakeNetwork(loss: LossFunction.CrossEntropy, outputSize: 3, learningRate: 1f);
        var context = Context(network);
        var callback = new ReduceLROnPlateau("val_accuracy", factor: 0.5f, patience: 1, minDelta: 0);
        callback.OnTrainBegin(context);
        callback.OnEpochEnd(context, Epoch(1, valAccuracy: 0.5f));
        callback.OnEpochEnd(context, Epoch(2, valAccuracy: 0.7f));
        Assert.Equal(1f, network.LearningRate);
        callback.OnEpochEnd(context, Epoch(3, valAccuracy: 0.6f));
        Assert.Equal(0.5f, network.LearningRate);
    }

    [Fact]
    public void Invalid_settings_are_rejected()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new ReduceLROnPlateau(factor: 1f));
        Assert.Throws<ArgumentOutOfRangeException>(() => new ReduceLROnPlateau(patience: -1));
        Assert.Throws<ArgumentOutOfRangeException>(() => new ReduceLROnPlateau(minLearningRate: -1));
        var context = Context(new FakeNetwork());
        var callback = new ReduceLROnPlateau();
        callback.OnTrainBegin(context);
        Assert.Throws<InvalidOperationException>(() => callback.OnEpochEnd(context, Epoch(1)));
    }
}
