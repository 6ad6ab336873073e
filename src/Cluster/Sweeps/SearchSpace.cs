using CompiledNets.Kernels;

namespace CompiledNets.Cluster;

/// <summary>
/// The hyper-parameters a sweep explores, one dimension per call, applied to a template <see cref="TrialSpec"/>.
/// <see cref="Grid"/> takes every combination of listed values; <see cref="Random"/> draws a seeded sample, from lists
/// or from ranges (<see cref="LearningRateLogUniform"/>).
/// </summary>
/// <example><code>
/// var trials = new SearchSpace()
///     .Models("small", "deep")
///     .LearningRates(1e-3f, 3e-3f)
///     .BatchSizes(32, 64)
///     .Grid(new TrialSpec { Epochs = 2 });          // 8 trials
/// </code></example>
public sealed class SearchSpace
{
    private readonly List<Dimension> _dimensions = new();

    /// <summary>The networks to compare, by registered name.</summary>
    public SearchSpace Models(params string[] names) => Choice("model", names, (t, v) => t with { Model = v });

    /// <summary>Learning rates to try.</summary>
    public SearchSpace LearningRates(params float[] values) => Choice("learning_rate", values, (t, v) => t with { LearningRate = v });

    /// <summary>
    /// Learning rates drawn log-uniformly from [<paramref name="min"/>, <paramref name="max"/>] (random search only:
    /// a range has no grid).
    /// </summary>
    public SearchSpace LearningRateLogUniform(float min, float max)
    {
        if (!(min > 0) || !(max >= min) || !float.IsFinite(max))
            throw new ArgumentOutOfRangeException(nameof(min), $"A log-uniform range needs 0 < min <= max, finite; got [{min}, {max}].");
        _dimensions.Add(new Dimension("learning_rate", null, (t, ref random) =>
        {
            double u = random.NextFloat();
            return t with { LearningRate = (float)Math.Exp(Math.Log(min) + u * (Math.Log(max) - Math.Log(min))) };
        }));
        return this;
    }

    /// <summary>Batch sizes to try.</summary>
    public SearchSpace BatchSizes(params int[] values) => Choice("batch_size", values, (t, v) => t with { BatchSize = v });

    /// <summary>Epoch counts to try.</summary>
    public SearchSpace Epochs(params int[] values) => Choice("epochs", values, (t, v) => t with { Epochs = v });

    /// <summary>Seeds to try (for error bars: the same configuration from several initialisations).</summary>
    public SearchSpace Seeds(params int[] values) => Choice("seed", values, (t, v) => t with { Seed = v });

    /// <summary>Gradient clipping norms to try (null for none).</summary>
    public SearchSpace ClipNorms(params float?[] values) => Choice("clip_norm", values, (t, v) => t with { ClipNorm = v });

    /// <summary>Any other option: <paramref name="apply"/> sets the value on a trial, for example <c>(t, p) => t with { EarlyStopping = new() { Patience = p } }</c>.</summary>
    public SearchSpace Choice<T>(string name, IReadOnlyList<T> values, Func<TrialSpec, T, TrialSpec> apply)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(values);
        ArgumentNullException.ThrowIfNull(apply);
        if (values.Count == 0) throw new ArgumentException($"Dimension '{name}' lists no values.", nameof(values));
        var copy = values.ToArray();
        _dimensions.Add(new Dimension(name, copy.Length, (t, ref random) => apply(t, copy[random.NextInt(copy.Length)]), (t, i) => apply(t, copy[i])));
        return this;
    }

    /// <summary>The number of grid points (the product of the list lengths); null when a dimension is a range.</summary>
    public long? GridSize => _dimensions.Aggregate((long?)1, (product, d) => d.Count is int n ? product * n : null);

    /// <summary>
    /// Every combination of the listed values, the first dimension varying slowest, applied to
    /// <paramref name="template"/> (which supplies everything no dimension sets).
    /// </summary>
    /// <exception cref="InvalidOperationException">A dimension is a range, which has no grid.</exception>
    public IReadOnlyList<TrialSpec> Grid(TrialSpec template)
    {
        ArgumentNullException.ThrowIfNull(template);
        var range = _dimensions.FirstOrDefault(d => d.Count is null);
        if (range is not null) throw new InvalidOperationException($"Dimension '{range.Name}' is a range; a grid needs lists of values (use Random for ranges).");
        var trials = new List<TrialSpec> { template };
        foreach (var dimension in _dimensions)
            trials = trials.SelectMany(t => Enumerable.Range(0, dimension.Count!.Value).Select(i => dimension.At!(t, i))).ToList();
        return trials;
    }

    /// <summary>
    /// <paramref name="count"/> trials, each dimension drawn independently (lists uniformly, ranges by their
    /// distribution) from a generator seeded with <paramref name="seed"/>: the same seed gives the same trials.
    /// </summary>
    public IReadOnlyList<TrialSpec> Random(int count, int seed, TrialSpec template)
    {
        ArgumentNullException.ThrowIfNull(template);
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        var random = new SeededRandom(seed);
        var trials = new TrialSpec[count];
        for (int i = 0; i < count; i++)
        {
            var trial = template;
            foreach (var dimension in _dimensions) trial = dimension.Draw(trial, ref random);
            trials[i] = trial;
        }
        return trials;
    }

    private SearchSpace Choice<T>(string name, T[] values, Func<TrialSpec, T, TrialSpec> apply) => Choice(name, (IReadOnlyList<T>)values, apply);

    private delegate TrialSpec Drawer(TrialSpec trial, ref SeededRandom random);

    private sealed record Dimension(string Name, int? Count, Drawer Draw, Func<TrialSpec, int, TrialSpec>? At = null);
}
