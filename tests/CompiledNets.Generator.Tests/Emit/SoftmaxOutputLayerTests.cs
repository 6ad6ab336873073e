using System.Reflection;
using CompiledNets.Generator.Tests.Infrastructure;

namespace CompiledNets.Generator.Tests.Emit;

/// <summary>
/// The unrolled softmax and softmax + cross-entropy kernels emitted for a last layer of few classes: extreme logits,
/// NaN rows and a batch that is not a multiple of the four rows a kernel step takes.
/// </summary>
public class SoftmaxOutputLayerTests
{
    private const int Classes = 5;

    // Wider than the sample-lane path takes (640 weights), so it trains layer by layer with the fused loss kernel.
    private static readonly Lazy<Assembly> Networks = new(() => GeneratorHarness.CompileAndLoad("""
        using CompiledNets;
        namespace SoftmaxKernels;

        [Network(Inputs = 5)]
        [Dense(64)]
        [Dense(5, Activation.Softmax)]
        [Loss(LossFunction.CrossEntropy)]
        [Sgd]
        public partial class Classifier;
        """));

    /// <summary>The network with weights that pass its input through unchanged: the logits are the inputs.</summary>
    private static INetwork LogitsAreInputs()
    {
        var net = GeneratorHarness.Create(Networks.Value, "SoftmaxKernels.Classifier", 1);
        net.Parameters.Clear();
        var hidden = net.Tensors.First(t => t.Name == "dense1.weight");
        var output = net.Tensors.First(t => t.Name == "dense2.weight");
        for (int c = 0; c < Classes; c++)
        {
            net.Parameters[hidden.Offset + c * Classes + c] = 1f; // dense1.weight is [64, 5]
            net.Parameters[output.Offset + c * 64 + c] = 1f;      // dense2.weight is [5, 64]
        }
        return net;
    }

    [Fact]
    public void Extreme_logits_give_exact_probabilities_and_a_finite_loss()
    {
        var net = LogitsAreInputs();
        float[] logits = [1000f, 0f, -5f, 999f, 2f, -300f, -301f, -299f, -1000f, -302f];
        float[] targets = [0, 0, 0, 1, 0, 1, 0, 0, 0, 0];
        float loss = net.ComputeGradients(logits, targets, 2);

        double e1 = Math.Exp(-1);
        var probabilities = net.TrainingOutputs.ToArray();
        Assert.Equal(1 / (1 + e1), probabilities[0], 1e-6);
        Assert.Equal(e1 / (1 + e1), probabilities[3], 1e-6);
        Assert.Equal(1 / (1 + e1 + e1 * e1 + e1 * e1 * e1), probabilities[7], 1e-6);
        Assert.All(probabilities, p => Assert.InRange(p, 0f, 1f));
        double expected = (Math.Log(1 + Math.E) + 1 + Math.Log(1 + e1 + e1 * e1 + e1 * e1 * e1)) / 2;
        Assert.Equal(expected, loss, 1e-5);
        Assert.All(net.Gradients.ToArray(), g => Assert.True(float.IsFinite(g)));

        var predicted = new float[10];
        net.PredictBatch(logits, predicted, 2);
        Assert.Equal(probabilities, predicted);
    }

    [Fact]
    public void A_NaN_logit_makes_its_row_NaN_and_leaves_the_others()
    {
        var net = LogitsAreInputs();
        float[] logits = [1f, 2f, 3f, 4f, 5f, 0f, float.NaN, 0f, 0f, 0f, 5f, 4f, 3f, 2f, 1f];
        var predicted = new float[15];
        net.PredictBatch(logits, predicted, 3);
        Assert.All(predicted.AsSpan(5, 5).ToArray(), p => Assert.True(float.IsNaN(p)));
        Assert.All(predicted.AsSpan(0, 5).ToArray().Concat(predicted.AsSpan(10, 5).ToArray()), p => Assert.False(float.IsNaN(p)));
        Assert.Equal(predicted[4], predicted[10], 1e-6f);
    }

    [Fact]
    public void Rows_of_a_batch_not_a_multiple_of_four_match_a_reference_softmax()
    {
        var net = LogitsAreInputs();
        const int rows = 7; // one full step of four rows and a step with three
        var random = new Random(3);
        var logits = Enumerable.Range(0, rows * Classes).Select(_ => (float)(random.NextDouble() * 20 - 10)).ToArray();
        var targets = new float[rows * Classes];
        for (int r = 0; r < rows; r++) targets[r * Classes + r % Classes] = 1f;
        float loss = net.ComputeGradients(logits, targets, rows);

        double expectedLoss = 0;
        var probabilities = net.TrainingOutputs.ToArray();
        for (int r = 0; r < rows; r++)
        {
            var row = logits.Skip(r * Classes).Take(Classes).Select(v => (double)v).ToArray();
            double max = row.Max(), sum = row.Sum(v => Math.Exp(v - max));
            for (int c = 0; c < Classes; c++)
                Assert.Equal(Math.Exp(row[c] - max) / sum, probabilities[r * Classes + c], 1e-6);
            expectedLoss += max + Math.Log(sum) - row[r % Classes];
        }
        Assert.Equal(expectedLoss / rows, loss, 1e-5);
    }
}
