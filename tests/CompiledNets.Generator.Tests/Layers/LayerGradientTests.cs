using System.Reflection;
using CompiledNets.Generator.Tests.Emit;
using CompiledNets.Generator.Tests.Infrastructure;

namespace CompiledNets.Generator.Tests.Layers;

/// <summary>Finite-difference checks of every layer kind, optimizer-independent (gradients only).</summary>
public class LayerGradientTests
{
    private sealed record Case(string Name, int Inputs, LossFunction Loss, string Attributes, ReferenceLayer[] Reference);

    private static readonly Case[] Cases =
    {
        new("BatchNormBetweenDenseAndActivation", 5, LossFunction.CrossEntropy,
            "[Dense(6)] [BatchNorm] [ActivationLayer(Activation.ReLU)] [Dense(3, Activation.Softmax)]",
            new[] { new ReferenceLayer(6, Activation.Linear), ReferenceLayer.BatchNorm(), ReferenceLayer.Act(Activation.ReLU), new ReferenceLayer(3, Activation.Softmax) }),
        new("LayerNormAfterTanh", 5, LossFunction.BinaryCrossEntropy,
            "[Dense(6, Activation.Tanh)] [LayerNorm(Epsilon = 1e-3f)] [Dense(2, Activation.Sigmoid)]",
            new[] { new ReferenceLayer(6, Activation.Tanh), ReferenceLayer.LayerNorm(1e-3), new ReferenceLayer(2, Activation.Sigmoid) }),
        new("MaxoutFirst", 5, LossFunction.CrossEntropy,
            "[Maxout(5, 3)] [Dense(3, Activation.Softmax)]",
            new[] { ReferenceLayer.Maxout(5, 3), new ReferenceLayer(3, Activation.Softmax) }),
        new("MaxoutAfterElu", 5, LossFunction.MeanSquaredError,
            "[Dense(7, Activation.ELU, Alpha = 0.5f)] [Maxout(4, 2)] [Dense(1)]",
            new[] { new ReferenceLayer(7, Activation.ELU, 0.5), ReferenceLayer.Maxout(4, 2), new ReferenceLayer(1, Activation.Linear) }),
        new("ActivationLayersLastIsSoftmax", 5, LossFunction.CrossEntropy,
            "[Dense(6)] [ActivationLayer(Activation.GELU)] [Dense(4)] [ActivationLayer(Activation.Softmax)]",
            new[] { new ReferenceLayer(6, Activation.Linear), ReferenceLayer.Act(Activation.GELU), new ReferenceLayer(4, Activation.Linear), ReferenceLayer.Act(Activation.Softmax) }),
        new("SiluThenTanhLayer", 5, LossFunction.BinaryCrossEntropy,
            "[Dense(6, Activation.SiLU)] [ActivationLayer(Activation.Tanh)] [Dense(1, Activation.Sigmoid)]",
            new[] { new ReferenceLayer(6, Activation.SiLU), ReferenceLayer.Act(Activation.Tanh), new ReferenceLayer(1, Activation.Sigmoid) }),
        new("BatchNormFirst", 5, LossFunction.CrossEntropy,
            "[BatchNorm(Epsilon = 1e-3f)] [Dense(3, Activation.Softmax)]",
            new[] { ReferenceLayer.BatchNorm(1e-3), new ReferenceLayer(3, Activation.Softmax) }),
        new("DropoutAtRateZeroIsTheIdentity", 5, LossFunction.MeanSquaredError,
            "[Dense(6, Activation.LeakyReLU, Alpha = 0.1f)] [Dropout(0f)] [Dense(2)]",
            new[] { new ReferenceLayer(6, Activation.LeakyReLU, 0.1), new ReferenceLayer(2, Activation.Linear) }),
        new("WeightDecayWithLayerOverride", 5, LossFunction.MeanSquaredError,
            "[WeightDecay(0.1f)] [Dense(5, Activation.ReLU, L2 = 0.3f)] [Dense(2)]",
            new[] { new ReferenceLayer(5, Activation.ReLU) { L2 = 0.3 }, new ReferenceLayer(2, Activation.Linear) { L2 = 0.1 } }),
    };

    public static IEnumerable<object[]> Names() => Cases.Select(c => new object[] { c.Name });

    private static readonly Lazy<Assembly> Networks = new(() => GeneratorHarness.CompileAndLoad(Cases.Select(c => $$"""
        using CompiledNets;
        namespace LayerChecks;
        [Network(Inputs = {{c.Inputs}})]
        {{c.Attributes}}
        [Loss(LossFunction.{{c.Loss}})]
        [Sgd]
        public partial class {{c.Name}};
        """).ToArray()));

    [Theory]
    [MemberData(nameof(Names))]
    public void Gradients_match_central_finite_differences(string name)
    {
        var c = Cases.Single(x => x.Name == name);
        var network = GeneratorHarness.Create(Networks.Value, "LayerChecks." + c.Name, seed: 5);
        // Non-trivial normalisation parameters, so gamma and beta gradients are exercised away from 1 and 0.
        var random = new Random(13);
        foreach (var tensor in network.Tensors.Where(t => t.Name.EndsWith(".gamma") || t.Name.EndsWith(".beta")))
            for (int i = 0; i < tensor.Length; i++) network.Parameters[tensor.Offset + i] = (float)(random.NextDouble() + 0.5);
        const int batch = 6;
        var reference = new ReferenceModel(c.Inputs, c.Loss, c.Reference);
        var inputs = Enumerable.Range(0, batch * c.Inputs).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
        var targets = GradientCheckTests.Targets(c.Loss, batch, network.OutputSize, random);
        GradientCheckTests.AssertGradientsMatch(network, reference, inputs, targets, batch);
    }
}
