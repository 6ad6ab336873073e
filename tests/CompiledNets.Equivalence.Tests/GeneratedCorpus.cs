using System.Collections.Immutable;
using System.Diagnostics;
using System.Reflection;
using System.Runtime.Loader;
using CompiledNets.Generator;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace CompiledNets.Equivalence.Tests;

/// <summary>
/// The whole corpus compiled once, in memory, through the real generator (<see cref="CSharpGeneratorDriver"/>):
/// one compilation of every declaration, emitted to a stream and loaded into a collectible context. Any
/// generator or compiler diagnostic of warning severity or worse fails the tests with the source that caused it.
/// </summary>
public static class GeneratedCorpus
{
    private static readonly Lazy<Assembly> LazyAssembly = new(Compile, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>How long the generator run and the compilation took (reported once by a test).</summary>
    public static TimeSpan CompileTime { get; private set; }

    /// <summary>A new generated network of the corpus entry <paramref name="name"/>.</summary>
    public static INetwork Create(string name, int seed, int maxBatchSize)
    {
        var type = LazyAssembly.Value.GetType("Corpus." + name, throwOnError: true)!;
        return (INetwork)Activator.CreateInstance(type, seed, maxBatchSize)!;
    }

    /// <summary>
    /// Loads a compiled image into a context of its own that is never unloaded. Not a collectible one: the generated
    /// classes keep statics and thread statics, whose collectible form is the runtime's less travelled path, under
    /// thousands of tests on several threads (the suite crashed twice in CI with a corrupted object while it used
    /// collectible contexts). It compiles a handful of images, so keeping them loaded costs little.
    /// </summary>
    public static Assembly Load(string name, byte[] image) =>
        new AssemblyLoadContext(name, isCollectible: false).LoadFromStream(new MemoryStream(image));

    /// <summary>Runs the generator over <paramref name="sources"/> and compiles the result; returns the image and the generated files.</summary>
    public static (byte[] Image, ImmutableArray<SyntaxTree> Generated) CompileSources(IEnumerable<(string Path, string Text)> sources)
    {
        var parseOptions = new CSharpParseOptions(LanguageVersion.Latest);
        var trees = sources.Select(s => CSharpSyntaxTree.ParseText(s.Text, parseOptions, path: s.Path)).ToArray();
        var compilation = Compilation(trees);

        GeneratorDriver driver = CSharpGeneratorDriver.Create([new NetworkGenerator().AsSourceGenerator()], parseOptions: parseOptions);
        driver = driver.RunGeneratorsAndUpdateCompilation(compilation, out var output, out var generatorDiagnostics);
        var generated = output.SyntaxTrees.Except(trees).ToImmutableArray();

        using var image = new MemoryStream();
        var result = output.Emit(image);
        var problems = generatorDiagnostics.Concat(result.Diagnostics)
            .Where(d => d.Severity >= DiagnosticSeverity.Warning)
            .ToList();
        if (!result.Success || problems.Count > 0)
            throw new InvalidOperationException("The corpus did not compile cleanly:\n" + string.Join("\n", problems.Select(d => d.ToString())));
        return (image.ToArray(), generated);
    }

    /// <summary>A compilation of <paramref name="trees"/> as the corpus is compiled: .NET 10, the runtime and the attributes, unsafe code.</summary>
    public static CSharpCompilation Compilation(IEnumerable<SyntaxTree> trees)
    {
        var references = Basic.Reference.Assemblies.Net100.References.All
            .Concat(new[] { typeof(INetwork).Assembly.Location, typeof(NetworkAttribute).Assembly.Location }
                .Select(path => (MetadataReference)MetadataReference.CreateFromFile(path)));
        return CSharpCompilation.Create("CompiledNets.Equivalence.Corpus", trees, references,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, optimizationLevel: OptimizationLevel.Release,
                nullableContextOptions: NullableContextOptions.Enable, allowUnsafe: true));
    }

    private static Assembly Compile()
    {
        var watch = Stopwatch.StartNew();
        var (image, generated) = CompileSources(Corpus.Entries.Select(e => ($"Corpus/{e.Name}.cs", e.Source)));
        if (generated.Length != Corpus.Entries.Count)
            throw new InvalidOperationException($"The generator emitted {generated.Length} files for {Corpus.Entries.Count} declarations.");
        var assembly = Load("CompiledNets.Equivalence.Corpus", image);
        CompileTime = watch.Elapsed;
        return assembly;
    }
}
