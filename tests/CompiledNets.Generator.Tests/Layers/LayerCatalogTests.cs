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

    /// <summary>The names by which code refers to a kind: its class and the settings record its attribute reads into.</summary>
    private static IEnumerable<string> NamesOf(LayerKind kind)
    {
        yield return kind.GetType().Name;
        yield return SettingsOf(kind).Name;
    }

    /// <summary>The settings record whose <c>Kind</c> is <paramref name="kind"/> (kinds of one family may share one, as the two poolings do).</summary>
    private static Type SettingsOf(LayerKind kind)
    {
        var records = typeof(LayerKind).Assembly.GetTypes().Where(t => t.IsSubclassOf(typeof(Model.LayerSpec)) && !t.IsAbstract).ToList();
        static string Stem(string name, string suffix) => name.EndsWith(suffix, StringComparison.Ordinal) ? name[..^suffix.Length] : name;
        var named = records.SingleOrDefault(t => t.Name == Stem(kind.GetType().Name, "Layer") + "Spec");
        return named ?? records.Single(t => t.Name == Stem(kind.GetType().BaseType!.Name, "LayerKind") + "Spec");
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
        foreach (var kind in LayerCatalog.Kinds)
        {
            Assert.NotNull(typeof(NetworkAttribute).Assembly.GetType("CompiledNets." + kind.AttributeName));
            Assert.NotNull(SettingsOf(kind));
            Assert.Same(kind, LayerCatalog.ForAttribute(kind.AttributeName));
        }
        Assert.Equal(LayerCatalog.Kinds.Count, LayerCatalog.Kinds.Select(k => k.Identifier).Distinct().Count());
        Assert.Equal(LayerCatalog.Kinds.Count, LayerCatalog.Kinds.Select(k => k.AttributeName).Distinct().Count());
        // Every attribute of the library has a role the generator knows (a layer attribute without its kind would be ignored).
        var attributes = typeof(NetworkAttribute).Assembly.GetExportedTypes().Where(t => t.IsSubclassOf(typeof(Attribute))).Select(t => t.Name);
        Assert.All(attributes, name => Assert.Contains(name, Names.AttributeNames.Known.Select(k => k.Name)));
    }
}
