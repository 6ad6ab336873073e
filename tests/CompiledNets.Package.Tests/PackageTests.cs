using System.Diagnostics;
using System.IO.Compression;
using System.Reflection;
using System.Text;
using System.Xml.Linq;

namespace CompiledNets.Package.Tests;

/// <summary>
/// Packs the CompiledNets package into a temporary folder feed, checks its layout, then restores, builds and runs
/// Consumer/ (a user's project with one PackageReference) against it and expects XOR to be learned.
/// </summary>
public sealed class PackageTests : IDisposable
{
    private static readonly TimeSpan StepTimeout = TimeSpan.FromMinutes(4);
    private readonly string _root = Path.Combine(Path.GetTempPath(), "compilednets-package-" + Guid.NewGuid().ToString("N")[..12]);
    private readonly StringBuilder _log = new();

    public void Dispose()
    {
        try { Directory.Delete(_root, recursive: true); }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
    }

    [Fact]
    public async Task The_packed_package_trains_xor_in_a_project_that_references_only_the_package()
    {
        string repo = Metadata("CompiledNets.RepoRoot");
        string configuration = Metadata("CompiledNets.Configuration");
        // A version no cache has ever seen, and a fresh packages folder: a stale CompiledNets cannot stand in.
        string version = "0.1.0-pkgtest." + DateTime.UtcNow.ToString("yyyyMMddHHmmssfff", System.Globalization.CultureInfo.InvariantCulture);
        string consumer = Path.Combine(_root, "consumer");
        string feed = Path.Combine(consumer, "packages");
        CopyDirectory(Path.Combine(repo, "tests", "CompiledNets.Package.Tests", "Consumer"), consumer);

        await Dotnet(repo, "pack", Path.Combine(repo, "src", "Runtime", "CompiledNets.Runtime.csproj"), "-c", configuration,
            "-o", feed, $"-p:PackageVersion={version}");
        string package = Path.Combine(feed, $"CompiledNets.{version}.nupkg");
        Assert.True(File.Exists(package), $"dotnet pack wrote no {Path.GetFileName(package)}.\n{_log}");
        CheckLayout(package, version);

        await Dotnet(consumer, "build", Path.Combine(consumer, "Consumer.csproj"), "-c", "Release",
            $"-p:CompiledNetsVersion={version}", $"-p:RestorePackagesPath={Path.Combine(_root, "nuget-packages")}");
        // The package's own files were restored (not a project's): the version folder exists in the fresh cache.
        Assert.True(Directory.Exists(Path.Combine(_root, "nuget-packages", "compilednets", version)), _log.ToString());
        string bin = Path.Combine(consumer, "bin", "Release", "net10.0");
        Assert.True(File.Exists(Path.Combine(bin, "CompiledNets.Runtime.dll")), _log.ToString());
        Assert.True(File.Exists(Path.Combine(bin, "CompiledNets.Attributes.dll")), _log.ToString());
        Assert.False(File.Exists(Path.Combine(bin, "CompiledNets.Generator.dll")), "The generator became a library reference.");

        string output = await Dotnet(consumer, Path.Combine(bin, "Consumer.dll"));
        Assert.Contains("xor: 4/4 correct", output);
        Assert.Contains("parameters: 33", output);   // 2·8 + 8 + 8·1 + 1: the generated constant
    }

    private void CheckLayout(string package, string version)
    {
        using var zip = ZipFile.OpenRead(package);
        var entries = zip.Entries.Select(e => e.FullName).ToHashSet(StringComparer.Ordinal);
        string[] expected =
        [
            "lib/net10.0/CompiledNets.Runtime.dll", "lib/net10.0/CompiledNets.Runtime.xml",
            "lib/net10.0/CompiledNets.Attributes.dll", "lib/net10.0/CompiledNets.Attributes.xml",
            "analyzers/dotnet/cs/CompiledNets.Generator.dll", "README.md", "CompiledNets.nuspec",
        ];
        foreach (string name in expected) Assert.True(entries.Contains(name), $"The package lacks {name}; it has: {string.Join(", ", entries)}");
        Assert.DoesNotContain(entries, e => e.StartsWith("lib/", StringComparison.Ordinal) && e.Contains("Generator", StringComparison.Ordinal));
        Assert.DoesNotContain(entries, e => e.StartsWith("analyzers/", StringComparison.Ordinal) && !e.EndsWith("CompiledNets.Generator.dll", StringComparison.Ordinal));

        using var nuspec = zip.GetEntry("CompiledNets.nuspec")!.Open();
        var metadata = XDocument.Load(nuspec).Root!.Elements().Single(e => e.Name.LocalName == "metadata");
        string Value(string name) => metadata.Elements().Single(e => e.Name.LocalName == name).Value;
        Assert.Equal("CompiledNets", Value("id"));
        Assert.Equal(version, Value("version"));
        Assert.Equal("README.md", Value("readme"));
        Assert.Equal("MIT", Value("license"));
        Assert.False(string.IsNullOrWhiteSpace(Value("description")));
        var dependencies = metadata.Descendants().Where(e => e.Name.LocalName == "dependency").Select(e => (string)e.Attribute("id")!).ToArray();
        // The attributes and the generator are inside the package, never dependencies on packages that do not exist.
        Assert.Contains("System.Numerics.Tensors", dependencies);
        Assert.DoesNotContain(dependencies, id => id.StartsWith("CompiledNets", StringComparison.Ordinal));
    }

    private static string Metadata(string key) =>
        typeof(PackageTests).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == key).Value
        ?? throw new InvalidOperationException($"No {key} metadata.");

    /// <summary>Runs <c>dotnet args</c> in <paramref name="directory"/>, returns its output, and fails the test on a non-zero exit.</summary>
    private async Task<string> Dotnet(string directory, params string[] args)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = directory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string arg in args) start.ArgumentList.Add(arg);
        if (args[0] is "pack" or "build")
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
        _log.AppendLine($"$ dotnet {string.Join(' ', start.ArgumentList)}   ({clock.Elapsed.TotalSeconds:0.0} s, exit {process.ExitCode})").AppendLine(text);
        Assert.True(process.ExitCode == 0, $"dotnet {string.Join(' ', args)} failed with exit code {process.ExitCode}.\n{_log}");
        return text;
    }

    private static void CopyDirectory(string source, string destination)
    {
        Directory.CreateDirectory(destination);
        foreach (string file in Directory.GetFiles(source))
            File.Copy(file, Path.Combine(destination, Path.GetFileName(file)));
        foreach (string directory in Directory.GetDirectories(source))
        {
            string name = Path.GetFileName(directory);
            if (name is "bin" or "obj" or "packages") continue;
            CopyDirectory(directory, Path.Combine(destination, name));
        }
    }
}
