using System.Net;
using System.Net.Sockets;
using CompiledNets;
using CompiledNets.Cluster;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans.Configuration;
using Orleans.Hosting;

namespace SweepSample;

/// <summary>Builds the sample's silos and client: every silo hosts the two MNIST networks and MNIST as the data source "mnist".</summary>
internal static class Silos
{
    public const string DataSource = "mnist";
    public const int DefaultSiloPort = 11111;

    /// <summary>A silo host. <paramref name="primary"/> null: this silo is the primary (development clustering); else it joins it.</summary>
    public static IHost Build(string name, int siloPort, int gatewayPort, IPEndPoint? primary, IPAddress advertised, Settings settings)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { ApplicationName = name, DisableDefaults = true });
        ConfigureLogging(builder.Logging, settings.Verbose, settings.Json);
        builder.UseOrleans(silo =>
        {
            silo.Configure<ClusterOptions>(o => (o.ClusterId, o.ServiceId) = ("compilednets-sweep", "compilednets-sweep"));
            silo.Configure<SiloOptions>(o => o.SiloName = name);
            silo.ConfigureEndpoints(advertised, siloPort, gatewayPort, listenOnAnyHostAddress: !IPAddress.IsLoopback(advertised));
            silo.UseDevelopmentClustering(primary ?? new IPEndPoint(advertised, siloPort));
            // The sample keeps sweep state in memory; docs/cluster.md shows a durable provider.
            silo.AddMemoryGrainStorage(CompiledNetsStorage.Name);
            silo.AddCompiledNets(n =>
            {
                n.Add("small", seed => new SmallMnistNet(seed) { Threads = settings.Threads });
                n.Add("deep", seed => new DeepMnistNet(seed) { Threads = settings.Threads });
                n.AddMnist(DataSource, settings.DataDirectory);
            });
        });
        return builder.Build();
    }

    /// <summary>A client of the cluster whose gateways are <paramref name="gateways"/>.</summary>
    public static IHost BuildClient(IEnumerable<IPEndPoint> gateways, bool verbose, bool quiet)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { ApplicationName = "sweep-client", DisableDefaults = true });
        ConfigureLogging(builder.Logging, verbose, quiet);
        builder.UseOrleansClient(client =>
        {
            client.Configure<ClusterOptions>(o => (o.ClusterId, o.ServiceId) = ("compilednets-sweep", "compilednets-sweep"));
            client.UseStaticClustering(gateways.ToArray());
        });
        return builder.Build();
    }

    /// <summary>A TCP port nobody listens on now (the kernel picks it).</summary>
    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>Parses HOST:PORT (a name or an address).</summary>
    public static IPEndPoint ParseEndpoint(string text)
    {
        int colon = text.LastIndexOf(':');
        if (colon <= 0 || !int.TryParse(text[(colon + 1)..], out int port) || port is < 1 or > 65535)
            throw new ArgumentException($"'{text}' is not HOST:PORT (for example 127.0.0.1:{DefaultSiloPort}).");
        string host = text[..colon].Trim('[', ']');
        var address = IPAddress.TryParse(host, out var parsed)
            ? parsed
            : Dns.GetHostAddresses(host).FirstOrDefault(a => a.AddressFamily == AddressFamily.InterNetwork)
              ?? throw new ArgumentException($"Host '{host}' has no IPv4 address.");
        return new IPEndPoint(address, port);
    }

    /// <summary>The address a silo joining <paramref name="primary"/> advertises: loopback for a local primary, else this machine's IPv4 address.</summary>
    public static IPAddress AdvertisedFor(IPEndPoint? primary)
    {
        if (primary is null || IPAddress.IsLoopback(primary.Address)) return IPAddress.Loopback;
        return Dns.GetHostAddresses(Dns.GetHostName()).FirstOrDefault(a => a.AddressFamily == AddressFamily.InterNetwork && !IPAddress.IsLoopback(a))
            ?? IPAddress.Loopback;
    }

    private static void ConfigureLogging(ILoggingBuilder logging, bool verbose, bool quiet)
    {
        logging.ClearProviders();
        // --json: stdout carries the JSON line alone.
        if (quiet && !verbose) return;
        logging.AddSimpleConsole(o => o.SingleLine = true);
        logging.SetMinimumLevel(verbose ? LogLevel.Information : LogLevel.Warning);
        // Without --verbose: no start-up notes (server GC is off on purpose: the silos share the machine with the training
        // threads), no health notes when training keeps the cores busy, and no connection teardown noise when a silo
        // stops (Ctrl+C, or a peer that left).
        if (!verbose)
            logging.AddFilter("Orleans.Runtime.Silo", LogLevel.Error).AddFilter("Orleans.Runtime.Watchdog", LogLevel.Error)
                .AddFilter("Orleans.Runtime.MembershipService.LocalSiloHealthMonitor", LogLevel.Error)
                .AddFilter("Orleans.Runtime.Messaging", LogLevel.Critical).AddFilter("Orleans.Networking", LogLevel.Critical);
    }
}
