using System.Diagnostics.CodeAnalysis;

namespace CompiledNets.Cluster;

/// <summary>
/// The compiled networks a silo can train, by name. Trials, ensemble members and data-parallel workers name a
/// network; every silo of a cluster registers the same names (<c>silo.AddCompiledNets(n => n.Add&lt;SmallMnistNet&gt;("small"))</c>).
/// </summary>
public sealed class NetworkCatalog
{
    private readonly Dictionary<string, Func<int, INetwork>> _factories;

    internal NetworkCatalog(Dictionary<string, Func<int, INetwork>> factories) => _factories = new(factories, StringComparer.Ordinal);

    /// <summary>The registered names, sorted.</summary>
    public IReadOnlyList<string> Names => _factories.Keys.Order(StringComparer.Ordinal).ToArray();

    /// <summary>True when <paramref name="name"/> is registered.</summary>
    public bool Contains(string name) => _factories.ContainsKey(name);

    /// <summary>A new instance of the network registered as <paramref name="name"/>, initialised from <paramref name="seed"/>.</summary>
    /// <exception cref="KeyNotFoundException">No network has that name; the message lists the registered ones.</exception>
    public INetwork Create(string name, int seed)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (!_factories.TryGetValue(name, out var factory))
            throw new KeyNotFoundException($"No network named '{name}' is registered on this silo; registered: {Describe(Names)}. Register it with silo.AddCompiledNets(n => n.Add<YourNet>(\"{name}\")).");
        return factory(seed) ?? throw new InvalidOperationException($"The factory of network '{name}' returned null.");
    }

    internal static string Describe(IReadOnlyList<string> names) => names.Count == 0 ? "none" : string.Join(", ", names.Select(n => "'" + n + "'"));

    /// <summary>Creates <typeparamref name="TNetwork"/> through its <c>(int seed)</c> constructor, which every generated network has.</summary>
    internal static Func<int, INetwork> SeedConstructor<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicConstructors)] TNetwork>()
        where TNetwork : class, INetwork
    {
        var constructor = typeof(TNetwork).GetConstructor([typeof(int)])
            ?? throw new ArgumentException($"{typeof(TNetwork).Name} has no public constructor taking an int seed (generated networks have one); register it with Add(name, seed => ...) instead.");
        return seed => (INetwork)constructor.Invoke([seed]);
    }
}
