using System.Diagnostics;
using System.Reflection;
using System.Text;

namespace CompiledNets.Package.Tests;

/// <summary>
/// The CompiledNets package, packed once for the tests of a class into a temporary folder feed, under a version no cache
/// has seen, with a fresh packages folder for the consumers' restores: a stale CompiledNets cannot stand in.
/// </summary>
public sealed class PackedPackage : IAsyncLifetime
{
    public string Root { get; } = Path.Combine(Path.GetTempPath(), "compilednets-package-" + Guid.NewGuid().ToString("N")[..12]);

    public string Repo { get; } = Metadata("CompiledNets.RepoRoot");

    public string Configuration { get; } = Metadata("CompiledNets.Configuration");

    /// <summary>The repository URL the build was given (the SDK writes <c>RepositoryUrl</c> into every assembly).</summary>
    public string RepositoryUrl { get; } = Metadata("RepositoryUrl");

    public string Version { get; } = "0.1.0-pkgtest." + DateTime.UtcNow.ToString("yyyyMMddHHmmssfff", System.Globalization.CultureInfo.InvariantCulture);

    public string Feed => Path.Combine(Root, "feed");

    public string RestorePackagesPath => Path.Combine(Root, "nuget-packages");

    public string PackagePath => Path.Combine(Feed, $"CompiledNets.{Version}.nupkg");

    /// <summary>Every command run so far and its output, for failure messages.</summary>
    public StringBuilder Log { get; } = new();

    public async Task InitializeAsync()
    {
        var (exit, _) = await Dotnet.Run(Repo, Log, "pack", Path.Combine(Repo, "src", "Runtime", "CompiledNets.Runtime.csproj"), "-c", Configuration,
            "-o", Feed, $"-p:PackageVersion={Version}");
        if (exit != 0 || !File.Exists(PackagePath))
            throw new InvalidOperationException($"dotnet pack failed or wrote no {Path.GetFileName(PackagePath)}.\n{Log}");
    }

    public Task DisposeAsync()
    {
        try { Directory.Delete(Root, recursive: true); }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
        return Task.CompletedTask;
    }

    /// <summary>A copy of Consumer/ in a folder of its own, with <paramref name="program"/> as its Program.cs when given.</summary>
    public string CopyConsumer(string name, string? program = null)
    {
        string consumer = Path.Combine(Root, name);
        CopyDirectory(Path.Combine(Repo, "tests", "CompiledNets.Package.Tests", "Consumer"), consumer);
        // The consumer's NuGet.config reads the package from packages/ beside it.
        CopyDirectory(Feed, Path.Combine(consumer, "packages"));
        if (program is not null) File.Copy(program, Path.Combine(consumer, "Program.cs"), overwrite: true);
        return consumer;
    }

    /// <summary>Builds a consumer copy against the package; returns the exit code and the build output.</summary>
    public Task<(int ExitCode, string Output)> BuildConsumer(string consumer, params string[] extra) =>
        Dotnet.Run(consumer, Log, ["build", Path.Combine(consumer, "Consumer.csproj"), "-c", "Release",
            $"-p:CompiledNetsVersion={Version}", $"-p:RestorePackagesPath={RestorePackagesPath}", .. extra]);

    private static string Metadata(string key) =>
        typeof(PackedPackage).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == key).Value
        ?? throw new InvalidOperationException($"No {key} metadata.");

    private static void CopyDirectory(string source, string destination)
    {
        Directory.CreateDirectory(destination);
        foreach (string file in Directory.GetFiles(source))
            File.Copy(file, Path.Combine(destination, Path.GetFileName(file)), overwrite: true);
        foreach (string directory in Directory.GetDirectories(source))
        {
            string name = Path.GetFileName(directory);
            if (name is "bin" or "obj" or "packages") continue;
            CopyDirectory(directory, Path.Combine(destination, name));
        }
    }
}

/// <summary>Runs the dotnet CLI as a user would, isolated from the test host's own MSBuild.</summary>
internal static class Dotnet
{
    private static readonly TimeSpan StepTimeout = TimeSpan.FromMinutes(4);

    /// <summary>Runs <c>dotnet args</c> in <paramref name="directory"/>; returns its exit code and output, and appends both to <paramref name="log"/>.</summary>
    public static async Task<(int ExitCode, string Output)> Run(string directory, StringBuilder log, params string[] args)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = directory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string arg in args) start.ArgumentList.Add(arg);
        if (args[0] is "pack" or "build" or "msbuild")
        {
            // No build servers or reused nodes: they would outlive the test and hold its output pipes open.
            start.ArgumentList.Add("-nodeReuse:false");
            start.ArgumentList.Add("-p:UseSharedCompilation=false");
        }
        // The test host may run under `dotnet test`, whose MSBuild variables must not leak into the child builds.
        foreach (string key in start.Environment.Keys.Where(k => k.StartsWith("MSBUILD", StringComparison.OrdinalIgnoreCase)).ToList())
            start.Environment.Remove(key);
        start.Environment["MSBUILDDISABLENODEREUSE"] = "1";
        start.Environment["DOTNET_CLI_USE_MSBUILD_SERVER"] = "0";
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["DOTNET_NOLOGO"] = "1";
        start.Environment["DOTNET_SKIP_FIRST_TIME_EXPERIENCE"] = "1";

        var output = new StringBuilder();
        using var process = new Process { StartInfo = start };
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (output) output.AppendLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (output) output.AppendLine(e.Data); };
        var clock = Stopwatch.StartNew();
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        using (var timeout = new CancellationTokenSource(StepTimeout))
        {
            try
            {
                await process.WaitForExitAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
                Assert.Fail($"dotnet {string.Join(' ', args)} did not finish in {StepTimeout}.\n{output}");
            }
        }
        process.WaitForExit();
        string text;
        lock (output) text = output.ToString();
        lock (log) log.AppendLine($"$ dotnet {string.Join(' ', start.ArgumentList)}   ({clock.Elapsed.TotalSeconds:0.0} s, exit {process.ExitCode})").AppendLine(text);
        return (process.ExitCode, text);
    }
}
