using static CompiledNets.Equivalence.Tests.Tolerance;

namespace CompiledNets.Equivalence.Tests;

/// <summary>
/// Networks whose outputs saturate (a fitted network's losing classes) would compute their backward pass with
/// subnormal floats, many times slower on x64; both engines flush those gradients to zero and still agree.
/// </summary>
public sealed class SaturatedOutputTests
{
    private const int Seed = 77;
    private const int Batch = 13;

    [Theory]
    [InlineData("Mini", "dense3")]               // general kernels, the unrolled softmax + cross-entropy
    [InlineData("Small", "dense2")]              // general kernels, 10 classes
    [InlineData("SoftmaxRegression", "dense1")]  // sample-lane kernel, softmax
    [InlineData("Xor", "dense2")]                // sample-lane kernel, sigmoid + binary cross-entropy
    [InlineData("Depth5Mixed", null)]            // general kernels through Tanh, GELU and SiLU layers
    [InlineData("Depth5Mixed", "dense4")]        // a saturated SiLU hidden layer (its derivative comes from a runtime call)
    [InlineData("OddWidths", null)]              // the runtime's sigmoid + binary cross-entropy
    public void Saturated_outputs_give_no_subnormal_gradients_and_the_engines_agree(string name, string? saturatedLayer)
    {
        var generated = GeneratedCorpus.Create(name, Seed, Batch);
        var interpreted = Corpus.Get(name).CreateSequential(Seed, Batch);
        // Scaled weights put the layer's pre-activations hundreds apart: for the output layer, e^(z - max) of the losing
        // classes is far below 2^-126; for a SiLU layer, σ(z) of its most negative units is.
        string layer = saturatedLayer ?? generated.Tensors.Last(t => t.Name.EndsWith(".weight", StringComparison.Ordinal)).Name.Split('.')[0];
        foreach (var network in new[] { generated, interpreted })
            foreach (var tensor in network.Tensors.Where(t => t.Name.StartsWith(layer + ".", StringComparison.Ordinal)))
            {
                var values = network.Parameters.Slice(tensor.Offset, tensor.Length);
                for (int i = 0; i < values.Length; i++) values[i] = values[i] * 400f + (i % 3 - 1) * 60f;
            }
        var (x, t) = TestData.Batch(generated, Batch, seed: 5);
        AssertClose(generated.ComputeGradients(x, t, Batch), interpreted.ComputeGradients(x, t, Batch), $"{name} loss");
        foreach (var network in new[] { generated, interpreted })
        {
            int subnormal = network.Gradients.ToArray().Count(float.IsSubnormal);
            Assert.True(subnormal == 0, $"{name} ({network.GetType().Name}): {subnormal} subnormal gradients");
            Assert.True(network.TrainingOutputs.ToArray().All(float.IsFinite), $"{name}: outputs not finite");
        }
        foreach (var tensor in generated.Tensors.Where(t => t.Storage == TensorStorage.Parameters))
            AssertClose(generated.Gradients.Slice(tensor.Offset, tensor.Length), interpreted.Gradients.Slice(tensor.Offset, tensor.Length), $"{name} {tensor.Name} gradient");
    }
}
