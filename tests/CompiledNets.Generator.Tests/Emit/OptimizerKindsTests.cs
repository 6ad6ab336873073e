using System.Reflection;
using CompiledNets.Generator.Tests.Infrastructure;

namespace CompiledNets.Generator.Tests.Emit;

/// <summary>Each optimizer's first two steps on a known gradient, against PyTorch's formulas computed by hand.</summary>
public class OptimizerKindsTests
{
    private static readonly Lazy<Assembly> Networks = new(() => GeneratorHarness.CompileAndLoad("""
        using CompiledNets;
        namespace Optimizers;
        [Network(Inputs = 2)] [Dense(1)] [Loss(LossFunction.MeanSquaredError)] [Sgd(LearningRate = 0.1f, Momentum = 0.9f)] public partial class HeavyBall;
        [Network(Inputs = 2)] [Dense(1)] [Loss(LossFunction.MeanSquaredError)] [Sgd(LearningRate = 0.1f, Momentum = 0.9f, Nesterov = true)] public partial class Nesterov;
        [Network(Inputs = 2)] [Dense(1)] [Loss(LossFunction.MeanSquaredError)] [AdaGrad(LearningRate = 0.1f)] public partial class Adagrad;
        [Network(Inputs = 2)] [Dense(1)] [Loss(LossFunction.MeanSquaredError)] [RmsProp(LearningRate = 0.01f, Alpha = 0.9f)] public partial class Rms;
        [Network(Inputs = 2)] [Dense(1)] [Loss(LossFunction.MeanSquaredError)] [RmsProp(LearningRate = 0.01f, Alpha = 0.9f, Momentum = 0.5f)] public partial class RmsMomentum;
        [Network(Inputs = 2)] [Dense(1)] [Loss(LossFunction.MeanSquaredError)] [AdamW(LearningRate = 0.01f, WeightDecay = 0.1f)] public partial class Decoupled;
        """));

    /// <summary>Sets every parameter to 1, applies gradient g1 then g2, and returns the parameter after each step.</summary>
    private static (float First, float Second, INetwork Net) TwoSteps(string name, float g1, float g2)
    {
        var net = GeneratorHarness.Create(Networks.Value, "Optimizers." + name, seed: 1);
        net.Parameters.Fill(1f);
        net.Gradients.Fill(g1);
        net.ApplyGradients();
        float first = net.Parameters[0];
        net.Gradients.Fill(g2);
        net.ApplyGradients();
        return (first, net.Parameters[0], net);
    }

    [Fact]
    public void Sgd_momentum()
    {
        // v1 = 0.5, p1 = 1 - 0.1·0.5 = 0.95; v2 = 0.9·0.5 + 0.2 = 0.65, p2 = 0.95 - 0.065 = 0.885.
        var (first, second, net) = TwoSteps("HeavyBall", 0.5f, 0.2f);
        Assert.Equal(0.95f, first, 6);
        Assert.Equal(0.885f, second, 6);
        Assert.Equal(0.65f, net.OptimizerState[0], 6);
        Assert.Contains(net.Tensors, t => t.Name == "optimizer.momentum_buffer");
    }

    [Fact]
    public void Sgd_nesterov()
    {
        // v1 = 0.5, p1 = 1 - 0.1·(0.5 + 0.9·0.5) = 0.905; v2 = 0.65, p2 = 0.905 - 0.1·(0.2 + 0.9·0.65) = 0.8265.
        var (first, second, _) = TwoSteps("Nesterov", 0.5f, 0.2f);
        Assert.Equal(0.905f, first, 6);
        Assert.Equal(0.8265f, second, 5);
    }

    [Fact]
    public void Adagrad()
    {
        // s1 = 0.25, p1 = 1 - 0.1·0.5/0.5 = 0.9; s2 = 0.29, p2 = 0.9 - 0.1·0.2/sqrt(0.29).
        var (first, second, _) = TwoSteps("Adagrad", 0.5f, 0.2f);
        Assert.Equal(0.9f, first, 6);
        Assert.Equal(0.9 - 0.02 / Math.Sqrt(0.29), second, 5);
    }

    [Fact]
    public void Rmsprop_without_and_with_momentum()
    {
        // a1 = 0.1·0.25 = 0.025, p1 = 1 - 0.01·0.5/sqrt(0.025); a2 = 0.9·0.025 + 0.1·0.04 = 0.0265.
        double p1 = 1 - 0.01 * 0.5 / (Math.Sqrt(0.025) + 1e-8);
        double p2 = p1 - 0.01 * 0.2 / (Math.Sqrt(0.0265) + 1e-8);
        var (first, second, _) = TwoSteps("Rms", 0.5f, 0.2f);
        Assert.Equal(p1, first, 5);
        Assert.Equal(p2, second, 5);

        // With momentum 0.5: b1 = 0.5/sqrt(0.025), b2 = 0.5·b1 + 0.2/sqrt(0.0265).
        double b1 = 0.5 / Math.Sqrt(0.025), b2 = 0.5 * b1 + 0.2 / Math.Sqrt(0.0265);
        var (m1, m2, _) = TwoSteps("RmsMomentum", 0.5f, 0.2f);
        Assert.Equal(1 - 0.01 * b1, m1, 5);
        Assert.Equal(1 - 0.01 * b1 - 0.01 * b2, m2, 5);
    }

    [Fact]
    public void Adamw_decays_before_the_adam_step()
    {
        // Step 1: p = 1·(1 - 0.01·0.1) = 0.999, then Adam's first step moves it by lr·sign(g) (m̂/sqrt(v̂) = 1).
        var (first, _, _) = TwoSteps("Decoupled", 0.5f, 0.2f);
        Assert.Equal(0.999 - 0.01 * 0.5 / (0.5 + 1e-8), first, 5);
    }
}
