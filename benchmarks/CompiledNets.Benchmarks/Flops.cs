namespace CompiledNets.Benchmarks;

/// <summary>
/// Useful floating-point work of a network, the numerator of every GFLOP/s figure here, read from its summary. A
/// product layer (Dense, Conv2D) of K weights per output channel and N outputs per channel does one multiply and one
/// add per weight and output position, per sample:
/// <list type="bullet">
/// <item>forward: 2·K·N per output channel (Dense: N = 1, so 2·in·out in all);</item>
/// <item>weight gradient: the same;</item>
/// <item>input gradient: the same, for every product layer but the first (nobody needs d loss / d input).</item>
/// </list>
/// Biases, activations, pooling, the loss and the optimizer step are O(values) or O(parameters) and not counted: the
/// figure is the multiply-add work any engine must do, so GFLOP/s compare engines and set them against the FMA peak.
/// </summary>
public static class Flops
{
    /// <summary>Forward pass of one sample.</summary>
    public static double Forward(NetworkSummary summary) => Products(summary).Sum();

    /// <summary>Forward plus backward pass of one sample (what <c>TrainBatch</c> does per sample).</summary>
    public static double Train(NetworkSummary summary)
    {
        var products = Products(summary).ToList();
        return products.Select((layer, i) => layer /* forward */ + layer /* weight gradient */ + (i > 0 ? layer : 0) /* input gradient */).Sum();
    }

    /// <summary>2·K·N summed over output channels, for each product layer in order.</summary>
    private static IEnumerable<double> Products(NetworkSummary summary)
    {
        foreach (var layer in summary.Layers.Where(l => l.Kind is "Dense" or "Conv2D"))
        {
            int channels = layer.OutputShape[0];
            double positions = layer.OutputShape.Skip(1).Aggregate(1.0, (product, d) => product * d);
            double weights = layer.TrainableParameters - channels; // one bias per output channel
            yield return 2.0 * weights * positions;
        }
    }
}
