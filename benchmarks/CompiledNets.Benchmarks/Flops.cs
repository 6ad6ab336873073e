namespace CompiledNets.Benchmarks;

/// <summary>
/// Useful floating-point work of a Dense network, the numerator of every GFLOP/s figure here. Per sample and
/// Dense layer of <c>in</c> inputs and <c>out</c> outputs (one multiply and one add per weight):
/// <list type="bullet">
/// <item>forward <c>y = x·Wᵀ + b</c>: 2·in·out;</item>
/// <item>weight gradient <c>dW = dyᵀ·x</c>: 2·in·out;</item>
/// <item>input gradient <c>dx = dy·W</c>: 2·in·out, for every layer but the first (nobody needs d loss / d input).</item>
/// </list>
/// Biases, activations, the loss and the optimizer step are O(in + out) or O(parameters) and not counted: the
/// figure is the matrix work any engine must do, so GFLOP/s compare engines and set them against the FMA peak.
/// </summary>
public static class Flops
{
    /// <summary>Forward pass of one sample.</summary>
    public static double Forward(int[] widths)
    {
        double flops = 0;
        for (int i = 1; i < widths.Length; i++) flops += 2.0 * widths[i - 1] * widths[i];
        return flops;
    }

    /// <summary>Forward plus backward pass of one sample (what <c>TrainBatch</c> does per sample).</summary>
    public static double Train(int[] widths)
    {
        double flops = 0;
        for (int i = 1; i < widths.Length; i++)
        {
            double layer = 2.0 * widths[i - 1] * widths[i];
            flops += layer /* forward */ + layer /* weight gradient */ + (i > 1 ? layer : 0) /* input gradient */;
        }
        return flops;
    }
}
