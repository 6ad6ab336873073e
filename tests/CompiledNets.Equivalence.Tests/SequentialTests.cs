namespace CompiledNets.Equivalence.Tests;

/// <summary>The interpreted engine on its own: builder rules, implicit build, inference-only networks.</summary>
public sealed class SequentialTests
{
    [Fact]
    public void The_builder_reads_like_the_attributes()
    {
        var net = new Sequential(inputs: 784).Dense(128, Activation.ReLU).Dense(10, Activation.Softmax).Loss(LossFunction.CrossEntropy).Adam(1e-3f);
        Assert.False(net.IsBuilt);
        Assert.Equal("784 -> Dense(128, ReLU) -> Dense(10, Softmax) | CrossEntropy | Adam", net.ToString());
        // Any INetwork member builds it (random seed, default batch size).
        Assert.Equal(784 * 128 + 128 + 128 * 10 + 10, net.ParameterCount);
        Assert.True(net.IsBuilt);
        Assert.Equal(Sequential.DefaultMaxBatchSize, net.MaxBatchSize);
        Assert.Equal(["dense1.weight", "dense1.bias", "dense2.weight", "dense2.bias", "optimizer.exp_avg", "optimizer.exp_avg_sq"], net.Tensors.Select(t => t.Name));
        Assert.Throws<InvalidOperationException>(() => net.Dense(3));
        Assert.Throws<InvalidOperationException>(() => net.Build(1));
    }

    [Fact]
    public void Invalid_architectures_are_rejected_when_built()
    {
        Assert.Throws<InvalidOperationException>(() => new Sequential(2).Loss(LossFunction.MeanSquaredError).Sgd().Build(1));
        Assert.Throws<InvalidOperationException>(() => new Sequential(2).Dense(1).Sgd().Build(1));
        Assert.Throws<InvalidOperationException>(() => new Sequential(2).Dense(1).Loss(LossFunction.MeanSquaredError).Build(1));
        Assert.Throws<InvalidOperationException>(() => new Sequential(2).Dense(3, Activation.Softmax).Dense(1).Loss(LossFunction.MeanSquaredError).Sgd().Build(1));
        Assert.Throws<InvalidOperationException>(() => new Sequential(2).Dense(3, Activation.ReLU).Loss(LossFunction.CrossEntropy).Sgd().Build(1));
        Assert.Throws<InvalidOperationException>(() => new Sequential(2).Dense(1, Activation.Softmax).Loss(LossFunction.CrossEntropy).Sgd().Build(1));
        Assert.Throws<InvalidOperationException>(() => new Sequential(2).Dense(2, Activation.Tanh).Loss(LossFunction.BinaryCrossEntropy).Sgd().Build(1));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Sequential(0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Sequential(2).Dense(0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Sequential(2).Dense(2, Activation.LeakyReLU, alpha: -1));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Sequential(2).Sgd(0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Sequential(2).Adam(beta1: 1));
    }

    [Fact]
    public void A_Step_network_predicts_but_does_not_train()
    {
        var net = new Sequential(2).Dense(1, Activation.Step).Loss(LossFunction.MeanSquaredError).Sgd().Build(seed: 3, maxBatchSize: 4);
        net.Parameters[0] = 1f;
        net.Parameters[1] = 1f;
        net.Parameters[2] = -1.5f; // AND gate
        var output = new float[1];
        net.Predict([1f, 1f], output);
        Assert.Equal(1f, output[0]);
        net.Predict([1f, 0f], output);
        Assert.Equal(0f, output[0]);
        Assert.Throws<InvalidOperationException>(() => net.ComputeGradients(new float[2], new float[1], 1));
    }

    [Fact]
    public void Very_wide_layers_predict_through_a_per_thread_buffer()
    {
        // 2 × 5000 floats exceed the stack limit: Predict falls back to a thread-static buffer and stays thread-safe.
        var net = new Sequential(3).Dense(5000, Activation.Tanh).Dense(2).Loss(LossFunction.MeanSquaredError).Sgd().Build(seed: 5, maxBatchSize: 8);
        ThreadSafety.AssertPredictIsThreadSafe(net);
        Allocations.AssertNoAllocations(net, "wide Sequential");
    }

    [Fact]
    public void Training_reduces_the_loss_on_xor()
    {
        var net = new Sequential(2).Dense(8, Activation.ReLU).Dense(1, Activation.Sigmoid).Loss(LossFunction.BinaryCrossEntropy).Sgd(0.5f).Build(seed: 1, maxBatchSize: 4);
        float[] x = [0, 0, 0, 1, 1, 0, 1, 1], t = [0, 1, 1, 0];
        float first = net.TrainBatch(x, t, 4), last = first;
        for (int i = 0; i < 2000; i++) last = net.TrainBatch(x, t, 4);
        Assert.True(last < 0.1f * first, $"loss {first} -> {last}");
    }
}
