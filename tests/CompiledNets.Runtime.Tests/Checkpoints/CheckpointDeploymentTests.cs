using CompiledNets.Tests.Shared;
using static CompiledNets.Runtime.Tests.Checkpoints.CheckpointTestHelpers;

namespace CompiledNets.Runtime.Tests.Checkpoints;

/// <summary>
/// Train with one declaration, deploy with another: a checkpoint loads into the same layers declared InferenceOnly or
/// with another optimizer and predicts identically; the optimizer state loads only into the same optimizer, and the
/// <see cref="LoadResult"/> says why it did not; other layers still fail all or nothing.
/// </summary>
public class CheckpointDeploymentTests
{
    private static readonly string[] AdamState = ["optimizer.exp_avg", "optimizer.exp_avg_sq"];

    /// <summary>Inputs that reach every unit: 40 samples of 4 features in [-2, 2).</summary>
    private static float[] Samples()
    {
        var random = new Random(7);
        return Enumerable.Range(0, 40 * 4).Select(_ => (float)(random.NextDouble() * 4 - 2)).ToArray();
    }

    private static void AssertSamePredictions(INetwork expected, INetwork actual)
    {
        float[] inputs = Samples();
        NetworkState.AssertBitwiseEqual(expected.PredictBatch(inputs), actual.PredictBatch(inputs));
        for (int i = 0; i < 40; i++)
        {
            float[] sample = inputs[(i * 4)..((i + 1) * 4)];
            NetworkState.AssertBitwiseEqual(expected.Predict(sample), actual.Predict(sample));
        }
    }

    [Fact]
    public void An_Adam_trained_checkpoint_loads_into_an_InferenceOnly_twin_with_identical_predictions()
    {
        var trained = TrainedAdam();
        var deployed = new CheckpointAdamNetDeployed(seed: 9);

        var result = deployed.Load(new MemoryStream(SaveToBytes(trained)));

        NetworkState.AssertBitwiseEqual(trained.Parameters.ToArray(), deployed.Parameters.ToArray());
        AssertSamePredictions(trained, deployed);
        Assert.False(result.OptimizerStateLoaded);
        Assert.Contains("InferenceOnly", result.OptimizerStateSkipReason);
        Assert.Contains("Adam", result.OptimizerStateSkipReason);
        Assert.Equal(AdamState, result.SkippedTensors);
        Assert.Equal(trained.Architecture, result.CheckpointArchitecture);
        Assert.Equal("4 -> Dense(8, ReLU) -> Dense(3, Softmax) | none | InferenceOnly", deployed.Architecture);
        Assert.Equal(0, deployed.OptimizerStep);
    }

    [Fact]
    public void An_Adam_trained_checkpoint_loads_into_an_Sgd_twin_with_identical_predictions_and_a_fresh_optimizer()
    {
        var trained = TrainedAdam();
        var twin = new CheckpointAdamNetSgdTwin(seed: 9);
        Train(twin, 2, seed: 3); // a step count of its own, to see it reset

        var result = twin.Load(new MemoryStream(SaveToBytes(trained)));

        NetworkState.AssertBitwiseEqual(trained.Parameters.ToArray(), twin.Parameters.ToArray());
        AssertSamePredictions(trained, twin);
        Assert.False(result.OptimizerStateLoaded);
        Assert.Equal("the checkpoint was saved with the optimizer Adam, this network uses Sgd", result.OptimizerStateSkipReason);
        Assert.Equal(AdamState, result.SkippedTensors);
        Assert.Equal(0, twin.OptimizerStep);
        Assert.Equal(0.05f, twin.LearningRate); // its own rate: Adam's 0.01 belongs to Adam

        // Fine-tuning goes on from the loaded weights with the twin's optimizer: one SGD step is p - lr·g.
        var (inputs, targets) = Batch(twin, 8, seed: 4);
        twin.ComputeGradients(inputs, targets, 8);
        float[] expected = trained.Parameters.ToArray();
        float[] gradients = twin.Gradients.ToArray();
        for (int i = 0; i < expected.Length; i++) expected[i] -= 0.05f * gradients[i];
        twin.ApplyGradients();
        Assert.Equal(1, twin.OptimizerStep);
        float[] stepped = twin.Parameters.ToArray();
        for (int i = 0; i < expected.Length; i++) Assert.Equal(expected[i], stepped[i], 6);
    }

    [Fact]
    public void Momentum_state_loads_only_into_the_same_configuration()
    {
        var momentum = new CheckpointAdamNetMomentumTwin(seed: 1);
        Train(momentum, 3, seed: 1);
        byte[] file = SaveToBytes(momentum);

        // Same optimizer, same state tensors: everything, as before.
        var again = new CheckpointAdamNetMomentumTwin(seed: 2);
        var result = again.Load(new MemoryStream(file));
        Assert.True(result.OptimizerStateLoaded);
        Assert.Null(result.OptimizerStateSkipReason);
        Assert.Empty(result.SkippedTensors);
        NetworkState.Of(momentum).AssertSameAs(again);

        // Plain SGD is the same kind of optimizer without a momentum buffer: the weights load, the buffer is skipped.
        var plain = new CheckpointAdamNetSgdTwin(seed: 2);
        result = plain.Load(new MemoryStream(file));
        Assert.False(result.OptimizerStateLoaded);
        Assert.Contains("optimizer tensors (optimizer.momentum_buffer) are not this network's (none)", result.OptimizerStateSkipReason);
        Assert.Equal(["optimizer.momentum_buffer"], result.SkippedTensors);
        AssertSamePredictions(momentum, plain);

        // And the other way: a file without a momentum buffer leaves the buffer at zero.
        var fromPlain = new CheckpointAdamNetMomentumTwin(seed: 3);
        Train(fromPlain, 2, seed: 2);
        result = fromPlain.Load(new MemoryStream(SaveToBytes(plain)));
        Assert.False(result.OptimizerStateLoaded);
        Assert.Contains("holds no optimizer state", result.OptimizerStateSkipReason);
        Assert.All(fromPlain.OptimizerState.ToArray(), v => Assert.Equal(0f, v));
        Assert.Equal(0, fromPlain.OptimizerStep);
    }

    [Fact]
    public void The_same_declaration_restores_the_optimizer_and_says_so()
    {
        var trained = TrainedAdam();
        var again = new CheckpointAdamNet(seed: 2);
        var result = again.Load(new MemoryStream(SaveToBytes(trained)), requireOptimizerState: true);
        Assert.True(result.OptimizerStateLoaded);
        Assert.Null(result.OptimizerStateSkipReason);
        Assert.Empty(result.SkippedTensors);
        Assert.Equal(trained.Architecture, result.CheckpointArchitecture);
        NetworkState.Of(trained).AssertSameAs(again);
    }

    [Fact]
    public void Requiring_the_optimizer_state_of_another_optimizer_fails_and_changes_nothing()
    {
        var twin = new CheckpointAdamNetSgdTwin(seed: 5);
        Train(twin, 2, seed: 5);
        var before = NetworkState.Of(twin);
        var error = Assert.Throws<InvalidDataException>(() => twin.Load(new MemoryStream(SaveToBytes(TrainedAdam())), requireOptimizerState: true));
        Assert.Contains("cannot restore the optimizer state: the checkpoint was saved with the optimizer Adam, this network uses Sgd", error.Message);
        Assert.Contains("requireOptimizerState: false", error.Message);
        before.AssertSameAs(twin);
    }

    [Fact]
    public void A_layer_mismatch_still_fails_and_leaves_the_network_untouched()
    {
        byte[] file = SaveToBytes(TrainedAdam());
        // Other layers with the same optimizer, and other layers declared for inference: both rejected, nothing changed.
        var wide = new CheckpointWideNet(seed: 1);
        Train(wide, 2, seed: 2);
        var error = AssertRejected(wide, file, "different architecture", "the layers differ", "checkpoint: 4 -> Dense(8, ReLU)", "network:    4 -> Dense(16, ReLU)");
        Assert.Contains("the loss and the optimizer may differ", error.Message);

        var deployedWide = new CheckpointAdamNetDeployed(seed: 1);
        AssertRejected(deployedWide, SaveToBytes(new CheckpointWideNet(seed: 3)), "different architecture", "checkpoint: 4 -> Dense(16, ReLU)");
    }

    [Fact]
    public void A_deployment_checkpoint_saved_with_the_earlier_architecture_text_still_loads()
    {
        // Inference-only networks without [Loss] used to describe themselves as "... | MeanSquaredError | InferenceOnly".
        var source = new CheckpointAdamNetDeployed(seed: 4);
        var legacy = new ArchitectureText(source, "4 -> Dense(8, ReLU) -> Dense(3, Softmax) | MeanSquaredError | InferenceOnly");
        var target = new CheckpointAdamNetDeployed(seed: 5);

        var result = target.Load(new MemoryStream(SaveToBytes(legacy)), requireOptimizerState: true);

        Assert.True(result.OptimizerStateLoaded); // both have no optimizer
        Assert.Equal(legacy.Architecture, result.CheckpointArchitecture);
        AssertSamePredictions(source, target);
        // Other layers in that older text still fail, naming both.
        var other = new ArchitectureText(source, "4 -> Dense(9, ReLU) -> Dense(3, Softmax) | MeanSquaredError | InferenceOnly");
        AssertRejected(target, SaveToBytes(other), "different architecture", "Dense(9, ReLU)");
    }

    [Fact]
    public void Architecture_text_splits_into_layers_loss_and_optimizer()
    {
        Assert.Equal(new ArchitectureParts("4 -> Dense(8, ReLU)", "CrossEntropy", "Adam"), ArchitectureParts.Parse("4 -> Dense(8, ReLU) | CrossEntropy | Adam"));
        Assert.Equal(new ArchitectureParts("4 -> Dense(8, ReLU)", null, "Adam"), ArchitectureParts.Parse("4 -> Dense(8, ReLU) | Adam"));
        Assert.Equal(new ArchitectureParts("4 -> Dense(8, ReLU)", null, null), ArchitectureParts.Parse("4 -> Dense(8, ReLU)"));
    }

    /// <summary>A network that reports another <see cref="INetwork.Architecture"/>, to write checkpoints as older builds did.</summary>
    private sealed class ArchitectureText(INetwork inner, string architecture) : ForwardingNetwork(inner)
    {
        public override string Architecture => architecture;
    }
}
