using System.Text.RegularExpressions;
using CompiledNets.Generator.Tests.Infrastructure;
using Microsoft.CodeAnalysis;

namespace CompiledNets.Generator.Tests;

/// <summary>
/// docs/diagnostics.md and the release-tracking file agree with the catalog, and the documented wrong
/// declarations produce their diagnostic while the right ones compile cleanly.
/// </summary>
public partial class DiagnosticDocsTests
{
    private static string RepoFile(string relative)
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Generated.sln"))) return File.ReadAllText(Path.Combine(dir.FullName, relative));
        throw new InvalidOperationException("repository root not found");
    }

    [GeneratedRegex("<a id=\"(cn\\d{4})\"></a>\\s+## (CN\\d{4}): [^\\n]*\\n(.*?)(?=<a id=|\\z)", RegexOptions.Singleline)]
    private static partial Regex Section();

    [GeneratedRegex("```csharp\\n(.*?)```", RegexOptions.Singleline)]
    private static partial Regex CodeBlock();

    private static Dictionary<string, string> Sections() =>
        Section().Matches(RepoFile("docs/diagnostics.md")).ToDictionary(m => m.Groups[2].Value, m => m.Groups[3].Value);

    [Fact]
    public void Every_descriptor_has_a_help_link_a_docs_section_and_a_release_entry()
    {
        var sections = Sections();
        string unshipped = RepoFile("src/Generator/AnalyzerReleases.Unshipped.md");
        foreach (var descriptor in Diagnostics.All.Values)
        {
            Assert.Equal(DiagnosticsPage + "#" + descriptor.Id.ToLowerInvariant(), descriptor.HelpLinkUri);
            Assert.StartsWith("CompiledNets.", descriptor.Category, StringComparison.Ordinal);
            Assert.False(string.IsNullOrWhiteSpace(descriptor.Title.ToString()));
            Assert.True(sections.ContainsKey(descriptor.Id), descriptor.Id + " has no section in docs/diagnostics.md");
            Assert.Contains($"{descriptor.Id} | {descriptor.Category} | {descriptor.DefaultSeverity} |", unshipped);
        }
        Assert.Equal(Diagnostics.All.Count, sections.Count);
    }

    /// <summary>
    /// docs/diagnostics.md under the RepositoryUrl this build was given (the SDK writes it into every assembly's
    /// metadata): an absolute address, derived from the one property.
    /// </summary>
    private static string DiagnosticsPage
    {
        get
        {
            string repository = typeof(DiagnosticDocsTests).Assembly.GetCustomAttributes(typeof(System.Reflection.AssemblyMetadataAttribute), false)
                .Cast<System.Reflection.AssemblyMetadataAttribute>().Single(a => a.Key == "RepositoryUrl").Value!;
            Assert.True(Uri.TryCreate(repository, UriKind.Absolute, out var uri) && uri.Scheme == Uri.UriSchemeHttps, repository);
            return repository + "/blob/main/docs/diagnostics.md";
        }
    }

    public static TheoryData<string> DocumentedIds() => new(Sections().Where(s => CodeBlock().Matches(s.Value).Count == 2).Select(s => s.Key));

    [Theory]
    [MemberData(nameof(DocumentedIds))]
    public void The_wrong_declaration_is_reported_and_the_right_one_compiles(string id)
    {
        var blocks = CodeBlock().Matches(Sections()[id]);
        var wrong = GeneratorHarness.Run(blocks[0].Groups[1].Value);
        Assert.Contains(wrong.GeneratorDiagnostics, d => d.Id == id);
        Assert.All(wrong.GeneratorDiagnostics, d => Assert.StartsWith("CN", d.Id, StringComparison.Ordinal));
        // An error leaves only the class's shell; a warning leaves the network generated.
        bool isWarning = Diagnostics.ById(id).DefaultSeverity == DiagnosticSeverity.Warning;
        Assert.True(wrong.OnlyShells != isWarning, (isWarning ? "no network was generated for the warning " : "a network was generated for the wrong declaration of ") + id);

        var right = GeneratorHarness.Run(blocks[1].Groups[1].Value);
        Assert.Empty(right.GeneratorDiagnostics);
        Assert.NotEmpty(right.Sources);
        Assert.Empty(right.CompilationDiagnostics);
    }
}
