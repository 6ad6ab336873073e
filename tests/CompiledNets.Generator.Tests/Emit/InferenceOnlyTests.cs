using System.Reflection;
using CompiledNets.Generator.Tests.Infrastructure;

namespace CompiledNets.Generator.Tests.Emit;

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
        Assert.Empty(gate.OptimizerState.ToArray());
    }

    [Fact]
    public void Without_a_loss_the_architecture_and_summary_say_none_as_the_interpreted_engine_does()
    {
        var gate = GeneratorHarness.Create(Networks.Value, "Gates.Perceptron", seed: 1);
        Assert.Equal("2 -> Dense(1, Step) | none | InferenceOnly", gate.Architecture);
        Assert.Equal("none", gate.Summary.Loss);
        var interpreted = new Sequential(inputs: 2).Dense(1, Activation.Step).InferenceOnly().Build(seed: 1);
        Assert.Equal(gate.Architecture, interpreted.Architecture);
        Assert.Equal(gate.Summary.Loss, interpreted.Summary.Loss);

        // A declared loss is shown, by both.
        var mixed = GeneratorHarness.Create(Networks.Value, "Gates.Mixed", seed: 1);
        var twin = new Sequential(inputs: 3).Dense(4, Activation.LeakyReLU, alpha: 0.2f).Dropout(0.5f).Maxout(2, 2).Loss(LossFunction.MeanSquaredError).InferenceOnly().Build(seed: 1);
        Assert.Equal(mixed.Architecture, twin.Architecture);
        Assert.Equal("MeanSquaredError", mixed.Summary.Loss);
    }

    /// <summary>The same small layers trained with weight decay (which keeps training off the sample-lane kernel), and declared for deployment.</summary>
    private static readonly Lazy<Assembly> Twins = new(() => GeneratorHarness.CompileAndLoad("""
        using CompiledNets;
        namespace Twins;
        [Network(Inputs = 3)] [WeightDecay(1e-3f)] [Dense(6, Activation.LeakyReLU)] [Dense(4, Activation.Softmax)]
        [Loss(LossFunction.CrossEntropy)] [Adam]
        public partial class Trained;

        [Network(Inputs = 3, InferenceOnly = true)] [Dense(6, Activation.LeakyReLU)] [Dense(4, Activation.Softmax)]
        public partial class Deployed;
        """));

    [Fact]
    public void The_same_layers_predict_bit_for_bit_alike_whatever_the_loss_optimizer_or_regularisation()
    {
        var trained = GeneratorHarness.Create(Twins.Value, "Twins.Trained", seed: 3);
        var deployed = GeneratorHarness.Create(Twins.Value, "Twins.Deployed", seed: 4);
        trained.Parameters.CopyTo(deployed.Parameters);
        var random = new Random(5);
        var a = new float[4];
        var b = new float[4];
        for (int i = 0; i < 50; i++)
        {
            float[] x = [(float)random.NextDouble() * 4 - 2, (float)random.NextDouble() * 4 - 2, (float)random.NextDouble() * 4 - 2];
            trained.Predict(x, a);
            deployed.Predict(x, b);
            Assert.Equal(a.Select(BitConverter.SingleToInt32Bits), b.Select(BitConverter.SingleToInt32Bits));
        }
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
