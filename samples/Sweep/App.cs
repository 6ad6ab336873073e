using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Orleans.Runtime;

namespace SweepSample;

/// <summary>Starts the silos this process runs (and a client when it needs one), then the chosen workload.</summary>
internal static class App
{
    private static readonly TimeSpan ClusterFormTimeout = TimeSpan.FromSeconds(60);

    public static async Task<int> RunAsync(Settings settings, CancellationToken cancellation)
    {
        try
        {
            if (settings.SiloOnly) return await ServeAsync(settings, cancellation);
            if (settings.Join is not null) return await JoinAndRunAsync(settings, cancellation);
            return await InProcessAsync(settings, cancellation);
        }
        catch (Exception error) when (error is ArgumentException or IOException or InvalidDataException or InvalidOperationException or TimeoutException or OrleansException)
        {
            Console.Error.WriteLine($"error: {error.Message}");
            return 2;
        }
        catch (OperationCanceledException)
        {
            Console.Error.WriteLine("Stopped.");
            return 130;
        }
    }

    /// <summary>--silo: one silo (the primary, or one that joins) that serves until Ctrl+C.</summary>
    private static async Task<int> ServeAsync(Settings settings, CancellationToken cancellation)
    {
        var primary = settings.Join is null ? null : Silos.ParseEndpoint(settings.Join);
        var advertised = Silos.AdvertisedFor(primary);
        int siloPort = settings.Port ?? (primary is null ? Silos.DefaultSiloPort : Silos.FreePort());
        int gatewayPort = Silos.FreePort();
        string siloName = primary is null ? "primary" : $"silo-{siloPort}";
        using var host = Silos.Build(siloName, siloPort, gatewayPort, primary, advertised, settings);
        await host.StartAsync(cancellation);
        // Ctrl+C or SIGTERM reaches the host first (its console lifetime stops it): stop serving then too.
        using var stopping = CancellationTokenSource.CreateLinkedTokenSource(cancellation, host.Services.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping);
        Console.WriteLine($"Silo '{siloName}' is up at {advertised}:{siloPort} (gateway {gatewayPort}; threads per network: {settings.Threads}).");
        Console.WriteLine(primary is null
            ? $"In another terminal: dotnet run -c Release --project samples/Sweep -- --join {advertised}:{siloPort} --trials 4"
            : $"Joined the cluster of {primary}.");
        Console.WriteLine("Ctrl+C stops it; the trials it was training are rerun on the other silos.");
        try
        {
            await Task.Delay(Timeout.Infinite, stopping.Token);
        }
        catch (OperationCanceledException)
        {
        }
        await host.StopAsync(CancellationToken.None);
        return 0;
    }

    /// <summary>--join HOST:PORT: a silo that joins the cluster and runs the workload from inside it.</summary>
    private static async Task<int> JoinAndRunAsync(Settings settings, CancellationToken cancellation)
    {
        var primary = Silos.ParseEndpoint(settings.Join!);
        var advertised = Silos.AdvertisedFor(primary);
        int siloPort = settings.Port ?? Silos.FreePort();
        using var host = Silos.Build($"silo-{siloPort}", siloPort, Silos.FreePort(), primary, advertised, settings);
        if (!settings.Json) Console.WriteLine($"Joining the cluster of {primary} as silo-{siloPort} ...");
        await host.StartAsync(cancellation);
        var client = host.Services.GetRequiredService<IClusterClient>();
        using var stopping = CancellationTokenSource.CreateLinkedTokenSource(cancellation, host.Services.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping);
        int silos = await WaitForSilosAsync(client, 2, stopping.Token);
        int code = await Workloads.RunAsync(client, silos, settings, stopping.Token);
        await host.StopAsync(CancellationToken.None);
        return code;
    }

    /// <summary>--silos N: N silos in this process on localhost, each on its own ports, and a client that reaches them through their gateways.</summary>
    private static async Task<int> InProcessAsync(Settings settings, CancellationToken cancellation)
    {
        var hosts = new List<IHost>();
        var gateways = new List<IPEndPoint>();
        IPEndPoint? primary = null;
        try
        {
            for (int i = 0; i < settings.Silos; i++)
            {
                int siloPort = Silos.FreePort(), gatewayPort = Silos.FreePort();
                var host = Silos.Build($"silo-{i + 1}", siloPort, gatewayPort, primary, IPAddress.Loopback, settings);
                hosts.Add(host);
                await host.StartAsync(cancellation);
                primary ??= new IPEndPoint(IPAddress.Loopback, siloPort);
                gateways.Add(new IPEndPoint(IPAddress.Loopback, gatewayPort));
            }
            if (!settings.Json) Console.WriteLine($"{settings.Silos} silos on localhost (gateways on ports {string.Join(", ", gateways.Select(g => g.Port))}; threads per network: {settings.Threads}).");
            using var clientHost = Silos.BuildClient(gateways, settings.Verbose, settings.Json);
            await clientHost.StartAsync(cancellation);
            var client = clientHost.Services.GetRequiredService<IClusterClient>();
            using var stopping = CancellationTokenSource.CreateLinkedTokenSource(
                hosts.Select(h => h.Services.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping).Append(cancellation).ToArray());
            int silos = await WaitForSilosAsync(client, settings.Silos, stopping.Token);
            int code = await Workloads.RunAsync(client, silos, settings, stopping.Token);
            await clientHost.StopAsync(CancellationToken.None);
            return code;
        }
        finally
        {
            foreach (var host in Enumerable.Reverse(hosts))
            {
                await host.StopAsync(CancellationToken.None);
                host.Dispose();
            }
        }
    }

    /// <summary>Waits until the cluster has at least <paramref name="expected"/> active silos, so the first trials spread over all of them.</summary>
    private static async Task<int> WaitForSilosAsync(IClusterClient client, int expected, CancellationToken cancellation)
    {
        var management = client.GetGrain<IManagementGrain>(0);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
        timeout.CancelAfter(ClusterFormTimeout);
        while (true)
        {
            var hosts = await management.GetHosts(onlyActive: true);
            if (hosts.Count >= expected) return hosts.Count;
            try
            {
                await Task.Delay(200, timeout.Token);
            }
            catch (OperationCanceledException) when (!cancellation.IsCancellationRequested)
            {
                throw new TimeoutException($"Only {hosts.Count} of {expected} silos joined the cluster within {ClusterFormTimeout.TotalSeconds:0} s.");
            }
        }
    }
}
