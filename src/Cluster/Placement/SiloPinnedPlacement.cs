using Orleans.Placement;
using Orleans.Runtime;
using Orleans.Runtime.Placement;

namespace CompiledNets.Cluster;

/// <summary>
/// Places a grain on the silo its key names: keys are <c>{silo address}/{rest}</c>, the address in
/// <see cref="SiloAddress.ToParsableString"/> form. Workers must run where the coordinator put them (their silo holds
/// the data and does the work), and never be recreated on another silo behind its back: when the named silo is not
/// active the call fails with <see cref="SiloUnavailableException"/>.
/// </summary>
[Serializable, GenerateSerializer, Immutable, SuppressReferenceTracking]
public sealed class SiloPinnedPlacement : PlacementStrategy
{
    internal static SiloPinnedPlacement Instance { get; } = new();

    /// <summary>The key of a grain pinned to <paramref name="silo"/>.</summary>
    public static string Key(SiloAddress silo, string rest) => silo.ToParsableString() + "/" + rest;

    /// <summary>The silo a pinned key names.</summary>
    public static SiloAddress SiloOf(string key)
    {
        int slash = key.IndexOf('/', StringComparison.Ordinal);
        if (slash <= 0) throw new ArgumentException($"'{key}' is not a silo-pinned key ({{silo address}}/{{name}}).", nameof(key));
        return SiloAddress.FromParsableString(key[..slash]);
    }
}

/// <summary>Marks a grain class as placed by <see cref="SiloPinnedPlacement"/>.</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false)]
public sealed class SiloPinnedPlacementAttribute() : PlacementAttribute(SiloPinnedPlacement.Instance);

/// <summary>The director of <see cref="SiloPinnedPlacement"/>.</summary>
internal sealed class SiloPinnedPlacementDirector : IPlacementDirector
{
    public Task<SiloAddress> OnAddActivation(PlacementStrategy strategy, PlacementTarget target, IPlacementContext context)
    {
        string key = target.GrainIdentity.Key.ToString()!;
        var silo = SiloPinnedPlacement.SiloOf(key);
        if (!context.GetCompatibleSilos(target).Contains(silo))
            throw new SiloUnavailableException($"Silo {silo} is not an active silo of the cluster; {target.GrainIdentity} is pinned to it.");
        return Task.FromResult(silo);
    }
}
