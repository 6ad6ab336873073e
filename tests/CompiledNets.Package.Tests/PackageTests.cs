using System.IO.Compression;
using System.Text.Json;
using System.Text.RegularExpressions;
using System.Xml.Linq;

namespace CompiledNets.Package.Tests;

/// <summary>
/// The packed CompiledNets package: its layout and metadata, a user's project (Consumer/, one PackageReference) that
/// learns XOR with it, and the same project with a CN error in its declaration, which builds to that error alone.
/// </summary>
public sealed partial class PackageTests(PackedPackage package) : IClassFixture<PackedPackage>
{
    [Fact]
    public async Task The_packed_package_trains_xor_in_a_project_that_references_only_the_package()
    {
        CheckLayout();
        string consumer = package.CopyConsumer("consumer");
        var (exit, _) = await package.BuildConsumer(consumer);
        Assert.True(exit == 0, $"The consumer did not build.\n{package.Log}");
        // The package's own files were restored (not a project's): the version folder exists in the fresh cache.
        Assert.True(Directory.Exists(Path.Combine(package.RestorePackagesPath, "compilednets", package.Version)), package.Log.ToString());
        string bin = Path.Combine(consumer, "bin", "Release", "net10.0");
        Assert.True(File.Exists(Path.Combine(bin, "CompiledNets.Runtime.dll")), package.Log.ToString());
        Assert.True(File.Exists(Path.Combine(bin, "CompiledNets.Attributes.dll")), package.Log.ToString());
        Assert.False(File.Exists(Path.Combine(bin, "CompiledNets.Generator.dll")), "The generator became a library reference.");

        var (code, output) = await Dotnet.Run(consumer, package.Log, Path.Combine(bin, "Consumer.dll"));
        Assert.True(code == 0, $"The consumer failed.\n{package.Log}");
        Assert.Contains("xor: 4/4 correct", output);
        Assert.Contains("parameters: 33", output);   // 2·8 + 8 + 8·1 + 1: the generated constant
    }

    [Fact]
    public async Task A_CN_error_in_a_declaration_builds_to_that_one_diagnostic_and_no_CS_error()
    {
        string consumer = package.CopyConsumer("broken-consumer", Path.Combine(package.Repo, "tests", "CompiledNets.Package.Tests", "BrokenConsumer", "Program.cs"));
        string sarif = Path.Combine(package.Root, "broken-consumer.sarif");
        var (exit, output) = await package.BuildConsumer(consumer, $"-p:ErrorLog={sarif}%2Cversion=2.1");

        Assert.NotEqual(0, exit);
        var reported = Diagnostic().Matches(output).Select(m => (Severity: m.Groups[1].Value, Id: m.Groups[2].Value)).Distinct().ToList();
        Assert.True(reported.SequenceEqual([("error", "CN0009")]), $"Expected CN0009 alone, got: {string.Join(", ", reported)}\n{output}");
        Assert.Contains("BinaryCrossEntropy needs a Sigmoid output, but the last layer 2 (Dense 1) uses ReLU", output);

        // The compiler's log gives the error's help link: the diagnostics page under the repository's URL.
        using var log = JsonDocument.Parse(File.ReadAllText(sarif));
        var rule = log.RootElement.GetProperty("runs")[0].GetProperty("tool").GetProperty("driver").GetProperty("rules")
            .EnumerateArray().Single(r => r.GetProperty("id").GetString() == "CN0009");
        Assert.Equal(package.RepositoryUrl + "/blob/main/docs/diagnostics.md#cn0009", rule.GetProperty("helpUri").GetString());
    }

    [Fact]
    public async Task The_nuspec_and_the_readme_carry_the_urls_derived_from_RepositoryUrl()
    {
        string repository = package.RepositoryUrl;
        Assert.True(Uri.TryCreate(repository, UriKind.Absolute, out var uri) && uri.Scheme == Uri.UriSchemeHttps, repository);
        using var zip = ZipFile.OpenRead(package.PackagePath);
        var metadata = Metadata(zip);
        Assert.Equal(repository, Value(metadata, "projectUrl"));
        var repositoryElement = metadata.Elements().Single(e => e.Name.LocalName == "repository");
        Assert.Equal(repository, (string?)repositoryElement.Attribute("url"));
        Assert.Equal("git", (string?)repositoryElement.Attribute("type"));

        // The README's links open from the package page: absolute, to the docs under the repository.
        string readme = Read(zip, "README.md");
        var links = Link().Matches(readme).Select(m => m.Groups[1].Value).ToList();
        Assert.True(links.Count >= 7, readme);
        Assert.All(links, link => Assert.StartsWith(repository + "/blob/main/docs/", link, StringComparison.Ordinal));
        Assert.Contains(repository + "/blob/main/docs/diagnostics.md", links);
        // ... and they were made absolute at pack time: PACKAGE.md itself links relatively, so RepositoryUrl is their one source.
        string source = File.ReadAllText(Path.Combine(package.Repo, "src", "Runtime", "PACKAGE.md"));
        Assert.All(Link().Matches(source), m => Assert.StartsWith("../../docs/", m.Groups[1].Value, StringComparison.Ordinal));

        // The diagnostics page is in the package, as in the repository.
        Assert.Equal(File.ReadAllText(Path.Combine(package.Repo, "docs", "diagnostics.md")), Read(zip, "docs/diagnostics.md"));

        // Setting RepositoryUrl alone moves every derived address with it.
        const string fork = "https://example.invalid/someone/compilednets-fork";
        foreach (string project in new[] { Path.Combine("src", "Runtime", "CompiledNets.Runtime.csproj"), Path.Combine("src", "Generator", "CompiledNets.Generator.csproj") })
        {
            var (exit, json) = await Dotnet.Run(package.Repo, package.Log, "msbuild", Path.Combine(package.Repo, project),
                "-getProperty:RepositoryUrl", "-getProperty:PackageProjectUrl", "-getProperty:CompiledNetsDocsUrl", $"-p:RepositoryUrl={fork}");
            Assert.True(exit == 0, package.Log.ToString());
            var properties = JsonDocument.Parse(json).RootElement.GetProperty("Properties");
            Assert.Equal(fork, properties.GetProperty("RepositoryUrl").GetString());
            Assert.Equal(fork, properties.GetProperty("PackageProjectUrl").GetString());
            Assert.Equal(fork + "/blob/main/docs", properties.GetProperty("CompiledNetsDocsUrl").GetString());
        }
    }

    [Fact]
    public void The_getting_started_page_names_every_dependency_of_the_package()
    {
        using var zip = ZipFile.OpenRead(package.PackagePath);
        var dependencies = Metadata(zip).Descendants().Where(e => e.Name.LocalName == "dependency").Select(e => (string)e.Attribute("id")!).ToArray();
        Assert.Equal(["Google.Protobuf", "System.Numerics.Tensors"], dependencies.Order(StringComparer.Ordinal));
        string page = File.ReadAllText(Path.Combine(package.Repo, "docs", "getting-started.md"));
        Assert.All(dependencies, id => Assert.Contains($"`{id}`", page));
    }

    private void CheckLayout()
    {
        using var zip = ZipFile.OpenRead(package.PackagePath);
        var entries = zip.Entries.Select(e => e.FullName).ToHashSet(StringComparer.Ordinal);
        string[] expected =
        [
            "lib/net10.0/CompiledNets.Runtime.dll", "lib/net10.0/CompiledNets.Runtime.xml",
            "lib/net10.0/CompiledNets.Attributes.dll", "lib/net10.0/CompiledNets.Attributes.xml",
            "analyzers/dotnet/cs/CompiledNets.Generator.dll", "README.md", "docs/diagnostics.md", "CompiledNets.nuspec",
        ];
        foreach (string name in expected) Assert.True(entries.Contains(name), $"The package lacks {name}; it has: {string.Join(", ", entries)}");
        Assert.DoesNotContain(entries, e => e.StartsWith("lib/", StringComparison.Ordinal) && e.Contains("Generator", StringComparison.Ordinal));
        Assert.DoesNotContain(entries, e => e.StartsWith("analyzers/", StringComparison.Ordinal) && !e.EndsWith("CompiledNets.Generator.dll", StringComparison.Ordinal));

        var metadata = Metadata(zip);
        Assert.Equal("CompiledNets", Value(metadata, "id"));
        Assert.Equal(package.Version, Value(metadata, "version"));
        Assert.Equal("README.md", Value(metadata, "readme"));
        Assert.Equal("MIT", Value(metadata, "license"));
        Assert.False(string.IsNullOrWhiteSpace(Value(metadata, "description")));
        var dependencies = metadata.Descendants().Where(e => e.Name.LocalName == "dependency").Select(e => (string)e.Attribute("id")!).ToArray();
        // The attributes and the generator are inside the package, never dependencies on packages that do not exist.
        Assert.Contains("System.Numerics.Tensors", dependencies);
        Assert.DoesNotContain(dependencies, id => id.StartsWith("CompiledNets", StringComparison.Ordinal));
    }

    private static XElement Metadata(ZipArchive zip)
    {
        using var nuspec = zip.GetEntry("CompiledNets.nuspec")!.Open();
        return XDocument.Load(nuspec).Root!.Elements().Single(e => e.Name.LocalName == "metadata");
    }

    private static string Value(XElement metadata, string name) => metadata.Elements().Single(e => e.Name.LocalName == name).Value;

    private static string Read(ZipArchive zip, string entry)
    {
        using var reader = new StreamReader(zip.GetEntry(entry)!.Open());
        return reader.ReadToEnd();
    }

    /// <summary>An MSBuild diagnostic line: <c>Program.cs(19,2): error CN0009: ...</c>.</summary>
    [GeneratedRegex(@"\b(error|warning) ([A-Z]{2,}\d{4}):")]
    private static partial Regex Diagnostic();

    /// <summary>The target of a Markdown link.</summary>
    [GeneratedRegex(@"\]\(([^)\s]+)\)")]
    private static partial Regex Link();
}
