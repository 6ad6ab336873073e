using System.Reflection;
using CompiledNets.Generator.Tests.Infrastructure;
using CompiledNets.Kernels;
using Microsoft.CodeAnalysis;

namespace CompiledNets.Generator.Tests.Emit;

/// <summary>
/// Networks whose optimizer step streams at least 4 MB split it into ranges across the pool: every optimizer's split
/// step gives bitwise the parameters and state of <see cref="OptimizerSteps"/> over the whole buffers, on any thread count.
/// </summary>
public class LargeNetworkOptimizerStepTests
{
    /// <summary>784-672-10: 534,250 parameters, enough for every optimizer (plain SGD streams 2 values per parameter).</summary>
    private const string Head = "[Network(Inputs = 784, MaxBatchSize = 8)] [Dense(672, Activation.ReLU)] [Dense(10)] [Loss(LossFunction.MeanSquaredError)]";

    private static readonly Lazy<Assembly> Networks = new(() => GeneratorHarness.CompileAndLoad($$"""
        using CompiledNets;
        namespace Big;
        {{Head}} [Sgd(LearningRate = 0.1f)] public partial class PlainSgd;
        {{Head}} [Sgd(LearningRate = 0.1f, Momentum = 0.9f)] public partial class HeavyBall;
        {{Head}} [Sgd(LearningRate = 0.1f, Momentum = 0.9f, Nesterov = true)] public partial class Nesterov;
        {{Head}} [AdaGrad(LearningRate = 0.1f)] public partial class Adagrad;
        {{Head}} [RmsProp(LearningRate = 0.01f, Alpha = 0.9f)] public partial class Rms;
        {{Head}} [RmsProp(LearningRate = 0.01f, Alpha = 0.9f, Momentum = 0.5f)] public partial class RmsMomentum;
        {{Head}} [Adam(LearningRate = 0.01f)] public partial class AdamNet;
        {{Head}} [AdamW(LearningRate = 0.01f, WeightDecay = 0.1f)] public partial class Decoupled;
        """));

    /// <summary>The whole-buffer step <paramref name="name"/>'s declaration asks for, on copies of its buffers.</summary>
    private static void ReferenceStep(string name, float[] p, float[] g, float[] s, float lr, long step)
    {
        int n = p.Length;
        switch (name)
        {
            case "PlainSgd": OptimizerSteps.Sgd(p, g, lr); break;
            case "HeavyBall": OptimizerSteps.SgdMomentum(p, g, s, lr, 0.9f, nesterov: false); break;
            case "Nesterov": OptimizerSteps.SgdMomentum(p, g, s, lr, 0.9f, nesterov: true); break;
            case "Adagrad": OptimizerSteps.AdaGrad(p, g, s, lr, 1e-10f); break;
            case "Rms": OptimizerSteps.RmsProp(p, g, s, default, lr, 0.9f, 1e-8f, 0f); break;
            case "RmsMomentum": OptimizerSteps.RmsProp(p, g, s.AsSpan(0, n), s.AsSpan(n, n), lr, 0.9f, 1e-8f, 0.5f); break;
            case "AdamNet": OptimizerSteps.Adam(p, g, s.AsSpan(0, n), s.AsSpan(n, n), lr, 0.9f, 0.999f, 1e-8f, step); break;
            default: OptimizerSteps.AdamW(p, g, s.AsSpan(0, n), s.AsSpan(n, n), lr, 0.9f, 0.999f, 1e-8f, 0.1f, step); break;
        }
    }

    [Theory]
    [InlineData("PlainSgd")]
    [InlineData("HeavyBall")]
    [InlineData("Nesterov")]
    [InlineData("Adagrad")]
    [InlineData("Rms")]
    [InlineData("RmsMomentum")]
    [InlineData("AdamNet")]
    [InlineData("Decoupled")]
    public void Every_optimizer_step_is_bitwise_the_reference_step_on_any_thread_count(string name)
    {
        foreach (int threads in new[] { 1, 2, 3 })
        {
            var net = GeneratorHarness.Create(Networks.Value, "Big." + name, seed: 1);
            net.GetType().GetProperty("Threads")!.SetValue(net, threads);
            var random = new Random(5);
            for (int step = 1; step <= 3; step++)
            {
                for (int i = 0; i < net.Gradients.Length; i++) net.Gradients[i] = (float)(random.NextDouble() - 0.5);
                float[] p = net.Parameters.ToArray(), g = net.Gradients.ToArray(), s = net.OptimizerState.ToArray();
                ReferenceStep(name, p, g, s, net.LearningRate, net.OptimizerStep + 1);
                net.ApplyGradients();
                Assert.Equal(step, net.OptimizerStep);
                Assert.True(p.AsSpan().SequenceEqual(net.Parameters), $"{name}, {threads} thread(s), step {step}: parameters differ");
                Assert.True(s.AsSpan().SequenceEqual(net.OptimizerState), $"{name}, {threads} thread(s), step {step}: optimizer state differs");
            }
        }
    }

    [Fact]
    public void A_large_network_without_dense_layers_compiles()
    {
        var run = GeneratorHarness.Run("""
            using CompiledNets;
            namespace NormOnly;
            [Network(Inputs = 131072, MaxBatchSize = 2)] [LayerNorm] [Loss(LossFunction.MeanSquaredError)] [Adam] public partial class Wide;
            """);
        Assert.Empty(run.GeneratorDiagnostics);
        var errors = run.CompilationDiagnostics.Where(d => d.Severity == DiagnosticSeverity.Error).Select(d => d.ToString()).ToList();
        Assert.True(errors.Count == 0, string.Join("\n", errors.Take(5)));
    }
}
