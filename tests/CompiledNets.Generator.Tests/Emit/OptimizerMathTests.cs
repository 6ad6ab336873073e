using CompiledNets.Generator.Tests.Infrastructure;

namespace CompiledNets.Generator.Tests.Emit;

/// <summary>One optimizer step on a known gradient, against values computed by hand from the PyTorch formulas.</summary>
public class OptimizerMathTests
{
    [Fact]
    public void Sgd_step_subtracts_the_scaled_gradient()
    {
        var net = new LinearSgd(seed: 1);
        float[] before = net.Parameters.ToArray();
        for (int i = 0; i < LinearSgd.ParameterCount; i++) net.Gradients[i] = 0.5f * (i + 1);
        net.ApplyGradients();
        for (int i = 0; i < LinearSgd.ParameterCount; i++)
            Assert.Equal(before[i] - 0.1f * 0.5f * (i + 1), net.Parameters[i], 6);
        Assert.Equal(1, net.OptimizerStep);
    }

    [Fact]
    public void Adam_two_steps_match_hand_computed_values()
    {
        var net = new LinearAdam(seed: 1);
        net.Parameters.Fill(1f);
        // Step 1 with g = 0.2: m = 0.2·0.2 = 0.04, v = 0.01·0.04 = 0.0004,
        // m̂ = 0.04 / (1 - 0.8) = 0.2, v̂ = 0.0004 / (1 - 0.99) = 0.04, p = 1 - 0.01·0.2 / (0.2 + 1e-6).
        net.Gradients.Fill(0.2f);
        net.ApplyGradients();
        double p1 = 1 - 0.01 * 0.2 / (Math.Sqrt(0.04) + 1e-6);
        foreach (float p in net.Parameters) Assert.Equal(p1, p, 6);

        // Step 2 with g = -0.1: m = 0.8·0.04 + 0.2·(-0.1) = 0.012, v = 0.99·0.0004 + 0.01·0.01 = 0.000496,
        // m̂ = 0.012 / (1 - 0.64), v̂ = 0.000496 / (1 - 0.9801).
        net.Gradients.Fill(-0.1f);
        net.ApplyGradients();
        double m2 = 0.012 / (1 - 0.64), v2 = 0.000496 / (1 - 0.9801);
        double p2 = p1 - 0.01 * m2 / (Math.Sqrt(v2) + 1e-6);
        foreach (float p in net.Parameters) Assert.Equal(p2, p, 5);
        Assert.Equal(0.012f, net.OptimizerState[0], 6);
        Assert.Equal(0.000496f, net.OptimizerState[LinearAdam.ParameterCount], 7);
    }

    [Fact]
    public void Learning_rate_is_adjustable_between_steps()
    {
        var net = new LinearSgd(seed: 1);
        Assert.Equal(0.1f, net.LearningRate);
        net.LearningRate = 0.25f;
        float before = net.Parameters[0];
        net.Gradients.Fill(1f);
        net.ApplyGradients();
        Assert.Equal(before - 0.25f, net.Parameters[0], 6);
    }
}
