using CompiledNets.Generator.Tests.Infrastructure;

namespace CompiledNets.Generator.Tests.Emit;

public class SnapshotTests
{
    [Theory]
    [InlineData(nameof(Declarations.Xor), Declarations.Xor, "Demo.XorNet.g.cs")]
    [InlineData(nameof(Declarations.Mnist), Declarations.Mnist, "Demo.Vision.MnistNet.g.cs")]
    [InlineData(nameof(Declarations.TanhRegression), Declarations.TanhRegression, "TanhRegression.g.cs")]
    [InlineData(nameof(Declarations.Toolkit), Declarations.Toolkit, "Demo.ToolkitNet.g.cs")]
    [InlineData(nameof(Declarations.ConvNet), Declarations.ConvNet, "Demo.Vision.ConvNet.g.cs")]
    [InlineData(nameof(Declarations.ResidualNet), Declarations.ResidualNet, "Demo.Graphs.ResidualNet.g.cs")]
    public void Generated_code_matches_the_verified_snapshot(string name, string declaration, string hintName)
    {
        var run = GeneratorHarness.Run(declaration);
        Assert.Empty(run.GeneratorDiagnostics);
        Snapshot.Match(name, run.Source(hintName));
    }

    /// <summary>
    /// The class half alone (constants, tables, buffers, constructors and the INetwork members) of a two-layer network on
    /// the per-layer path, without its kernels: a change to how the class is written reads as a short diff here.
    /// </summary>
    [Fact]
    public void The_class_half_of_a_two_layer_network_matches_its_snapshot()
    {
        var run = GeneratorHarness.Run(Declarations.Mnist);
        string source = run.Source("Demo.Vision.MnistNet.g.cs");
        int kernels = source.IndexOf("namespace CompiledNets.Generated", StringComparison.Ordinal);
        Assert.True(kernels > 0, "the kernel class was not found");
        Snapshot.Match("Mnist.Class", source[..kernels]);
    }

    /// <summary>
    /// The same class predicting from bfloat16 weights: the copy's field and offsets, Parameters marking it stale, Predict
    /// bringing it up to date and reading it, the optimizer step marking it stale. Its diff to Mnist.Class is the feature.
    /// </summary>
    [Fact]
    public void The_class_half_of_a_bfloat16_inference_network_matches_its_snapshot()
    {
        var run = GeneratorHarness.Run(Declarations.MnistBFloat16);
        Assert.Empty(run.CompilationDiagnostics);
        string source = run.Source("Demo.Vision.MnistNet.g.cs");
        int kernels = source.IndexOf("namespace CompiledNets.Generated", StringComparison.Ordinal);
        Assert.True(kernels > 0, "the kernel class was not found");
        Snapshot.Match("MnistBFloat16.Class", source[..kernels]);
    }

    [Theory]
    [InlineData(Declarations.Xor)]
    [InlineData(Declarations.Mnist)]
    [InlineData(Declarations.TanhRegression)]
    [InlineData(Declarations.Toolkit)]
    [InlineData(Declarations.ConvNet)]
    [InlineData(Declarations.ResidualNet)]
    [InlineData(Declarations.TwoInputNet)]
    public void Generated_code_compiles_without_warnings(string declaration)
    {
        var run = GeneratorHarness.Run(declaration);
        Assert.Empty(run.GeneratorDiagnostics);
        Assert.Empty(run.CompilationDiagnostics);
    }

    [Fact]
    public void Generated_files_are_named_after_the_fully_qualified_type()
    {
        var run = GeneratorHarness.Run(Declarations.Xor, Declarations.Mnist);
        Assert.Equal(new[] { "Demo.Vision.MnistNet.g.cs", "Demo.XorNet.g.cs" }, run.Sources.Select(s => s.HintName).OrderBy(n => n, StringComparer.Ordinal));
    }

    [Fact]
    public void Nested_networks_are_completed_inside_their_containing_types()
    {
        var run = GeneratorHarness.Run("""
            using CompiledNets;
            namespace Outer;
            public static partial class Models
            {
                [Network(Inputs = 4)]
                [Dense(3, Activation.Softmax)]
                [Loss(LossFunction.CrossEntropy)]
                [Adam]
                public partial class Inner;
            }
            """);
        Assert.Empty(run.GeneratorDiagnostics);
        Assert.Empty(run.CompilationDiagnostics);
        Assert.Equal("Outer.Models.Inner.g.cs", run.Sources.Single().HintName);
    }
}
