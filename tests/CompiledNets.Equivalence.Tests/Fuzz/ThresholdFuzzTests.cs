using System.Diagnostics;
using System.Reflection;
using CompiledNets.Generator.Emit;
using Xunit.Abstractions;

namespace CompiledNets.Equivalence.Tests.Fuzz;

/// <summary>
/// Declarations drawn on both sides of every size threshold of the generator (<see cref="ThresholdNetworks"/>), with every
/// layer kind first, right after the sized layer and last hidden, every activation, loss and optimizer, with and without
/// weight decay. All of them must compile without a warning (one compilation, so the cost stays that of one build); one
/// network just below and one just above each threshold must also predict, compute gradients and train like the interpreted engine,
/// on one thread and on two.
/// </summary>
public sealed class ThresholdFuzzTests(ITestOutputHelper output)
{
    private const int Seed = 19;

    /// <summary>Networks per threshold and side: one keeps the compilation near a minute; COMPILEDNETS_FUZZ_REPEATS draws more.</summary>
    private static readonly int Repeats = int.TryParse(Environment.GetEnvironmentVariable("COMPILEDNETS_FUZZ_REPEATS"), out int n) && n > 0 ? n : 1;
    private const int Steps = 3;

    /// <summary>
    /// The declared learning rates, scaled down for the training comparison. A normalising optimizer moves a parameter whose
    /// gradient is rounding noise by the full learning rate, in a direction the noise picks; at the declared rates three
    /// such steps of a layer of thousands of units, at batches of 1 to 33, reach the chaotic regime where the engines part
    /// by more than rounding. Every step still runs the same code.
    /// </summary>
    private const float LearningRateScale = 0.01f;

    /// <summary>
    /// The corpus's criterion (<see cref="Tolerance"/>) with its bound at 1e-3 instead of 1e-5. These draws sum over up to
    /// 8,193 terms, put batch norm after layers of thousands of units at batches of 1 to 33, and cancel sums to a hundredth
    /// of their terms; honest rounding differences between the engines then reach about 1.5e-4 of a tensor's scale. A code
    /// path that computes the wrong thing (a wrong index or range, a missing column or derivative) is off by 1e-2 or more.
    /// </summary>
    private const double Relative = 1e-3;

    /// <summary>
    /// A draw whose gradients move by more than <see cref="Relative"/> when its inputs move by one ulp
    /// (<see cref="RoundingSensitivity"/>) is compared to this many times that move: the engines differ by several
    /// roundings where the probe makes one. Found by a bias behind a batch norm over 3 samples, which one ulp moved by 2.1e-2
    /// of its tensor's scale and the engines by 4.7e-2.
    /// </summary>
    private const double SensitivityMargin = 4;

    /// <summary>Past this sensitivity the bound would be too wide to catch a wrong code path, so the draw fails.</summary>
    private const double MaxSensitivity = 0.05;

    private static readonly IReadOnlyList<ThresholdNetworks.Draw> Draws = ThresholdNetworks.DrawAll(Seed, Repeats);

    private static TimeSpan s_compileTime;

    private static readonly Lazy<Assembly> Compiled = new(() =>
    {
        var watch = Stopwatch.StartNew();
        var (image, generated) = GeneratedCorpus.CompileSources(Draws.Select(d => ($"Wide/{d.Network.Name}.cs", d.Network.ToEntry().Source)));
        if (generated.Length != Draws.Count)
            throw new InvalidOperationException($"The generator emitted {generated.Length} files for {Draws.Count} declarations.");
        var assembly = GeneratedCorpus.Load("ThresholdFuzz", image);
        s_compileTime = watch.Elapsed;
        return assembly;
    }, LazyThreadSafetyMode.ExecutionAndPublication);

    [Fact]
    public void Every_drawn_network_compiles_without_a_warning()
    {
        // CompileSources fails on any generator or compiler diagnostic of warning severity or worse, naming the source.
        Assert.NotNull(Compiled.Value);
        output.WriteLine($"{Draws.Count} declarations ({Draws.Sum(d => d.Network.ParameterCount):N0} parameters in all): generator + compilation {s_compileTime.TotalSeconds:F1} s");
        foreach (var draw in Draws) output.WriteLine($"{draw.Threshold} {draw.Side}: measure {draw.Measured:N0} of {draw.Value:N0}; {draw}");
    }

    [Fact]
    public void The_draws_reach_both_sides_of_every_threshold()
    {
        foreach (var threshold in KernelPlan.Thresholds)
        {
            var draws = Draws.Where(d => d.Threshold == threshold.Name).ToList();
            // Below the threshold and at it cover a rule written either way (>= or >), with the draw just above.
            if (threshold.Measure == SizeMeasure.LayerOutputsMultiple)
            {
                Assert.Contains(draws, d => d.Measured % threshold.Value == 0);
                Assert.Contains(draws, d => d.Measured % threshold.Value != 0 && d.Measured > threshold.Value);
                continue;
            }
            Assert.Contains(draws, d => d.Measured == threshold.Value - 1 || (d.Side == ThresholdNetworks.Side.Below && d.Measured < threshold.Value));
            Assert.Contains(draws, d => d.Measured == threshold.Value || (d.Side == ThresholdNetworks.Side.At && d.Measured >= threshold.Value));
            Assert.Contains(draws, d => d.Measured > threshold.Value);
            Assert.All(draws.Where(d => d.Side == ThresholdNetworks.Side.Below), d => Assert.True(d.Measured < threshold.Value, $"{d}: {d.Measured} is not below {threshold.Value}"));
            Assert.All(draws.Where(d => d.Side != ThresholdNetworks.Side.Below), d => Assert.True(d.Measured >= threshold.Value, $"{d}: {d.Measured} is below {threshold.Value}"));
        }
    }

    [Fact]
    public void The_draws_cover_every_kind_in_every_position_every_activation_and_optimizer()
    {
        var networks = Draws.Select(d => d.Network).ToList();
        foreach (var kind in Enum.GetValues<DrawnKind>())
        {
            Assert.True(networks.Any(n => n.Layers[0].Kind == kind), $"no {kind} first");
            Assert.True(networks.Any(n => n.Layers.Count > 2 && n.Layers[^2].Kind == kind), $"no {kind} last hidden");
            // Right after a wide layer: one with at least 512 outputs.
            Assert.True(networks.Any(n => Enumerable.Range(1, n.Layers.Count - 1).Any(i => n.Layers[i].Kind == kind && n.InputsOf(i) >= 512 && n.Layers[i - 1].HasProduct)),
                $"no {kind} after a wide layer");
        }
        foreach (var activation in ThresholdNetworks.Activations)
        {
            Assert.Contains(networks, n => n.Layers.SkipLast(1).Any(l => l.Kind == DrawnKind.Dense && l.Activation == activation));
            Assert.Contains(networks, n => n.Layers.Any(l => l.Kind == DrawnKind.Activation && l.Activation == activation));
        }
        Assert.Contains(networks, n => n.Layers[^1].Activation == Activation.Softmax && n.Layers[^1].Units > 16);
        foreach (var loss in Enum.GetValues<LossFunction>()) Assert.Contains(networks, n => n.Loss == loss);
        foreach (var optimizer in ThresholdNetworks.Optimizers)
        {
            Assert.Contains(networks, n => n.Optimizer == optimizer && n.WeightDecay > 0);
            Assert.Contains(networks, n => n.Optimizer == optimizer && n.WeightDecay == 0);
        }
        Assert.Contains(networks, n => n.Layers.Any(l => !float.IsNaN(l.L2)));
        Assert.Contains(networks, n => n.InputsOf(0) >= 2048);
        Assert.Contains(networks, n => n.Layers.Any(l => l.LinearOutputs >= 4096));
    }

    /// <summary>Every network drawn just below a threshold or just above it (not the one on it), on one thread and on two.</summary>
    public static IEnumerable<object[]> TrainedSample =>
        from draw in Draws
        where draw.Side != ThresholdNetworks.Side.At
        from threads in new[] { 1, 2 }
        select new object[] { draw.Network.Name, threads };

    [Theory]
    [MemberData(nameof(TrainedSample))]
    public void Drawn_networks_train_like_the_interpreted_engine(string name, int threads)
    {
        var draw = Draws.Single(d => d.Network.Name == name);
        var network = draw.Network;
        const int seed = 1234;
        int maxBatch = Math.Max(network.Batch, 2);
        var generated = (INetwork)Activator.CreateInstance(Compiled.Value.GetType("Corpus." + name, throwOnError: true)!, seed, maxBatch)!;
        generated.GetType().GetProperty("Threads")!.SetValue(generated, threads);
        var entry = network.ToEntry();
        // The seed also fixes dropout masks, which both engines must share; otherwise the weights are copied below.
        int interpretedSeed = entry.HasDropout ? seed : seed + 1;
        double sensitivity = RoundingSensitivity.OfGradients(entry, interpretedSeed, maxBatch, generated, network.Batch);
        output.WriteLine($"{name}: one ulp of the inputs moves the gradients by {sensitivity:E2} of their scale");
        Assert.True(sensitivity < MaxSensitivity, $"{draw}: one ulp of the inputs moves the gradients by {sensitivity:E2} of their scale; no comparison can tell code from rounding here");
        double relative = Math.Max(Relative, SensitivityMargin * sensitivity);
        var interpreted = entry.CreateSequential(interpretedSeed, maxBatch);
        generated.Parameters.CopyTo(interpreted.Parameters);
        generated.Buffers.CopyTo(interpreted.Buffers);
        // Small steps: the comparison is of the code paths, not of how chaotic three large steps of a wide network are.
        generated.LearningRate = interpreted.LearningRate = generated.LearningRate * LearningRateScale;
        EngineAgreement.AssertAgree(generated, interpreted, $"{draw} t{threads} b{network.Batch}", network.Batch, Steps, singleSamples: 2, relative,
            equalNoiseGradients: network.Optimizer.Normalises);
    }
}
