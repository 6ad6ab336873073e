using Microsoft.Extensions.DependencyInjection;
using Orleans.Configuration;
using Orleans.Hosting;
using Orleans.TestingHost;

namespace CompiledNets.Cluster.Tests;

/// <summary>
/// An in-process Orleans cluster of three silos with CompiledNets hosted on each: the tiny networks, the blobs data
/// source, and memory grain storage. Shared by the tests of one collection (starting a cluster takes about a second).
/// </summary>
public sealed class ClusterFixture : IAsyncLifetime
{
    public const int Silos = 3;

    public InProcessTestCluster Cluster { get; private set; } = null!;

    public IClusterClient Client => Cluster.Client;

    /// <summary>The gate of the "gated" network; a test that trains it sets a new gate first and opens it.</summary>
    public TrainingGate Gate { get; set; } = new();

    public async Task InitializeAsync()
    {
        Cluster = Build(Silos, storage: (_, silo) => silo.AddMemoryGrainStorage(CompiledNetsStorage.Name),
            extra: (silo, n) => n.Add("gated", seed => new GatedNetwork(new TinyNet(seed) { Threads = 1 }, Gate, silo)));
        await Cluster.DeployAsync();
    }

    public async Task DisposeAsync() => await Cluster.DisposeAsync();

    /// <summary>
    /// A cluster of <paramref name="silos"/> silos hosting the test networks, with the given grain storage;
    /// <paramref name="extra"/> registers more on each silo (both get the silo's name).
    /// </summary>
    public static InProcessTestCluster Build(int silos, Action<string, ISiloBuilder> storage, Action<string, CompiledNetsBuilder>? extra = null)
    {
        var builder = new InProcessTestClusterBuilder((short)silos);
        builder.ConfigureSilo((options, silo) =>
        {
            storage(options.SiloName, silo);
            silo.AddCompiledNets(n =>
            {
                n.Add("tiny", seed => new TinyNet(seed) { Threads = 1 });
                n.Add("tiny-sgd", seed => new TinySgdNet(seed) { Threads = 1 });
                n.AddData(Blobs.Name, () => Blobs.Create());
                n.MonitorPeriod = TimeSpan.FromMilliseconds(200);
                extra?.Invoke(options.SiloName, n);
            });
            // A killed silo is declared dead within a few seconds instead of the production default of about a minute.
            silo.Services.Configure<ClusterMembershipOptions>(o =>
            {
                o.ProbeTimeout = TimeSpan.FromSeconds(1);
                o.NumMissedProbesLimit = 2;
                o.NumVotesForDeathDeclaration = 1;
                o.IAmAliveTablePublishTimeout = TimeSpan.FromSeconds(1);
            });
        });
        return builder.Build();
    }
}

[CollectionDefinition(Name)]
public sealed class ClusterCollection : ICollectionFixture<ClusterFixture>
{
    public const string Name = "three silos";
}
