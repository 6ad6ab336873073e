using CompiledNets.Generator.Tests.Infrastructure;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace CompiledNets.Generator.Tests;

/// <summary>The pipeline's models are equatable, so edits that do not touch a network reuse its cached output.</summary>
public class CachingTests
{
    private static readonly string[] TrackedSteps = { NetworkGenerator.TrackingNames.Parse, NetworkGenerator.TrackingNames.Specs, NetworkGenerator.TrackingNames.Diagnostics };

    [Fact]
    public void An_unrelated_edit_leaves_every_step_cached()
    {
        var compilation = GeneratorHarness.CreateCompilation(Declarations.Xor, "class Other { int X => 1; }");
        var driver = GeneratorHarness.CreateDriver().RunGenerators(compilation);
        var edited = compilation.ReplaceSyntaxTree(compilation.SyntaxTrees.Last(),
            CSharpSyntaxTree.ParseText("class Other { int X => 2; int Y => 3; }", GeneratorHarness.ParseOptions, path: "Input1.cs"));
        var result = driver.RunGenerators(edited).GetRunResult().Results.Single();
        foreach (string step in TrackedSteps)
        {
            var reasons = result.TrackedSteps[step].SelectMany(s => s.Outputs).Select(o => o.Reason).ToList();
            Assert.NotEmpty(reasons);
            Assert.All(reasons, reason => Assert.True(reason is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged, $"{step}: {reason}"));
        }
    }

    [Fact]
    public void Editing_one_network_regenerates_only_that_network()
    {
        var compilation = GeneratorHarness.CreateCompilation(Declarations.Xor, Declarations.Mnist);
        var driver = GeneratorHarness.CreateDriver().RunGenerators(compilation);
        var edited = compilation.ReplaceSyntaxTree(compilation.SyntaxTrees.Last(),
            CSharpSyntaxTree.ParseText(Declarations.Mnist.Replace("Dense(128", "Dense(64"), GeneratorHarness.ParseOptions, path: "Input1.cs"));
        var result = driver.RunGenerators(edited).GetRunResult().Results.Single();
        var specs = result.TrackedSteps[NetworkGenerator.TrackingNames.Specs].SelectMany(s => s.Outputs).ToList();
        Assert.Contains(specs, o => o.Reason == IncrementalStepRunReason.Modified);
        Assert.Contains(specs, o => o.Reason is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged);
        Assert.Single(specs, o => o.Reason == IncrementalStepRunReason.Modified);
    }
}
