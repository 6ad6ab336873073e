using System.Globalization;
using System.Numerics.Tensors;
using CompiledNets.Kernels;

namespace CompiledNets.Equivalence.Tests;

/// <summary>
/// How close the two engines must be.
/// </summary>
/// <remarks>
/// <para>
/// The engines compute the same formulas but add floats in different orders: the generated forward kernel
/// accumulates 4 output rows at a time in <c>Vector512</c> lanes with fused multiply-adds, the interpreted one
/// calls <c>TensorPrimitives.Dot</c> per output (its own lane split and unrolling), and the two reduce the lanes
/// differently. Reassociating a float sum of n terms moves the result by up to about n·u·Σ|terms|
/// (u = 2⁻²⁴ ≈ 6e-8), typically √n·u·Σ|terms|: the error scales with the magnitude of the <em>terms</em>,
/// not of the result. An element that is small because its terms cancel (a gradient entry near zero, an
/// output near zero) can therefore have a large error relative to itself while being exact to working
/// precision. So the reference scale is the tensor's, not the element's:
/// </para>
/// <para>
/// <c>|a - b| &lt;= 1e-5 · max(max_i |a_i|, max_i |b_i|)</c> for every element of a named tensor
/// (<c>dense1.weight</c>, <c>dense1.bias</c>, an output matrix, ...), i.e. a relative error of 1e-5 in the
/// infinity norm, checked elementwise. Comparing per named tensor keeps a small-valued tensor (a bias
/// gradient) from hiding behind a large one. 1e-5 is about 170 u: for the widest layer here (1,100 inputs)
/// √n·u ≈ 2e-6, so honest reassociation passes with margin through 5 layers and 5 optimizer steps, while a real
/// defect (a wrong index, a missing derivative factor, a mean taken over the wrong count, a wrong Adam bias
/// correction) moves values by 1e-3 to 1e0 of the tensor's scale. Scalars (the loss) use their own magnitude.
/// An all-zero tensor must be matched exactly; NaN or infinity anywhere fails. This criterion
/// (<see cref="AssertClose(ReadOnlySpan{float}, ReadOnlySpan{float}, string, double)"/>) checks everything computed
/// in one pass from equal weights: outputs, loss, gradients.
/// </para>
/// <para>
/// After several optimizer steps (<see cref="AssertCloseInNorm"/>) the comparison is norm-wise instead:
/// <c>‖a - b‖₂ &lt;= 1e-5 · max(‖a‖₂, ‖b‖₂)</c> per named tensor. The reason is Adam, which divides every gradient
/// element by its own running RMS: an element whose gradient is near zero by cancellation (so, at float
/// precision, mostly reassociation noise) is still moved by up to lr in each engine, in directions the noise
/// decides. Element-wise, Adam's condition number is ‖g‖∞ / |gᵢ|, unbounded; measured here, a handful of
/// such elements out of ~10⁵–10⁶ differ by ~1e-5 absolute (about 1% of lr) after 5 steps, from gradients that
/// agreed to 1e-5 of their scale. In the 2-norm those few elements weigh nothing, while a real defect
/// (a wrong beta, bias correction, learning rate or index) moves every element by O(lr) and shows as a
/// relative error of 1e-3 or more of the tensor's norm, a hundred times over the bound.
/// </para>
/// </remarks>
public static class Tolerance
{
    public const double Relative = 1e-5;

    public static void AssertClose(ReadOnlySpan<float> expected, ReadOnlySpan<float> actual, string what, double relative = Relative)
    {
        Assert.True(expected.Length == actual.Length, $"{what}: lengths differ ({expected.Length} generated, {actual.Length} interpreted)");
        double scale = 0;
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.True(float.IsFinite(expected[i]) && float.IsFinite(actual[i]), $"{what}[{i}]: not finite ({expected[i]} generated, {actual[i]} interpreted)");
            scale = Math.Max(scale, Math.Max(Math.Abs(expected[i]), Math.Abs(actual[i])));
        }
        double bound = relative * scale;
        int worst = -1;
        double worstDiff = 0;
        for (int i = 0; i < expected.Length; i++)
        {
            double diff = Math.Abs((double)expected[i] - actual[i]);
            if (diff > worstDiff) { worstDiff = diff; worst = i; }
        }
        if (worstDiff > bound)
        {
            Assert.Fail(string.Create(CultureInfo.InvariantCulture,
                $"{what}: element {worst} is {expected[worst]:R} generated but {actual[worst]:R} interpreted; |diff| = {worstDiff:E3} > {relative:E0} × {scale:E3} (the tensor's largest magnitude)"));
        }
    }

    /// <summary>‖a - b‖₂ &lt;= relative · max(‖a‖₂, ‖b‖₂), for quantities several optimizer steps away from equal weights.</summary>
    public static void AssertCloseInNorm(ReadOnlySpan<float> expected, ReadOnlySpan<float> actual, string what, double relative = Relative)
    {
        Assert.True(expected.Length == actual.Length, $"{what}: lengths differ ({expected.Length} generated, {actual.Length} interpreted)");
        double diff = 0, normA = 0, normB = 0, worstDiff = 0;
        int worst = 0;
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.True(float.IsFinite(expected[i]) && float.IsFinite(actual[i]), $"{what}[{i}]: not finite ({expected[i]} generated, {actual[i]} interpreted)");
            double d = (double)expected[i] - actual[i];
            diff += d * d;
            normA += (double)expected[i] * expected[i];
            normB += (double)actual[i] * actual[i];
            if (Math.Abs(d) > worstDiff) { worstDiff = Math.Abs(d); worst = i; }
        }
        double bound = relative * Math.Sqrt(Math.Max(normA, normB));
        if (Math.Sqrt(diff) > bound)
        {
            Assert.Fail(string.Create(CultureInfo.InvariantCulture,
                $"{what}: ‖diff‖₂ = {Math.Sqrt(diff):E3} > {relative:E0} × ‖tensor‖₂ = {bound:E3}; worst element {worst}: {expected[worst]:R} generated, {actual[worst]:R} interpreted"));
        }
    }

    public static void AssertClose(float expected, float actual, string what, double relative = Relative)
    {
        Assert.True(float.IsFinite(expected) && float.IsFinite(actual), $"{what}: not finite ({expected} generated, {actual} interpreted)");
        double diff = Math.Abs((double)expected - actual);
        double bound = relative * Math.Max(Math.Abs(expected), Math.Abs(actual));
        Assert.True(diff <= bound, string.Create(CultureInfo.InvariantCulture,
            $"{what}: {expected:R} generated but {actual:R} interpreted; |diff| = {diff:E3} > {bound:E3}"));
    }

    /// <summary>Compares every tensor of one storage, by name (except <see cref="DeadBiases"/>, see there).</summary>
    public static void AssertTensorsClose(INetwork generated, INetwork interpreted, TensorStorage storage, string what, bool afterSteps = false, double relative = Relative)
    {
        var dead = DeadBiases(generated);
        foreach (var tensor in generated.Tensors.Where(t => t.Storage == storage && !dead.Contains(t.Name)))
        {
            var a = Slice(generated, tensor);
            var b = Slice(interpreted, interpreted.Tensors.Single(t => t.Name == tensor.Name));
            if (afterSteps) AssertCloseInNorm(a, b, $"{what} {tensor.Name}", relative);
            else AssertClose(a, b, $"{what} {tensor.Name}", relative);
        }
    }

    public static ReadOnlySpan<float> Slice(INetwork network, TensorInfo tensor, bool gradients = false) => tensor.Storage switch
    {
        TensorStorage.Parameters => (gradients ? network.Gradients : network.Parameters).Slice(tensor.Offset, tensor.Length),
        TensorStorage.OptimizerState => network.OptimizerState.Slice(tensor.Offset, tensor.Length),
        _ => network.Buffers.Slice(tensor.Offset, tensor.Length),
    };

    /// <summary>
    /// The biases of linear Dense and Conv2D layers that feed a batch norm directly. Batch norm in training subtracts each feature's (channel's)
    /// batch mean, so it is invariant to a per-feature constant shift: the gradient of such a bias is exactly zero, and
    /// what either engine computes for it is pure rounding noise (Σ_b of terms that cancel exactly), of no scale of its
    /// own. These are checked to vanish instead (<see cref="AssertGradientsClose"/>), and left out of the comparison
    /// of parameters after training steps: a normalising optimizer (Adam, RMSprop, AdaGrad) turns noise of 1e-9 into
    /// steps of the full learning rate in a direction the noise decides, and the bias, being dead, influences nothing.
    /// </summary>
    public static IReadOnlySet<string> DeadBiases(INetwork network)
    {
        var layers = network.Summary.Layers;
        var dead = new HashSet<string>(StringComparer.Ordinal);
        for (int i = 0; i + 1 < layers.Count; i++)
        {
            if (!IsLinearProduct(layers[i])) continue;
            // In a chain the next layer reads it; in a graph, the layers that name it in "Connected to".
            var readers = layers.Where((l, j) => l.ConnectedTo is { } from ? from.Contains(layers[i].Name) : j == i + 1).ToList();
            if (readers.Count > 0 && readers.All(l => l.Kind == "BatchNorm")) dead.Add(layers[i].Name + ".bias");
        }
        return dead;
    }

    // A Dense layer's detail is its activation; a convolution's is its window, then its activation.
    private static bool IsLinearProduct(LayerSummary layer) =>
        (layer.Kind == "Dense" && layer.Detail == "Linear") || (layer.Kind == "Conv2D" && layer.Detail.EndsWith(", Linear", StringComparison.Ordinal));

    /// <summary>
    /// Copies the <see cref="DeadBiases"/> of <paramref name="from"/> into <paramref name="to"/> before a training step.
    /// A dead bias does not change the training loss or any gradient, but it does enter the batch norm's running mean
    /// (the mean of its input); once a normalising optimizer has moved it by noise, the running means would differ by
    /// that noise. Keeping the (unidentifiable) dead bias equal lets the running statistics be compared exactly as tightly
    /// as everything else.
    /// </summary>
    public static void SyncDeadBiases(INetwork from, INetwork to)
    {
        foreach (var name in DeadBiases(from))
        {
            var source = from.Tensors.Single(t => t.Name == name);
            var target = to.Tensors.Single(t => t.Name == name);
            from.Parameters.Slice(source.Offset, source.Length).CopyTo(to.Parameters.Slice(target.Offset, target.Length));
        }
    }

    /// <summary>Rounding noise in a dead bias gradient, relative to its layer's weight gradient: about u·√batch, far below this.</summary>
    public const double DeadGradient = 1e-5;

    public static void AssertGradientsClose(INetwork generated, INetwork interpreted, string what, bool afterSteps = false, double relative = Relative)
    {
        var dead = DeadBiases(generated);
        foreach (var name in dead)
        {
            string weight = name[..^".bias".Length] + ".weight";
            foreach (var network in new[] { generated, interpreted })
            {
                var bias = Slice(network, network.Tensors.Single(t => t.Name == name), gradients: true);
                var weights = Slice(network, network.Tensors.Single(t => t.Name == weight), gradients: true);
                float biasMax = TensorPrimitives.MaxMagnitude(bias), weightMax = TensorPrimitives.MaxMagnitude(weights);
                Assert.True(Math.Abs(biasMax) <= DeadGradient * Math.Abs(weightMax), string.Create(CultureInfo.InvariantCulture,
                    $"{what} d/d {name} ({network.GetType().Name}): {biasMax:E3} should vanish next to d/d {weight} ({weightMax:E3}): the bias feeds a batch norm"));
            }
        }
        // A tensor whose whole gradient is rounding noise in both engines (everything before a batch norm that sees one
        // value per channel, a branch whose units are dead for the batch) has no direction to compare: that it is noise
        // in both is the check.
        float noise = (float)(DeadGradient * Math.Max(MaxMagnitude(generated.Gradients), MaxMagnitude(interpreted.Gradients)));
        foreach (var tensor in generated.Tensors.Where(t => t.Storage == TensorStorage.Parameters && !dead.Contains(t.Name)))
        {
            var a = Slice(generated, tensor, gradients: true);
            var b = Slice(interpreted, interpreted.Tensors.Single(t => t.Name == tensor.Name), gradients: true);
            if (MaxMagnitude(a) <= noise && MaxMagnitude(b) <= noise) continue;
            if (afterSteps) AssertCloseInNorm(a, b, $"{what} d/d {tensor.Name}", relative);
            else AssertClose(a, b, $"{what} d/d {tensor.Name}", relative);
        }
    }

    private static float MaxMagnitude(ReadOnlySpan<float> values) => values.IsEmpty ? 0f : Math.Abs(TensorPrimitives.MaxMagnitude(values));
}

/// <summary>Seeded inputs and targets that fit a network's loss.</summary>
public static class TestData
{
    public static (float[] Inputs, float[] Targets) Batch(INetwork network, int batch, int seed)
    {
        var random = new SeededRandom(seed);
        var inputs = new float[batch * network.InputSize];
        for (int i = 0; i < inputs.Length; i++) inputs[i] = random.NextFloat(-1f, 1f);
        int outputs = network.OutputSize;
        var targets = new float[batch * outputs];
        for (int r = 0; r < batch; r++)
        {
            var row = targets.AsSpan(r * outputs, outputs);
            switch (network.Loss)
            {
                case LossFunction.CrossEntropy:
                    row[random.NextInt(outputs)] = 1f;
                    break;
                case LossFunction.BinaryCrossEntropy:
                    for (int j = 0; j < outputs; j++) row[j] = random.NextInt(2);
                    break;
                default:
                    for (int j = 0; j < outputs; j++) row[j] = random.NextFloat(-1f, 1f);
                    break;
            }
        }
        return (inputs, targets);
    }

}
