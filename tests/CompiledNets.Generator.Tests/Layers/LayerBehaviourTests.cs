using System.Reflection;
using CompiledNets.Generator.Tests.Infrastructure;

namespace CompiledNets.Generator.Tests.Layers;

/// <summary>Dropout statistics, batch-norm running statistics and inference, and the summary of non-trainable values.</summary>
public class LayerBehaviourTests
{
    private static readonly Lazy<Assembly> Networks = new(() => GeneratorHarness.CompileAndLoad("""
        using CompiledNets;
        namespace Behaviour;

        [Network(Inputs = 4, MaxBatchSize = 512)]
        [Dense(400)]
        [Dropout(0.25f)]
        [Loss(LossFunction.MeanSquaredError)]
        [Sgd]
        public partial class DropoutProbe;

        [Network(Inputs = 4)]
        [Dense(20000, Activation.Tanh)]
        [Maxout(3, 2)]
        [Loss(LossFunction.MeanSquaredError)]
        [Sgd]
        public partial class VeryWide;

        [Network(Inputs = 3)]
        [BatchNorm(Momentum = 0.2f, Epsilon = 1e-3f)]
        [Dense(1)]
        [Loss(LossFunction.MeanSquaredError)]
        [Sgd]
        public partial class BatchNormProbe;
        """));

    private static INetwork Create(string name, int seed = 1) => GeneratorHarness.Create(Networks.Value, "Behaviour." + name, seed);

    [Fact]
    public void Dropout_keeps_the_mean_in_training_and_is_the_identity_at_inference()
    {
        var net = Create("DropoutProbe");
        // Zero weights and unit biases: the Dense output is all ones, so the dropout output is its mask.
        net.Parameters.Clear();
        foreach (var bias in net.Tensors.Where(t => t.Name.EndsWith(".bias"))) net.Parameters.Slice(bias.Offset, bias.Length).Fill(1f);
        const int batch = 500;
        net.ComputeGradients(new float[batch * 4], new float[batch * 400], batch);
        var outputs = net.TrainingOutputs.ToArray();
        double zeros = outputs.Count(v => v == 0) / (double)outputs.Length;
        Assert.InRange(zeros, 0.24, 0.26); // 200,000 draws: the standard error is 0.001
        Assert.All(outputs, v => Assert.True(v == 0 || Math.Abs(v - 1 / 0.75f) < 1e-6));
        Assert.InRange(outputs.Average(v => (double)v), 0.98, 1.02);

        var first = new float[400];
        var second = new float[400];
        net.Predict(new float[4], first);
        net.Predict(new float[4], second);
        Assert.All(first, v => Assert.Equal(1f, v));
        Assert.Equal(first, second);
    }

    [Fact]
    public void Very_wide_layers_predict_through_a_per_thread_buffer_on_any_thread()
    {
        // 2 × 20,000 floats of intermediate rows would be 160 KB of stack per call: the generated Predict uses a
        // per-thread buffer instead, so concurrent calls still never share scratch.
        var net = Create("VeryWide");
        var random = new Random(8);
        var inputs = Enumerable.Range(0, 6 * 4).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
        var batch = new float[6 * 3];
        net.PredictBatch(inputs, batch, 6);
        var results = new float[6][];
        Parallel.For(0, 6, r =>
        {
            var one = new float[3];
            for (int repeat = 0; repeat < 20; repeat++) net.Predict(inputs.AsSpan(r * 4, 4), one);
            results[r] = one;
        });
        for (int r = 0; r < 6; r++)
            for (int j = 0; j < 3; j++) Assert.Equal(batch[r * 3 + j], results[r][j], 1e-5f);
    }

    [Fact]
    public void Batch_norm_running_statistics_follow_the_hand_computation()
    {
        var net = Create("BatchNormProbe");
        var random = new Random(3);
        double[] mean = { 0, 0, 0 }, variance = { 1, 1, 1 };
        for (int step = 0; step < 4; step++)
        {
            const int batch = 5;
            var x = Enumerable.Range(0, batch * 3).Select(_ => (float)(random.NextDouble() * 4 + step)).ToArray();
            net.ComputeGradients(x, new float[batch], batch);
            for (int f = 0; f < 3; f++)
            {
                var column = Enumerable.Range(0, batch).Select(r => (double)x[r * 3 + f]).ToArray();
                double m = column.Average();
                double unbiased = column.Sum(v => (v - m) * (v - m)) / (batch - 1);
                mean[f] = 0.8 * mean[f] + 0.2 * m;
                variance[f] = 0.8 * variance[f] + 0.2 * unbiased;
            }
        }
        var running = net.Tensors.Single(t => t.Name == "batchnorm1.running_mean");
        var runningVar = net.Tensors.Single(t => t.Name == "batchnorm1.running_var");
        Assert.Equal(TensorStorage.Buffers, running.Storage);
        for (int f = 0; f < 3; f++)
        {
            Assert.Equal(mean[f], net.Buffers[running.Offset + f], 4);
            Assert.Equal(variance[f], net.Buffers[runningVar.Offset + f], 4);
        }

        // Inference normalises with the running statistics: output = w · (gamma (x - mean) / sqrt(var + eps) + beta) + b.
        var sample = new float[] { 1.5f, -0.5f, 2f };
        var output = new float[1];
        net.Predict(sample, output);
        var weight = net.Tensors.Single(t => t.Name == "dense1.weight");
        var bias = net.Tensors.Single(t => t.Name == "dense1.bias");
        double expected = net.Parameters[bias.Offset];
        for (int f = 0; f < 3; f++)
            expected += net.Parameters[weight.Offset + f] * (sample[f] - mean[f]) / Math.Sqrt(variance[f] + 1e-3);
        Assert.Equal(expected, output[0], 4);

        var summary = net.Summary;
        Assert.Equal(6, summary.Layers[0].NonTrainableParameters);
        Assert.Equal(6, summary.Layers[0].TrainableParameters);
        Assert.Equal(6, summary.NonTrainableParameters);
    }
}
