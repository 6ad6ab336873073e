namespace CompiledNets.Runtime.Tests.Callbacks;

/// <summary>The training context and epoch metrics a callback receives from Fit, built by hand.</summary>
internal static class Scripted
{
    public static TrainingContext Context(INetwork network, int epochs = 100) => new(network, new History(), epochs);

    /// <summary>Epoch metrics with the given validation loss (1-based epoch); other metrics default to plausible values or NaN.</summary>
    public static EpochMetrics Epoch(int epoch, float valLoss = float.NaN, float loss = 1f, float accuracy = float.NaN,
        float valAccuracy = float.NaN, float learningRate = 0.1f) =>
        new(epoch, loss, accuracy, valLoss, valAccuracy, learningRate, 0.25);
}
