using System.Reflection;
using System.Runtime.CompilerServices;
using System.Runtime.Loader;
using CompiledNets.Generator.Emit;
using CompiledNets.Generator.Tests.Infrastructure;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace CompiledNets.Generator.Tests.Emit;

/// <summary>
/// A [Network] class with CN errors gets its public shell: the code that uses it compiles, so the CN errors are all the
/// build reports, and every member throws an <see cref="InvalidOperationException"/> naming the error.
/// </summary>
public class ShellTests
{
    /// <summary>A softmax under BinaryCrossEntropy (CN0009), and the usual things a program does with a network.</summary>
    private const string Broken = """
        using System;
        using CompiledNets;

        namespace Demo;

        [Network(Inputs = 2)]
        [Dense(8, Activation.ReLU)]
        [Dense(2, Activation.Softmax)]
        [Loss(LossFunction.BinaryCrossEntropy)]
        [Sgd(LearningRate = 0.1f)]
        public partial class BrokenNet;

        public static partial class Models
        {
            [Network(Inputs = 0)]
            [Dense(0)]
            [Loss(LossFunction.MeanSquaredError)]
            [Adam(LearningRate = -1f)]
            internal sealed partial class Nested;
        }

        public static class App
        {
            public static float Run(float[] inputs, float[] targets)
            {
                var net = new BrokenNet(seed: 1);
                var wide = new BrokenNet(seed: 1, maxBatchSize: 64);
                net.Threads = 1;
                History history = net.Fit(inputs, targets, epochs: 10, batchSize: 4, verbose: 0);
                var output = new float[BrokenNet.OutputSize];
                net.Predict(inputs.AsSpan(0, BrokenNet.InputSize), output);
                float[] again = net.Predict(inputs);
                int samples = inputs.Length / BrokenNet.InputSize;
                INetwork network = wide;
                net.Save("broken.safetensors");
                var nested = new Models.Nested();
                return output[0] + again[0] + history.Loss[^1] + network.ParameterCount + samples + net.Summary.TotalParameters + nested.LearningRate;
            }
        }
        """;

    [Fact]
    public void Code_that_uses_a_class_with_a_CN_error_compiles_and_the_CN_errors_are_all_that_is_reported()
    {
        var run = GeneratorHarness.Run(Broken);
        Assert.Equal(new[] { "CN0003", "CN0004", "CN0009", "CN0012" }, run.GeneratorDiagnostics.Select(d => d.Id).Order());
        Assert.Empty(run.CompilationDiagnostics);
        Assert.Equal(new[] { "Demo.BrokenNet.g.cs", "Demo.Models.Nested.g.cs" }, run.Sources.Select(s => s.HintName).Order(StringComparer.Ordinal));
        Assert.All(run.Sources, s => Assert.Contains(ShellEmitter.Marker, s.Source));
    }

    [Fact]
    public void Without_the_shell_the_same_uses_would_be_CS_errors()
    {
        // What a user saw before: the class has no members, so every use is an error of its own.
        var input = GeneratorHarness.CreateCompilation(Broken);
        var errors = input.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error).Select(d => d.Id).Distinct().ToList();
        Assert.Contains("CS1739", errors); // no parameter named 'seed'
        Assert.Contains("CS0117", errors); // no definition for 'OutputSize'
    }

    [Fact]
    public void Every_member_throws_an_InvalidOperationException_naming_the_class_and_the_error()
    {
        var type = Load(Broken).GetType("Demo.BrokenNet", throwOnError: true)!;
        string[] expected = { "BrokenNet", "CN0009", "BinaryCrossEntropy needs a Sigmoid output", "Fix the declaration and rebuild" };

        foreach (var constructor in type.GetConstructors())
        {
            var arguments = constructor.GetParameters().Select(_ => (object?)1).ToArray();
            var error = Assert.Throws<TargetInvocationException>(() => constructor.Invoke(arguments));
            AssertNames(Assert.IsType<InvalidOperationException>(error.InnerException), expected);
        }
        Assert.Equal(3, type.GetConstructors().Length);
        foreach (string size in new[] { "InputSize", "OutputSize", "ParameterCount", "BufferCount", "OptimizerStateCount", "DefaultMaxBatchSize" })
        {
            var error = Assert.Throws<TargetInvocationException>(() => type.GetProperty(size, BindingFlags.Public | BindingFlags.Static)!.GetValue(null));
            AssertNames(Assert.IsType<InvalidOperationException>(error.InnerException), expected);
        }

        // The instance members, on an object no constructor ran for.
        var network = (INetwork)RuntimeHelpers.GetUninitializedObject(type);
        var members = new Action[]
        {
            () => _ = network.InputSize, () => _ = network.OutputSize, () => _ = network.ParameterCount, () => _ = network.MaxBatchSize,
            () => _ = network.Loss, () => _ = network.Parameters.Length, () => _ = network.Gradients.Length, () => _ = network.Buffers.Length,
            () => _ = network.OptimizerState.Length, () => _ = network.Tensors, () => _ = network.Architecture, () => _ = network.Summary,
            () => _ = network.LearningRate, () => network.LearningRate = 1f, () => _ = network.OptimizerStep, () => network.OptimizerStep = 1,
            () => _ = network.TrainingOutputs.Length, () => network.Predict(new float[2], new float[2]),
            () => network.PredictBatch(new float[2], new float[2], 1), () => network.ComputeGradients(new float[2], new float[2], 1),
            () => network.ApplyGradients(), () => network.TrainBatch(new float[2], new float[2], 1),
            () => type.GetProperty("Threads")!.SetValue(network, 2),
        };
        foreach (var member in members)
        {
            var error = Record.Exception(member);
            if (error is TargetInvocationException { InnerException: { } inner }) error = inner;
            AssertNames(Assert.IsType<InvalidOperationException>(error), expected);
        }
    }

    [Fact]
    public void The_message_counts_the_other_errors()
    {
        var nested = Load(Broken).GetType("Demo.Models+Nested", throwOnError: true)!;
        var error = Assert.Throws<TargetInvocationException>(() => Activator.CreateInstance(nested));
        string message = error.InnerException!.Message;
        Assert.Contains("'Nested'", message);
        Assert.Contains("CN0003", message);
        Assert.Contains("(and 2 more errors)", message);
    }

    [Theory]
    [InlineData(Declarations.Xor, "Demo.XorNet")]
    [InlineData(Declarations.TanhRegression, "TanhRegression")] // the per-layer path (Xor takes the sample-lane one)
    public void The_shell_has_every_public_member_of_a_generated_network(string declaration, string typeName)
    {
        // The same class with a CN error (Inputs = 0) gets a shell; it must offer what the valid class offers.
        var network = GeneratorHarness.CompileAndLoad(declaration).GetType(typeName, throwOnError: true)!;
        string broken = System.Text.RegularExpressions.Regex.Replace(declaration, @"Inputs = \d+", "Inputs = 0");
        var shell = Load(broken).GetType(typeName, throwOnError: true)!;
        Assert.Equal(Surface(network), Surface(shell));
        Assert.Equal(network.GetInterfaces().Select(i => i.FullName), shell.GetInterfaces().Select(i => i.FullName));
    }

    [Fact]
    public void The_shell_is_readable_code()
    {
        var run = GeneratorHarness.Run(Broken);
        Snapshot.Match("Shell", run.Source("Demo.BrokenNet.g.cs"));
    }

    [Fact]
    public void An_unrelated_edit_leaves_the_shell_cached_and_fixing_the_declaration_replaces_it()
    {
        var compilation = GeneratorHarness.CreateCompilation(Broken, "class Other { int X => 1; }");
        var driver = GeneratorHarness.CreateDriver().RunGenerators(compilation);
        var edited = compilation.ReplaceSyntaxTree(compilation.SyntaxTrees.Last(),
            CSharpSyntaxTree.ParseText("class Other { int X => 2; }", GeneratorHarness.ParseOptions, path: "Input1.cs"));
        driver = driver.RunGenerators(edited);
        var reasons = driver.GetRunResult().Results.Single().TrackedSteps[NetworkGenerator.TrackingNames.Shells].SelectMany(s => s.Outputs).Select(o => o.Reason).ToList();
        Assert.Equal(2, reasons.Count);
        Assert.All(reasons, reason => Assert.True(reason is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged, reason.ToString()));

        var repaired = edited.ReplaceSyntaxTree(edited.SyntaxTrees.First(),
            CSharpSyntaxTree.ParseText(Broken.Replace("[Dense(2, Activation.Softmax)]", "[Dense(2, Activation.Sigmoid)]"), GeneratorHarness.ParseOptions, path: "Input0.cs"));
        var result = driver.RunGenerators(repaired).GetRunResult();
        var net = result.GeneratedTrees.Single(t => t.FilePath.EndsWith("Demo.BrokenNet.g.cs", StringComparison.Ordinal)).ToString();
        Assert.DoesNotContain(ShellEmitter.Marker, net);
        Assert.Contains("public const int InputSize = 2;", net);
    }

    private static void AssertNames(Exception error, string[] fragments)
    {
        foreach (string fragment in fragments) Assert.Contains(fragment, error.Message);
    }

    /// <summary>Public members by kind-independent signature: a constant and a static property of one name count as one.</summary>
    private static string[] Surface(Type type) => type
        .GetMembers(BindingFlags.Public | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly)
        .Where(m => m is not MethodInfo { IsSpecialName: true })
        .Select(m => m switch
        {
            ConstructorInfo c => "ctor(" + string.Join(", ", c.GetParameters().Select(p => p.ParameterType.Name + " " + p.Name)) + ")",
            MethodInfo method => method.ReturnType.Name + " " + method.Name + "(" + string.Join(", ", method.GetParameters().Select(p => p.ParameterType.Name + " " + p.Name)) + ")",
            PropertyInfo p => (p.GetMethod!.IsStatic ? "static " : "") + p.PropertyType.Name + " " + p.Name + (p.CanWrite ? " { get; set; }" : ""),
            FieldInfo f => (f.IsStatic ? "static " : "") + f.FieldType.Name + " " + f.Name,
            _ => m.MemberType + " " + m.Name,
        })
        .Order(StringComparer.Ordinal)
        .ToArray();

    /// <summary>Generates and compiles <paramref name="source"/> despite its CN errors (they are not compiler errors) and loads it.</summary>
    private static Assembly Load(string source)
    {
        var run = GeneratorHarness.Run(source);
        Assert.NotEmpty(run.GeneratorDiagnostics);
        using var stream = new MemoryStream();
        var emit = run.Output.Emit(stream);
        Assert.True(emit.Success, string.Join(Environment.NewLine, emit.Diagnostics));
        stream.Position = 0;
        return new AssemblyLoadContext(null).LoadFromStream(stream); // never unloaded, as GeneratorHarness.CompileAndLoad
    }
}
