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
        var net = new Sequential(2).Dense(1, Activation.Step).InferenceOnly().Build(seed: 3, maxBatchSize: 4);
        Assert.Equal("2 -> Dense(1, Step) | none | InferenceOnly", net.Architecture);
        Assert.Equal("none (inference only)", net.Summary.Optimizer);
        Assert.Equal("none", net.Summary.Loss);
        Assert.Equal(0, net.OptimizerState.Length);
        Assert.Equal(0f, net.LearningRate);
        net.Parameters[0] = 1f;
        net.Parameters[1] = 1f;
        net.Parameters[2] = -1.5f; // AND gate
        var output = new float[1];
        net.Predict([1f, 1f], output);
        Assert.Equal(1f, output[0]);
        net.Predict([1f, 0f], output);
        Assert.Equal(0f, output[0]);
        Assert.Throws<InvalidOperationException>(() => net.ComputeGradients(new float[2], new float[1], 1));
        Assert.Throws<InvalidOperationException>(() => net.TrainBatch(new float[2], new float[1], 1));
        Assert.Throws<InvalidOperationException>(() => net.ApplyGradients());
    }

    [Fact]
    public void Step_needs_an_inference_only_network_and_that_takes_no_optimizer()
    {
        // CN0011 and CN0023 of the generator, as exceptions.
        Assert.Throws<InvalidOperationException>(() => new Sequential(2).Dense(1, Activation.Step).Loss(LossFunction.MeanSquaredError).Sgd().Build(1));
        Assert.Throws<InvalidOperationException>(() => new Sequential(2).Dense(3).Activation(Activation.Step).Loss(LossFunction.MeanSquaredError).Sgd().Build(1));
        Assert.Throws<InvalidOperationException>(() => new Sequential(2).Dense(1, Activation.Step).InferenceOnly().Sgd().Build(1));
        var withLoss = new Sequential(2).Dense(2, Activation.Step).Dense(2).Activation(Activation.Softmax).Loss(LossFunction.CrossEntropy).InferenceOnly().Build(1);
        Assert.Equal("2 -> Dense(2, Step) -> Dense(2, Linear) -> Activation(Softmax) | CrossEntropy | InferenceOnly", withLoss.Architecture);
    }

    [Fact]
    public void The_toolkit_network_reads_like_its_attributes()
    {
        var net = new Sequential(20)
            .WeightDecay(1e-4f)
            .Dense(32, init: Init.HeNormal).BatchNorm(momentum: 0.2f).Activation(Activation.ReLU).Dropout(0.3f)
            .Maxout(16, 3).LayerNorm().Dense(12, Activation.LeakyReLU, alpha: 0.2f, l2: 0f).Dense(4, Activation.Softmax)
            .Loss(LossFunction.CrossEntropy).AdamW(3e-4f, weightDecay: 0.05f)
            .Build(seed: 7, maxBatchSize: 32);
        Assert.Equal("20 -> Dense(32, Linear) -> BatchNorm(momentum 0.2) -> Activation(ReLU) -> Dropout(0.3) -> Maxout(16, 3) -> LayerNorm -> Dense(12, LeakyReLU(alpha 0.2)) -> Dense(4, Softmax) | CrossEntropy | AdamW", net.Architecture);
        Assert.Equal(
            ["dense1", "batchnorm1", "activation1", "dropout1", "maxout1", "layernorm1", "dense2", "dense3"],
            net.Summary.Layers.Select(l => l.Name));
        Assert.Equal(["Dense", "BatchNorm", "Activation", "Dropout", "Maxout", "LayerNorm", "Dense", "Dense"], net.Summary.Layers.Select(l => l.Kind));
        Assert.Equal(["Linear", "momentum 0.2", "ReLU", "rate 0.3", "3 pieces", "", "LeakyReLU(alpha 0.2)", "Softmax"], net.Summary.Layers.Select(l => l.Detail));
        Assert.Equal(
        [
            "dense1.weight", "dense1.bias", "batchnorm1.gamma", "batchnorm1.beta", "batchnorm1.running_mean", "batchnorm1.running_var",
            "maxout1.weight", "maxout1.bias", "layernorm1.gamma", "layernorm1.beta", "dense2.weight", "dense2.bias", "dense3.weight", "dense3.bias",
            "optimizer.exp_avg", "optimizer.exp_avg_sq",
        ], net.Tensors.Select(t => t.Name));
        Assert.Equal("[48, 32]", net.Tensors.Single(t => t.Name == "maxout1.weight").ShapeText);
        int parameters = 20 * 32 + 32 + 2 * 32 + 48 * 32 + 48 + 2 * 16 + 16 * 12 + 12 + 12 * 4 + 4;
        Assert.Equal(parameters, net.ParameterCount);
        Assert.Equal(64, net.Buffers.Length);
        Assert.Equal(64, net.Summary.NonTrainableParameters);
        Assert.Equal("AdamW(lr 0.0003, betas (0.9, 0.999), eps 1E-08, weight decay 0.05)", net.Summary.Optimizer);
        // Unit gammas and running variances, zero betas and running means.
        var tensor = (string name) => net.Tensors.Single(t => t.Name == name);
        Assert.All(net.Parameters.Slice(tensor("batchnorm1.gamma").Offset, 32).ToArray(), v => Assert.Equal(1f, v));
        Assert.All(net.Parameters.Slice(tensor("layernorm1.gamma").Offset, 16).ToArray(), v => Assert.Equal(1f, v));
        Assert.All(net.Buffers.Slice(tensor("batchnorm1.running_var").Offset, 32).ToArray(), v => Assert.Equal(1f, v));
        Assert.All(net.Buffers.Slice(tensor("batchnorm1.running_mean").Offset, 32).ToArray(), v => Assert.Equal(0f, v));
    }

    [Fact]
    public void Optimizer_state_names_follow_PyTorch()
    {
        string[] Names(Func<Sequential, Sequential> optimizer) =>
            optimizer(new Sequential(3).Dense(2).Loss(LossFunction.MeanSquaredError)).Build(1).Tensors
                .Where(t => t.Storage == TensorStorage.OptimizerState).Select(t => t.Name).ToArray();
        Assert.Empty(Names(s => s.Sgd()));
        Assert.Equal(["optimizer.momentum_buffer"], Names(s => s.Sgd(momentum: 0.9f)));
        Assert.Equal(["optimizer.sum"], Names(s => s.AdaGrad()));
        Assert.Equal(["optimizer.square_avg"], Names(s => s.RmsProp()));
        Assert.Equal(["optimizer.square_avg", "optimizer.momentum_buffer"], Names(s => s.RmsProp(momentum: 0.9f)));
        Assert.Equal(["optimizer.exp_avg", "optimizer.exp_avg_sq"], Names(s => s.Adam()));
        Assert.Equal(["optimizer.exp_avg", "optimizer.exp_avg_sq"], Names(s => s.AdamW()));
    }

    [Fact]
    public void Invalid_toolkit_settings_are_rejected_like_the_generator_does()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new Sequential(2).Dropout(1f));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Sequential(2).Dropout(-0.1f));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Sequential(2).Dropout(float.NaN));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Sequential(2).BatchNorm(momentum: 0f));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Sequential(2).BatchNorm(momentum: 1.5f));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Sequential(2).BatchNorm(epsilon: 0f));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Sequential(2).LayerNorm(epsilon: float.PositiveInfinity));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Sequential(2).Activation((Activation)42));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Sequential(2).Activation(Activation.ELU, alpha: -1f));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Sequential(2).Maxout(3, 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Sequential(2).Maxout(0, 2));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Sequential(2).Maxout(3, 2, init: (Init)99));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Sequential(2).Dense(3, l2: -1f));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Sequential(2).WeightDecay(float.NaN));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Sequential(2).Sgd(momentum: 1f));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Sequential(2).Sgd(nesterov: true));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Sequential(2).AdaGrad(epsilon: 0f));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Sequential(2).RmsProp(alpha: 1f));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Sequential(2).RmsProp(momentum: -0.1f));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Sequential(2).AdamW(weightDecay: -0.01f));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Sequential(2).AdamW(beta2: 1f));
        // One optimizer and one loss (CN0008; the compiler rejects a second [Loss]).
        Assert.Throws<InvalidOperationException>(() => new Sequential(2).Adam().Sgd());
        Assert.Throws<InvalidOperationException>(() => new Sequential(2).Loss(LossFunction.MeanSquaredError).Loss(LossFunction.CrossEntropy));
        // Softmax only last (CN0010), also as an Activation layer; the loss sees the last layer's activation (CN0009).
        Assert.Throws<InvalidOperationException>(() => new Sequential(2).Dense(3).Activation(Activation.Softmax).Dense(2).Loss(LossFunction.MeanSquaredError).Sgd().Build(1));
        Assert.Throws<InvalidOperationException>(() => new Sequential(2).Dense(3, Activation.Softmax).Dropout(0.1f).Loss(LossFunction.CrossEntropy).Sgd().Build(1));
        Assert.Throws<InvalidOperationException>(() => new Sequential(2).Dense(3, Activation.Sigmoid).BatchNorm().Loss(LossFunction.BinaryCrossEntropy).Sgd().Build(1));
        new Sequential(2).Dense(3).Activation(Activation.Sigmoid).Loss(LossFunction.BinaryCrossEntropy).Sgd().Build(1);
    }

    [Fact]
    public void Dropout_is_the_identity_at_inference_and_keeps_the_mean_in_training()
    {
        var net = new Sequential(400).Dropout(0.4f).Dense(1, init: Init.Zeros).Loss(LossFunction.MeanSquaredError).Sgd().Build(seed: 9, maxBatchSize: 64);
        net.Parameters[..400].Fill(1f / 400);
        var input = Enumerable.Repeat(1f, 400).ToArray();
        var output = new float[1];
        net.Predict(input, output);
        Assert.Equal(1f, output[0], 5);
        // Training: ~60% of the 400 inputs kept, scaled by 1 / 0.6, so the mean stays about 1.
        var inputs = Enumerable.Repeat(1f, 64 * 400).ToArray();
        net.ComputeGradients(inputs, new float[64], 64);
        var outputs = net.TrainingOutputs.ToArray();
        Assert.InRange(outputs.Average(), 0.95f, 1.05f);
        Assert.True(outputs.Distinct().Count() > 10, "masks differ between samples");
    }

    [Fact]
    public void BatchNorm_uses_batch_statistics_in_training_and_running_statistics_at_inference()
    {
        var net = new Sequential(2).BatchNorm(momentum: 0.5f).Loss(LossFunction.MeanSquaredError).Sgd().Build(seed: 1, maxBatchSize: 4);
        float[] x = [1, 10, 3, 20, 5, 30, 7, 40];
        net.ComputeGradients(x, new float[8], 4);
        // Feature 0: mean 4, biased variance 5 -> (1 - 4) / sqrt(5 + 1e-5).
        Assert.Equal(-3 / MathF.Sqrt(5 + 1e-5f), net.TrainingOutputs[0], 5);
        // Running mean 0.5 · 0 + 0.5 · 4 = 2; running variance 0.5 · 1 + 0.5 · 20/3 (unbiased).
        Assert.Equal(2f, net.Buffers[0], 6);
        Assert.Equal(0.5f + 0.5f * 20f / 3f, net.Buffers[2], 5);
        var output = new float[2];
        net.Predict([2f, 10f], output);
        Assert.Equal((2f - 2f) / MathF.Sqrt(net.Buffers[2] + 1e-5f), output[0], 5);
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
