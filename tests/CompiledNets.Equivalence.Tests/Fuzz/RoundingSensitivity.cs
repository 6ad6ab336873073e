using System.Numerics.Tensors;

namespace CompiledNets.Equivalence.Tests.Fuzz;

/// <summary>
/// How far a network's own gradients move when its inputs move by one unit in the last place: the interpreted engine,
/// holding the generated network's parameters and buffers, computes the gradients of the comparison's batch twice, on
/// the inputs and on the inputs scaled by 1 + 2⁻²³. Two engines that round differently cannot agree more closely than
/// this; most draws move by about 1e-6 of a tensor's scale, but a bias ahead of a batch norm over a batch of 3 cancels so
/// far that one ulp of the inputs moves its gradient by about a hundredth.
/// </summary>
public static class RoundingSensitivity
{
    /// <summary>The largest move of a parameter tensor's gradient, as a fraction of that tensor's largest gradient (tensors of noise aside).</summary>
    public static double OfGradients(CorpusEntry entry, int seed, int maxBatch, INetwork generated, int batch)
    {
        var (inputs, targets) = TestData.Batch(generated, batch, seed: 7 * batch + 1); // EngineAgreement's first batch
        var nudged = inputs.Select(x => x * (1f + MathF.Pow(2, -23))).ToArray();
        var once = Gradients(entry, seed, maxBatch, generated, inputs, targets, batch);
        var again = Gradients(entry, seed, maxBatch, generated, nudged, targets, batch);
        // Tensors whose gradient is rounding noise (a bias feeding a batch norm, a tensor all below the noise floor) are
        // compared as noise by Tolerance.AssertGradientsClose; their move says nothing of the others' conditioning.
        var dead = Tolerance.DeadBiases(once);
        float noise = (float)(Tolerance.DeadGradient * Math.Abs(TensorPrimitives.MaxMagnitude(once.Gradients)));
        double worst = 0;
        foreach (var tensor in once.Tensors.Where(t => t.Storage == TensorStorage.Parameters && !dead.Contains(t.Name)))
        {
            var a = once.Gradients.Slice(tensor.Offset, tensor.Length);
            var b = again.Gradients.Slice(tensor.Offset, tensor.Length);
            float scale = 0, moved = 0;
            for (int i = 0; i < a.Length; i++)
            {
                scale = Math.Max(scale, Math.Abs(a[i]));
                moved = Math.Max(moved, Math.Abs(a[i] - b[i]));
            }
            if (scale > noise) worst = Math.Max(worst, moved / scale);
        }
        return worst;
    }

    private static INetwork Gradients(CorpusEntry entry, int seed, int maxBatch, INetwork generated, float[] inputs, float[] targets, int batch)
    {
        var network = entry.CreateSequential(seed, maxBatch); // the seed fixes the dropout masks, as for the compared twin
        generated.Parameters.CopyTo(network.Parameters);
        generated.Buffers.CopyTo(network.Buffers);
        network.ComputeGradients(inputs, targets, batch);
        return network;
    }
}
