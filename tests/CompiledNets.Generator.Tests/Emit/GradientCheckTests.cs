using System.Reflection;
using CompiledNets.Generator.Tests.Infrastructure;

namespace CompiledNets.Generator.Tests.Emit;

/// <summary>
/// ComputeGradients against central finite differences of an independent double-precision model.
/// Tolerance: |g - fd| ≤ 1e-3 · max(|fd|, 1e-3). The finite differences are exact to ~1e-9 in double, so the
/// error is the generated code's float rounding: ~1e-7 relative per operation, accumulated over a few hundred
/// operations, stays well under 1e-3; a wrong derivative is off by O(1).
/// </summary>
public class GradientCheckTests
{
    private const double Tolerance = 1e-3;

    /// <summary>Every hidden activation × every loss (each loss with the output it is fused with), plus MSE on every output activation.</summary>
    public static IEnumerable<object[]> Cases()
    {
        var hidden = new[] { Activation.Linear, Activation.Sigmoid, Activation.Tanh, Activation.ReLU, Activation.LeakyReLU, Activation.ELU, Activation.GELU, Activation.SiLU };
        foreach (var activation in hidden)
        {
            yield return new object[] { activation, LossFunction.MeanSquaredError, Activation.Linear };
            yield return new object[] { activation, LossFunction.BinaryCrossEntropy, Activation.Sigmoid };
            yield return new object[] { activation, LossFunction.CrossEntropy, Activation.Softmax };
        }
        foreach (var output in new[] { Activation.Sigmoid, Activation.Tanh, Activation.ReLU, Activation.Softmax, Activation.GELU, Activation.SiLU, Activation.ELU, Activation.LeakyReLU })
            yield return new object[] { Activation.Tanh, LossFunction.MeanSquaredError, output };
    }

    private static readonly Lazy<Assembly> Networks = new(() => GeneratorHarness.CompileAndLoad(
        Cases().Select(c => Declaration((Activation)c[0], (LossFunction)c[1], (Activation)c[2])).ToArray()));

    private static string TypeName(Activation hidden, LossFunction loss, Activation output) => $"Checks.Net_{hidden}_{loss}_{output}";

    private static string Declaration(Activation hidden, LossFunction loss, Activation output) => $$"""
        using CompiledNets;
        namespace Checks;
        [Network(Inputs = 5)]
        [Dense(7, Activation.{{hidden}})]
        [Dense(6, Activation.{{hidden}}, Alpha = 0.2f)]
        [Dense(3, Activation.{{output}})]
        [Loss(LossFunction.{{loss}})]
        [Sgd]
        public partial class Net_{{hidden}}_{{loss}}_{{output}};
        """;

    [Theory]
    [MemberData(nameof(Cases))]
    public void Gradients_match_central_finite_differences(Activation hidden, LossFunction loss, Activation output)
    {
        var network = GeneratorHarness.Create(Networks.Value, TypeName(hidden, loss, output), seed: 11);
        var reference = new ReferenceModel(5, loss,
            new ReferenceLayer(7, hidden), new ReferenceLayer(6, hidden, 0.2), new ReferenceLayer(3, output));
        const int batch = 4;
        var random = new Random(5);
        var inputs = Enumerable.Range(0, batch * 5).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
        var targets = Targets(loss, batch, 3, random);

        AssertGradientsMatch(network, reference, inputs, targets, batch);
    }

    /// <summary>Runs ComputeGradients and compares every gradient with a central difference of the reference loss.</summary>
    internal static void AssertGradientsMatch(INetwork network, ILossReference reference, float[] inputs, float[] targets, int batch)
    {
        float loss = network.ComputeGradients(inputs, targets, batch);
        var gradients = network.Gradients.ToArray();
        var parameters = network.Parameters.ToArray().Select(p => (double)p).ToArray();
        double expectedLoss = reference.MeanLoss(parameters, inputs, targets, batch);
        Assert.True(Math.Abs(loss - expectedLoss) <= 1e-4 * Math.Max(1, Math.Abs(expectedLoss)), $"loss {loss} vs reference {expectedLoss}");

        const double h = 1e-6;
        var failures = new List<string>();
        for (int i = 0; i < parameters.Length; i++)
        {
            double saved = parameters[i];
            parameters[i] = saved + h;
            double plus = reference.MeanLoss(parameters, inputs, targets, batch);
            parameters[i] = saved - h;
            double minus = reference.MeanLoss(parameters, inputs, targets, batch);
            parameters[i] = saved;
            double numeric = (plus - minus) / (2 * h);
            if (Math.Abs(gradients[i] - numeric) > Tolerance * Math.Max(Math.Abs(numeric), 1e-3))
                failures.Add($"parameter {i}: generated {gradients[i]:G6}, finite difference {numeric:G6}");
        }
        Assert.True(failures.Count == 0, string.Join("\n", failures.Take(10)));
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Reported_loss_matches_the_reference(Activation hidden, LossFunction loss, Activation output)
    {
        var network = GeneratorHarness.Create(Networks.Value, TypeName(hidden, loss, output), seed: 3);
        var reference = new ReferenceModel(5, loss,
            new ReferenceLayer(7, hidden), new ReferenceLayer(6, hidden, 0.2), new ReferenceLayer(3, output));
        var random = new Random(9);
        var inputs = Enumerable.Range(0, 7 * 5).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
        var targets = Targets(loss, 7, 3, random);
        float loss1 = network.ComputeGradients(inputs, targets, 7);
        double expected = reference.MeanLoss(network.Parameters.ToArray().Select(p => (double)p).ToArray(), inputs, targets, 7);
        Assert.True(Math.Abs(loss1 - expected) <= 1e-5 * Math.Max(1, Math.Abs(expected)), $"loss {loss1} vs reference {expected}");
    }

    internal static float[] Targets(LossFunction loss, int batch, int outputs, Random random)
    {
        var targets = new float[batch * outputs];
        for (int b = 0; b < batch; b++)
        {
            if (loss == LossFunction.CrossEntropy) targets[b * outputs + random.Next(outputs)] = 1;
            else if (loss == LossFunction.BinaryCrossEntropy) for (int j = 0; j < outputs; j++) targets[b * outputs + j] = random.Next(2);
            else for (int j = 0; j < outputs; j++) targets[b * outputs + j] = (float)(random.NextDouble() * 2 - 1);
        }
        return targets;
    }
}
