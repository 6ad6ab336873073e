using CompiledNets.Kernels;
using Xunit;

namespace CompiledNets.Runtime.Tests.Kernels;

public class SoftmaxTests
{
    [Fact]
    public void Large_logits_give_probabilities_not_NaN_and_a_finite_loss()
    {
        // Two rows of five classes (a vector of four, then the scalar tail): logits far past e^x's float range.
        float[] logits = [1000f, 0f, -5f, 999f, 2f, -300f, -301f, -299f, -1000f, -302f];
        var probabilities = (float[])logits.Clone();
        ActivationKernels.Softmax(probabilities, 5);
        double e1 = Math.Exp(-1);
        Assert.Equal(1 / (1 + e1), probabilities[0], 1e-6);
        Assert.Equal(e1 / (1 + e1), probabilities[3], 1e-6);
        Assert.Equal(1 / (1 + e1 + e1 * e1 + e1 * e1 * e1), probabilities[7], 1e-6);
        Assert.All(probabilities, p => Assert.InRange(p, 0f, 1f));

        float[] targets = [0, 0, 0, 1, 0, 1, 0, 0, 0, 0];
        var delta = new float[10];
        float loss = LossKernels.LossAndGradient(LossFunction.CrossEntropy, Activation.Softmax, 0f, probabilities, logits, targets, delta, 2, 5);
        // Row 1: -log p[3] = log(1 + e) ; row 2: -log p[5] = 1 + log(1 + e^-1 + e^-2 + e^-3).
        double expected = (Math.Log(1 + Math.E) + 1 + Math.Log(1 + e1 + e1 * e1 + e1 * e1 * e1)) / 2;
        Assert.Equal(expected, loss, 1e-5);
        Assert.All(delta, d => Assert.True(float.IsFinite(d)));
    }

    [Fact]
    public void A_NaN_logit_makes_its_row_NaN_only()
    {
        float[] values = [1f, float.NaN, 0f, 2f, 0f, 0f];
        ActivationKernels.Softmax(values, 3);
        Assert.All(values.AsSpan(0, 3).ToArray(), p => Assert.True(float.IsNaN(p)));
        Assert.All(values.AsSpan(3).ToArray(), p => Assert.False(float.IsNaN(p)));
    }
}
