using System.Collections.Immutable;
using System.Reflection;
using System.Runtime.Loader;
using CompiledNets.Generator;
using CompiledNets.Generator.Emit;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace CompiledNets.Generator.Tests.Infrastructure;

/// <summary>What one in-memory generator run produced.</summary>
internal sealed record GeneratorRun(
    CSharpCompilation Input,
    Compilation Output,
    ImmutableArray<Diagnostic> GeneratorDiagnostics,
    ImmutableArray<(string HintName, string Source)> Sources,
    GeneratorDriverRunResult RunResult)
{
    /// <summary>Compiler diagnostics of the output (warnings and errors), generator diagnostics excluded.</summary>
    public ImmutableArray<Diagnostic> CompilationDiagnostics =>
        Output.GetDiagnostics().Where(d => d.Severity >= DiagnosticSeverity.Warning).ToImmutableArray();

    public string Source(string hintName) => Sources.Single(s => s.HintName == hintName).Source;

    /// <summary>True when every generated file is the public shell of a class with errors (no network was generated).</summary>
    public bool OnlyShells => Sources.All(s => IsShell(s.Source));

    public static bool IsShell(string source) => source.Contains(ShellEmitter.Marker, StringComparison.Ordinal);
}

/// <summary>Runs the network generator over source text with the .NET 10 reference assemblies.</summary>
internal static class GeneratorHarness
{
    private static readonly ImmutableArray<MetadataReference> References = Basic.Reference.Assemblies.Net100.References.All
        .Cast<MetadataReference>()
        .Append(MetadataReference.CreateFromFile(typeof(INetwork).Assembly.Location))
        .Append(MetadataReference.CreateFromFile(typeof(NetworkAttribute).Assembly.Location))
        .ToImmutableArray();

    public static CSharpParseOptions ParseOptions { get; } = new(LanguageVersion.Preview);

    public static CSharpCompilation CreateCompilation(params string[] sources) => CSharpCompilation.Create(
        "GeneratedNetworks" + Guid.NewGuid().ToString("N"),
        sources.Select((s, i) => CSharpSyntaxTree.ParseText(s, ParseOptions, path: $"Input{i}.cs")),
        References,
        new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, optimizationLevel: OptimizationLevel.Release,
            nullableContextOptions: NullableContextOptions.Enable, allowUnsafe: true));

    public static GeneratorDriver CreateDriver() => CSharpGeneratorDriver.Create(
        new[] { new NetworkGenerator().AsSourceGenerator() },
        parseOptions: ParseOptions,
        driverOptions: new GeneratorDriverOptions(IncrementalGeneratorOutputKind.None, trackIncrementalGeneratorSteps: true));

    public static GeneratorRun Run(params string[] sources)
    {
        var input = CreateCompilation(sources);
        var driver = CreateDriver().RunGeneratorsAndUpdateCompilation(input, out var output, out var diagnostics);
        var result = driver.GetRunResult();
        var generated = result.Results.SelectMany(r => r.GeneratedSources).Select(s => (s.HintName, s.SourceText.ToString())).ToImmutableArray();
        return new GeneratorRun(input, output, diagnostics, generated, result);
    }

    /// <summary>Generates, compiles and loads the sources; returns the loaded assembly. Fails on any warning or error.</summary>
    public static Assembly CompileAndLoad(params string[] sources)
    {
        var run = Run(sources);
        Assert.Empty(run.GeneratorDiagnostics);
        using var stream = new MemoryStream();
        var emit = run.Output.Emit(stream);
        var problems = emit.Diagnostics.Where(d => d.Severity >= DiagnosticSeverity.Warning).ToList();
        Assert.True(problems.Count == 0, string.Join(Environment.NewLine, problems));
        stream.Position = 0;
        return AssemblyLoadContext.Default.LoadFromStream(stream);
    }

    /// <summary>Creates <paramref name="typeName"/> from <paramref name="assembly"/> with <c>(seed)</c>.</summary>
    public static INetwork Create(Assembly assembly, string typeName, int seed) =>
        (INetwork)Activator.CreateInstance(assembly.GetType(typeName, throwOnError: true)!, seed)!;
}
