using System.Diagnostics.CodeAnalysis;

namespace CompiledNets.Cluster;

/// <summary>
/// Declares what a silo hosts: compiled networks by name, named data sources, and how many trials it trains at once.
/// Passed to <c>silo.AddCompiledNets(n => ...)</c>; every silo of a cluster declares the same names.
/// </summary>
public sealed class CompiledNetsBuilder
{
    private readonly Dictionary<string, Func<int, INetwork>> _networks = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Func<TrainingData>> _data = new(StringComparer.Ordinal);

    /// <summary>
    /// Trials this silo trains at the same time (default 1). A trial's network splits its matrix products over its own
    /// <c>Threads</c>; on a machine with C cores, <c>TrialsPerSilo × Threads ≈ C</c> keeps every core busy.
    /// </summary>
    public int TrialsPerSilo { get; set; } = 1;

    /// <summary>
    /// How often a sweep coordinator on this silo checks that its running trials' silos and workers are alive (default
    /// 1 s). A lost silo's trials are rerun elsewhere after the membership declares it dead or a check fails.
    /// </summary>
    public TimeSpan MonitorPeriod { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Registers a generated network under <paramref name="name"/>, created through its <c>(int seed)</c> constructor.</summary>
    public CompiledNetsBuilder Add<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicConstructors)] TNetwork>(string name)
        where TNetwork : class, INetwork
        => Add(name, NetworkCatalog.SeedConstructor<TNetwork>());

    /// <summary>
    /// Registers a network under <paramref name="name"/> with a factory from a seed, for example to set its threads:
    /// <c>n.Add("small", seed => new SmallMnistNet(seed) { Threads = 1 })</c>.
    /// </summary>
    public CompiledNetsBuilder Add(string name, Func<int, INetwork> create)
    {
        CheckName(name, "network");
        ArgumentNullException.ThrowIfNull(create);
        if (!_networks.TryAdd(name, create)) throw new ArgumentException($"A network named '{name}' is already registered.", nameof(name));
        return this;
    }

    /// <summary>Registers a data source: <paramref name="load"/> runs once per silo, on first use.</summary>
    public CompiledNetsBuilder AddData(string name, Func<TrainingData> load)
    {
        CheckName(name, "data source");
        ArgumentNullException.ThrowIfNull(load);
        if (!_data.TryAdd(name, load)) throw new ArgumentException($"A data source named '{name}' is already registered.", nameof(name));
        return this;
    }

    /// <summary>
    /// Registers MNIST as a data source: <see cref="Mnist.Load()"/> (the cache folder, downloaded on first use) or,
    /// with <paramref name="directory"/>, <see cref="Mnist.Load(string)"/> from that folder on every silo. The last
    /// <paramref name="validationFraction"/> of the training set, after a shuffle seeded with
    /// <paramref name="splitSeed"/>, is the validation set (the same split on every silo); the 10,000 test digits are the test set.
    /// </summary>
    public CompiledNetsBuilder AddMnist(string name = "mnist", string? directory = null, double validationFraction = 0.1, int splitSeed = 0)
    {
        if (!(validationFraction >= 0 && validationFraction < 1))
            throw new ArgumentOutOfRangeException(nameof(validationFraction), validationFraction, "The validation fraction must be in [0, 1).");
        return AddData(name, () =>
        {
            var mnist = directory is null ? Mnist.Load() : Mnist.Load(directory);
            if (validationFraction == 0) return new TrainingData(mnist.Train, null, mnist.Test);
            var (train, validation) = mnist.Train.Split(validationFraction, splitSeed);
            return new TrainingData(train, validation, mnist.Test);
        });
    }

    internal NetworkCatalog BuildNetworks() => new(_networks);

    internal DataSourceCatalog BuildData() => new(_data);

    private static void CheckName(string name, string what)
    {
        if (string.IsNullOrWhiteSpace(name)) throw new ArgumentException($"A {what} needs a non-empty name.", nameof(name));
    }
}
