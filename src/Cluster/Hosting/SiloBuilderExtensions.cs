using CompiledNets.Cluster;
using Microsoft.Extensions.DependencyInjection;

namespace Orleans.Hosting;

/// <summary>Adds CompiledNets' sweep, ensemble and data-parallel grains to an Orleans silo.</summary>
public static class CompiledNetsSiloBuilderExtensions
{
    /// <summary>
    /// Hosts compiled networks and data sources on this silo:
    /// <c>silo.AddCompiledNets(n => n.Add&lt;SmallMnistNet&gt;("small").AddMnist())</c>. Every silo of the cluster makes the
    /// same call. The grains keep their state in the grain storage named <see cref="CompiledNetsStorage.Name"/>, which
    /// the silo registers too (for example <c>silo.AddMemoryGrainStorage(CompiledNetsStorage.Name)</c>).
    /// </summary>
    public static ISiloBuilder AddCompiledNets(this ISiloBuilder silo, Action<CompiledNetsBuilder> configure)
    {
        ArgumentNullException.ThrowIfNull(silo);
        ArgumentNullException.ThrowIfNull(configure);
        var builder = new CompiledNetsBuilder();
        configure(builder);
        if (builder.TrialsPerSilo < 1) throw new ArgumentOutOfRangeException(nameof(configure), builder.TrialsPerSilo, "TrialsPerSilo must be at least 1.");
        if (builder.MonitorPeriod <= TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(configure), builder.MonitorPeriod, "MonitorPeriod must be positive.");
        silo.Services.AddSingleton(builder.BuildNetworks());
        silo.Services.AddSingleton(builder.BuildData());
        silo.Services.AddSingleton(new ClusterSettings(builder.TrialsPerSilo, builder.MonitorPeriod));
        silo.AddPlacementDirector<SiloPinnedPlacement, SiloPinnedPlacementDirector>();
        return silo;
    }
}
