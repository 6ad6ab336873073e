using System.Reflection;
using CompiledNets.Generator.Tests.Infrastructure;

namespace CompiledNets.Generator.Tests;

/// <summary>Inference-only networks: a Step perceptron with hand-set weights predicts; training members say why they cannot train.</summary>
public class InferenceOnlyTests
{
    private static readonly Lazy<Assembly> Networks = new(() => GeneratorHarness.CompileAndLoad("""
        using CompiledNets;
        namespace Gates;
        [Network(Inputs = 2, InferenceOnly = true)]
        [Dense(1, Activation.Step)]
        public partial class Perceptron;

        [Network(Inputs = 3, InferenceOnly = true)]
        [Dense(4, Activation.LeakyReLU, Alpha = 0.2f)]
        [Dropout(0.5f)]
        [Maxout(2, 2)]
        [Loss(LossFunction.MeanSquaredError)]
        public partial class Mixed;
        """));

    [Fact]
    public void A_step_perceptron_with_hand_set_weights_computes_and()
    {
        var gate = GeneratorHarness.Create(Networks.Value, "Gates.Perceptron", seed: 1);
        // AND: fires when w·x + b >= 0 with w = (1, 1), b = -1.5.
        gate.Parameters[0] = 1f;
        gate.Parameters[1] = 1f;
        gate.Parameters[2] = -1.5f;
        var output = new float[1];
        float[][] inputs = { new[] { 0f, 0f }, new[] { 0f, 1f }, new[] { 1f, 0f }, new[] { 1f, 1f } };
        var results = inputs.Select(x => { gate.Predict(x, output); return output[0]; }).ToArray();
        Assert.Equal(new[] { 0f, 0f, 0f, 1f }, results);
        Assert.Equal("2 -> Dense(1, Step) | MeanSquaredError | InferenceOnly", gate.Architecture);
        Assert.Empty(gate.OptimizerState.ToArray());
    }

    [Fact]
    public void Training_members_throw_a_clear_error()
    {
        var gate = GeneratorHarness.Create(Networks.Value, "Gates.Perceptron", seed: 1);
        var error = Assert.Throws<InvalidOperationException>(() => gate.ComputeGradients(new float[2], new float[1], 1));
        Assert.Contains("InferenceOnly", error.Message);
        Assert.Throws<InvalidOperationException>(() => gate.ApplyGradients());
        Assert.Throws<InvalidOperationException>(() => gate.TrainBatch(new float[2], new float[1], 1));
    }

    [Fact]
    public void Predict_and_PredictBatch_agree_through_every_inference_layer()
    {
        var net = GeneratorHarness.Create(Networks.Value, "Gates.Mixed", seed: 4);
        Assert.Equal("3 -> Dense(4, LeakyReLU(alpha 0.2)) -> Dropout(0.5) -> Maxout(2, 2) | MeanSquaredError | InferenceOnly", net.Architecture);
        var random = new Random(2);
        var inputs = Enumerable.Range(0, 5 * 3).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
        var batch = new float[5 * 2];
        net.PredictBatch(inputs, batch, 5);
        var one = new float[2];
        for (int r = 0; r < 5; r++)
        {
            net.Predict(inputs.AsSpan(r * 3, 3), one);
            Assert.Equal(batch[r * 2], one[0], 1e-6f);
            Assert.Equal(batch[r * 2 + 1], one[1], 1e-6f);
        }
    }
}
