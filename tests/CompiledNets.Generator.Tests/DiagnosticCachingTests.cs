using CompiledNets.Generator.Parsing;
using CompiledNets.Generator.Tests.Infrastructure;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace CompiledNets.Generator.Tests;

/// <summary>
/// Caching of the orphan-attribute pipelines (CN0019) and of diagnostics: an unrelated edit re-runs nothing,
/// fixing the problem removes the diagnostic, and the generated-member list covers what the emitter writes.
/// </summary>
public class DiagnosticCachingTests
{
    private const string Orphan = """
        using CompiledNets;
        [Dense(4, Activation.ReLU)] [Dense(1)] [Loss(LossFunction.MeanSquaredError)] [Sgd]
        public partial class Forgotten;
        """;

    private const string Invalid = """
        using CompiledNets;
        [Network(Inputs = 2)] [Dense(1, Activation.Step)] [Loss(LossFunction.MeanSquaredError)] [Sgd]
        public partial class Perceptron;
        """;

    private static IEnumerable<IncrementalStepRunReason> Reasons(GeneratorRunResult result, string step) =>
        result.TrackedSteps.TryGetValue(step, out var steps) ? steps.SelectMany(s => s.Outputs).Select(o => o.Reason) : Enumerable.Empty<IncrementalStepRunReason>();

    [Fact]
    public void An_unrelated_edit_leaves_the_orphan_and_diagnostic_steps_cached()
    {
        var compilation = GeneratorHarness.CreateCompilation(Orphan, Invalid, Declarations.Xor, "class Other { int X => 1; }");
        var driver = GeneratorHarness.CreateDriver().RunGenerators(compilation);
        var first = driver.GetRunResult();
        Assert.Equal(new[] { "CN0011", "CN0019" }, first.Diagnostics.Select(d => d.Id).Order());

        var edited = compilation.ReplaceSyntaxTree(compilation.SyntaxTrees.Last(),
            CSharpSyntaxTree.ParseText("class Other { int X => 2; int Y => 3; }", GeneratorHarness.ParseOptions, path: "Input3.cs"));
        var result = driver.RunGenerators(edited).GetRunResult();
        var run = result.Results.Single();
        foreach (string step in new[] { NetworkGenerator.TrackingNames.OrphanAttributes, NetworkGenerator.TrackingNames.Parse, NetworkGenerator.TrackingNames.Diagnostics, NetworkGenerator.TrackingNames.Shells })
        {
            var reasons = Reasons(run, step).ToList();
            Assert.NotEmpty(reasons);
            Assert.All(reasons, reason => Assert.True(reason is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged, $"{step}: {reason}"));
        }
        // Cached diagnostics are still reported, at locations in the new compilation's trees.
        Assert.Equal(new[] { "CN0011", "CN0019" }, result.Diagnostics.Select(d => d.Id).Order());
        Assert.All(result.Diagnostics, d => Assert.Contains(d.Location.SourceTree, edited.SyntaxTrees));
    }

    [Fact]
    public void Adding_Network_removes_the_orphan_diagnostic_and_generates_the_network()
    {
        var compilation = GeneratorHarness.CreateCompilation(Orphan);
        var driver = GeneratorHarness.CreateDriver().RunGenerators(compilation);
        Assert.Equal("CN0019", Assert.Single(driver.GetRunResult().Diagnostics).Id);

        var fixedTree = CSharpSyntaxTree.ParseText(Orphan.Replace("[Dense(4,", "[Network(Inputs = 3)] [Dense(4,"), GeneratorHarness.ParseOptions, path: "Input0.cs");
        var result = driver.RunGenerators(compilation.ReplaceSyntaxTree(compilation.SyntaxTrees.Single(), fixedTree)).GetRunResult();
        Assert.Empty(result.Diagnostics);
        Assert.Single(result.GeneratedTrees);
    }

    [Fact]
    public void Fixing_an_invalid_network_regenerates_it_alone()
    {
        var compilation = GeneratorHarness.CreateCompilation(Invalid, Declarations.Mnist);
        var driver = GeneratorHarness.CreateDriver().RunGenerators(compilation);
        var fixedTree = CSharpSyntaxTree.ParseText(Invalid.Replace("Activation.Step", "Activation.Sigmoid"), GeneratorHarness.ParseOptions, path: "Input0.cs");
        var result = driver.RunGenerators(compilation.ReplaceSyntaxTree(compilation.SyntaxTrees.First(), fixedTree)).GetRunResult();
        Assert.Empty(result.Diagnostics);
        Assert.Equal(2, result.GeneratedTrees.Length);
        var specs = Reasons(result.Results.Single(), NetworkGenerator.TrackingNames.Specs).ToList();
        Assert.Single(specs, r => r == IncrementalStepRunReason.New);
        Assert.Single(specs, r => r is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged);
    }

    /// <summary>
    /// Guards CN0014: every member the emitter writes into a network class must be covered by
    /// <c>GeneratedMembers</c>, or a user member of that name would break the generated code instead of being reported.
    /// </summary>
    [Theory]
    [InlineData(Declarations.Xor)]
    [InlineData(Declarations.Mnist)]
    [InlineData(Declarations.TanhRegression)]
    [InlineData(Declarations.WideAdam)] // splits its optimizer step: the step's range method and job
    [InlineData(Declarations.ConvNet)] // training segments: their methods and jobs
    public void Every_generated_member_name_is_reserved(string declaration)
    {
        var run = GeneratorHarness.Run(declaration);
        var tree = run.Output.SyntaxTrees.Last();
        var networkClass = tree.GetRoot().DescendantNodes().OfType<ClassDeclarationSyntax>().First(c => c.BaseList is not null);
        var names = new List<string>();
        foreach (var member in networkClass.Members)
        {
            switch (member)
            {
                case FieldDeclarationSyntax field: names.AddRange(field.Declaration.Variables.Select(v => v.Identifier.Text)); break;
                case PropertyDeclarationSyntax property when property.ExplicitInterfaceSpecifier is null: names.Add(property.Identifier.Text); break;
                case MethodDeclarationSyntax method when method.ExplicitInterfaceSpecifier is null: names.Add(method.Identifier.Text); break;
                case BaseTypeDeclarationSyntax type: names.Add(type.Identifier.Text); break;
            }
        }
        Assert.NotEmpty(names);
        var uncovered = names.Where(n => !GeneratedMembers.Names.ContainsKey(n) && !GeneratedMembers.IsLayerName(n)).ToList();
        Assert.True(uncovered.Count == 0, "GeneratedMembers does not reserve: " + string.Join(", ", uncovered));
    }
}
