using System.Text.RegularExpressions;
using CompiledNets.Generator.Layers;

namespace CompiledNets.Generator.Tests.Layers;

/// <summary>
/// A layer kind lives in one place: its class in <c>src/Generator/Layers</c>, listed by <see cref="LayerCatalog"/>. The
/// rest of the generator asks kinds through <see cref="LayerKind"/>, so adding a kind touches no other generator file.
/// </summary>
public class LayerCatalogTests
{
    private static string GeneratorSources()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "Generated.sln"))) directory = directory.Parent;
        Assert.True(directory is not null, "the repository root (Generated.sln) was not found above " + AppContext.BaseDirectory);
        return Path.Combine(directory!.FullName, "src", "Generator");
    }

    /// <summary>The names by which code refers to a kind: its class and its settings record.</summary>
    private static IEnumerable<string> NamesOf(LayerKind kind)
    {
        string type = kind.GetType().Name;
        yield return type;
        yield return type.Substring(0, type.Length - "Layer".Length) + "Spec";
    }

    [Fact]
    public void At_most_three_generator_files_name_three_or_more_layer_kinds()
    {
        var files = Directory.EnumerateFiles(GeneratorSources(), "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
                && !f.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
            .ToList();
        Assert.True(files.Count > 20, $"only {files.Count} generator sources found");
        var naming = new List<string>();
        foreach (var file in files)
        {
            string text = File.ReadAllText(file);
            int kinds = LayerCatalog.Kinds.Count(kind => NamesOf(kind).Any(name => Regex.IsMatch(text, $@"\b{name}\b")));
            if (kinds >= 3) naming.Add($"{Path.GetFileName(file)} ({kinds} kinds)");
        }
        Assert.True(naming.Count <= 3, "files naming three or more layer kinds: " + string.Join(", ", naming));
        Assert.Contains(naming, n => n.StartsWith("LayerCatalog.cs", StringComparison.Ordinal));
    }

    [Fact]
    public void Every_kind_has_its_attribute_settings_record_and_distinct_names()
    {
        var generator = typeof(LayerKind).Assembly;
        foreach (var kind in LayerCatalog.Kinds)
        {
            Assert.NotNull(typeof(NetworkAttribute).Assembly.GetType("CompiledNets." + kind.AttributeName));
            Assert.NotNull(generator.GetType("CompiledNets.Generator.Layers." + NamesOf(kind).Last()));
            Assert.Same(kind, LayerCatalog.ForAttribute(kind.AttributeName));
        }
        Assert.Equal(LayerCatalog.Kinds.Count, LayerCatalog.Kinds.Select(k => k.Identifier).Distinct().Count());
        Assert.Equal(LayerCatalog.Kinds.Count, LayerCatalog.Kinds.Select(k => k.AttributeName).Distinct().Count());
        // Every attribute class a user can put on a network that makes a layer is read by a kind.
        var layerAttributes = typeof(NetworkAttribute).Assembly.GetExportedTypes()
            .Where(t => t.IsSubclassOf(typeof(Attribute)) && t.Name.EndsWith("Attribute", StringComparison.Ordinal))
            .Select(t => t.Name)
            .Where(name => LayerCatalog.ForAttribute(name) is not null);
        Assert.Equal(LayerCatalog.Kinds.Count, layerAttributes.Count());
    }
}
