using CompiledNets.Generator.Tests.Infrastructure;
using Microsoft.CodeAnalysis;

namespace CompiledNets.Generator.Tests.Parsing;

/// <summary>Each invalid declaration produces its CN diagnostic at the attribute or class, and nothing else.</summary>
public class DiagnosticTests
{
    private static Diagnostic Single(string source)
    {
        var run = GeneratorHarness.Run(source);
        Assert.True(run.OnlyShells, "a network was generated despite a diagnostic");
        Assert.Empty(run.CompilationDiagnostics);
        return Assert.Single(run.GeneratorDiagnostics);
    }

    /// <summary>The source text the diagnostic points at.</summary>
    private static string At(Diagnostic diagnostic) =>
        diagnostic.Location.SourceTree!.GetText().ToString(diagnostic.Location.SourceSpan);

    [Fact]
    public void Class_not_partial()
    {
        var d = Single("""
            using CompiledNets;
            [Network(Inputs = 2)] [Dense(1, Activation.Sigmoid)] [Loss(LossFunction.BinaryCrossEntropy)] [Sgd]
            public class Plain;
            """);
        Assert.Equal("CN0001", d.Id);
        Assert.Equal("Plain", At(d));
        Assert.Contains("must be declared partial", d.GetMessage());
    }

    [Fact]
    public void Cross_entropy_without_softmax_names_the_layer_and_the_fix()
    {
        var d = Single("""
            using CompiledNets;
            [Network(Inputs = 4)]
            [Dense(8, Activation.ReLU)]
            [Dense(3, Activation.Sigmoid)]
            [Loss(LossFunction.CrossEntropy)]
            [Adam]
            public partial class Wrong;
            """);
        Assert.Equal("CN0009", d.Id);
        Assert.Equal("Dense(3, Activation.Sigmoid)", At(d));
        Assert.Contains("last layer 2 (Dense 3) uses Sigmoid", d.GetMessage());
        Assert.Contains("[Dense(3, Activation.Softmax)]", d.GetMessage());
    }

    [Fact]
    public void Zero_units_is_reported_at_the_layer()
    {
        var d = Single("""
            using CompiledNets;
            [Network(Inputs = 4)]
            [Dense(0, Activation.ReLU)]
            [Dense(1)]
            [Loss(LossFunction.MeanSquaredError)]
            [Sgd]
            public partial class Empty;
            """);
        Assert.Equal("CN0004", d.Id);
        Assert.Equal("Dense(0, Activation.ReLU)", At(d));
        Assert.Contains("Layer 1 (Dense 0) has 0 units", d.GetMessage());
    }

    [Fact]
    public void Missing_optimizer_and_two_optimizers()
    {
        var missing = Single("""
            using CompiledNets;
            [Network(Inputs = 4)] [Dense(1)] [Loss(LossFunction.MeanSquaredError)]
            public partial class NoOptimizer;
            """);
        Assert.Equal("CN0007", missing.Id);
        var two = Single("""
            using CompiledNets;
            [Network(Inputs = 4)] [Dense(1)] [Loss(LossFunction.MeanSquaredError)] [Sgd] [Adam]
            public partial class TwoOptimizers;
            """);
        Assert.Equal("CN0008", two.Id);
        Assert.Equal("Adam", At(two));
    }

    [Fact]
    public void Step_in_a_trainable_network_is_an_error()
    {
        var d = Single("""
            using CompiledNets;
            [Network(Inputs = 2)] [Dense(1, Activation.Step)] [Loss(LossFunction.MeanSquaredError)] [Sgd]
            public partial class Perceptron;
            """);
        Assert.Equal("CN0011", d.Id);
    }

    [Fact]
    public void Diagnostics_are_source_locations_so_pragmas_apply()
    {
        var run = GeneratorHarness.Run("""
            using CompiledNets;
            [Network(Inputs = 4)]
            [Dense(3, Activation.Sigmoid)]
            [Loss(LossFunction.CrossEntropy)]
            [Adam]
            public partial class Located;
            """);
        var diagnostic = Assert.Single(run.GeneratorDiagnostics);
        Assert.True(diagnostic.Location.IsInSource);
        Assert.Same(run.Input.SyntaxTrees.Single(), diagnostic.Location.SourceTree);
        Assert.Equal(2, diagnostic.Location.GetLineSpan().StartLinePosition.Line);
    }
}
