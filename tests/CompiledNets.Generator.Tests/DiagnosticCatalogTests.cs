using System.Collections.Immutable;
using CompiledNets.Generator.Tests.Infrastructure;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace CompiledNets.Generator.Tests;

/// <summary>
/// Every CN diagnostic of the catalog: its ID, the source text at its location, its message, and that nothing
/// else is reported (no other generator diagnostic, no compiler warning or error, no generated source).
/// </summary>
public class DiagnosticCatalogTests
{
    private const string Tail = "[Loss(LossFunction.MeanSquaredError)] [Sgd]";

    /// <summary>One invalid declaration and what it must produce.</summary>
    public sealed record Case(string Name, string Id, string Source, string At, params string[] Message)
    {
        public override string ToString() => Name;
    }

    public static readonly Case[] Cases =
    {
        new("not partial", "CN0001", $"[Network(Inputs = 2)] [Dense(1)] {Tail}\npublic class Plain;", "Plain",
            "The network class 'Plain' must be declared partial", "write 'public partial class Plain'"),
        new("static", "CN0002", $"[Network(Inputs = 2)] [Dense(1)] {Tail}\npublic static partial class Fixed;", "Fixed", "'Fixed' is static"),
        new("abstract", "CN0002", $"[Network(Inputs = 2)] [Dense(1)] {Tail}\npublic abstract partial class Base;", "Base", "'Base' is abstract"),
        new("generic", "CN0002", $"[Network(Inputs = 2)] [Dense(1)] {Tail}\npublic partial class Gen<T>;", "Gen", "'Gen' is generic"),
        new("record", "CN0002", $"[Network(Inputs = 2)] [Dense(1)] {Tail}\npublic partial record Rec;", "Rec", "'Rec' is a record"),
        new("file-local", "CN0002", $"[Network(Inputs = 2)] [Dense(1)] {Tail}\nfile partial class Local;", "Local", "'Local' is file-local"),
        new("nested in generic", "CN0002", $"public partial class Outer<T>\n{{\n    [Network(Inputs = 2)] [Dense(1)] {Tail}\n    public partial class Inner;\n}}", "Inner",
            "'Inner' is nested in the generic type 'Outer'"),
        new("nested in interface", "CN0002", $"public partial interface IHost\n{{\n    [Network(Inputs = 2)] [Dense(1)] {Tail}\n    public partial class Inner;\n}}", "Inner",
            "'Inner' is nested in the interface 'IHost'"),
        new("inputs zero", "CN0003", $"[Network(Inputs = 0)] [Dense(1)] {Tail}\npublic partial class NoInputs;", "Network(Inputs = 0)",
            "[Network] on 'NoInputs' has Inputs = 0", "[Network(Inputs = 784)]"),
        new("inputs missing", "CN0003", $"[Network] [Dense(1)] {Tail}\npublic partial class NoInputs;", "Network", "Inputs = 0"),
        new("inputs negative", "CN0003", $"[Network(Inputs = -3)] [Dense(1)] {Tail}\npublic partial class NoInputs;", "Network(Inputs = -3)", "Inputs = -3"),
        new("units zero", "CN0004", $"[Network(Inputs = 4)] [Dense(8)] [Dense(0, Activation.ReLU)] [Dense(1)] {Tail}\npublic partial class Hollow;", "Dense(0, Activation.ReLU)",
            "Layer 2 (Dense 0) has 0 units", "[Dense(128, Activation.ReLU)]"),
        new("units negative", "CN0004", $"[Network(Inputs = 4)] [Dense(-7)] {Tail}\npublic partial class Hollow;", "Dense(-7)", "Layer 1 (Dense -7) has -7 units"),
        new("no layers", "CN0005", $"[Network(Inputs = 4)] {Tail}\npublic partial class Nothing;", "Network(Inputs = 4)",
            "'Nothing' declares no layers", "[Dense(10, Activation.Softmax)]"),
        new("no loss", "CN0006", "[Network(Inputs = 4)] [Dense(1)] [Sgd]\npublic partial class Lossless;", "Network(Inputs = 4)",
            "'Lossless' declares no loss", "[Loss(LossFunction.CrossEntropy)]"),
        new("no optimizer", "CN0007", "[Network(Inputs = 4)] [Dense(1)] [Loss(LossFunction.MeanSquaredError)]\npublic partial class Idle;", "Network(Inputs = 4)",
            "'Idle' declares no optimizer", "[Adam(LearningRate = 1e-3f)]"),
        new("two optimizers", "CN0008", "[Network(Inputs = 4)] [Dense(1)] [Loss(LossFunction.MeanSquaredError)] [Sgd] [Adam(LearningRate = 0.01f)]\npublic partial class Torn;",
            "Adam(LearningRate = 0.01f)", "'Torn' declares 2 optimizers ([Sgd], [Adam]); keep exactly one"),
        new("cross-entropy without softmax", "CN0009", "[Network(Inputs = 4)] [Dense(8, Activation.ReLU)] [Dense(3, Activation.Sigmoid)] [Loss(LossFunction.CrossEntropy)] [Adam]\npublic partial class Mixed;",
            "Dense(3, Activation.Sigmoid)", "CrossEntropy needs a Softmax output, but the last layer 2 (Dense 3) uses Sigmoid", "declare [Dense(3, Activation.Softmax)] last"),
        new("binary cross-entropy with softmax", "CN0009", "[Network(Inputs = 4)] [Dense(2, Activation.Softmax)] [Loss(LossFunction.BinaryCrossEntropy)] [Adam]\npublic partial class Mixed;",
            "Dense(2, Activation.Softmax)", "BinaryCrossEntropy needs a Sigmoid output, but the last layer 1 (Dense 2) uses Softmax", "keep Softmax and use LossFunction.CrossEntropy"),
        new("cross-entropy over one unit", "CN0009", "[Network(Inputs = 4)] [Dense(1, Activation.Softmax)] [Loss(LossFunction.CrossEntropy)] [Adam]\npublic partial class OneClass;",
            "Dense(1, Activation.Softmax)", "Softmax over one unit (always 1)", "[Dense(1, Activation.Sigmoid)] with LossFunction.BinaryCrossEntropy"),
        new("softmax before the last layer", "CN0010", "[Network(Inputs = 4)] [Dense(8, Activation.Softmax)] [Dense(3, Activation.Softmax)] [Loss(LossFunction.CrossEntropy)] [Adam]\npublic partial class Early;",
            "Dense(8, Activation.Softmax)", "Layer 1 (Dense 8) uses Softmax, which is only valid on the last layer"),
        new("step", "CN0011", $"[Network(Inputs = 2)] [Dense(1, Activation.Step)] {Tail}\npublic partial class Perceptron;", "Dense(1, Activation.Step)",
            "Layer 1 (Dense 1) uses Step", "use Sigmoid"),
        new("learning rate zero", "CN0012", "[Network(Inputs = 2)] [Dense(1)] [Loss(LossFunction.MeanSquaredError)] [Sgd(LearningRate = 0)]\npublic partial class Stuck;",
            "Sgd(LearningRate = 0)", "[Sgd]: LearningRate = 0 is out of range; it must be a finite number > 0, for example LearningRate = 0.01f"),
        new("learning rate NaN", "CN0012", "[Network(Inputs = 2)] [Dense(1)] [Loss(LossFunction.MeanSquaredError)] [Adam(LearningRate = float.NaN)]\npublic partial class Stuck;",
            "Adam(LearningRate = float.NaN)", "[Adam]: LearningRate = NaN is out of range"),
        new("learning rate infinite", "CN0012", "[Network(Inputs = 2)] [Dense(1)] [Loss(LossFunction.MeanSquaredError)] [Sgd(LearningRate = float.PositiveInfinity)]\npublic partial class Stuck;",
            "Sgd(LearningRate = float.PositiveInfinity)", "LearningRate = Infinity is out of range"),
        new("beta1 one", "CN0012", "[Network(Inputs = 2)] [Dense(1)] [Loss(LossFunction.MeanSquaredError)] [Adam(Beta1 = 1f)]\npublic partial class Stuck;",
            "Adam(Beta1 = 1f)", "[Adam]: Beta1 = 1 is out of range; it must be in [0, 1), for example Beta1 = 0.9f"),
        new("beta2 NaN", "CN0012", "[Network(Inputs = 2)] [Dense(1)] [Loss(LossFunction.MeanSquaredError)] [Adam(Beta2 = float.NaN)]\npublic partial class Stuck;",
            "Adam(Beta2 = float.NaN)", "[Adam]: Beta2 = NaN is out of range"),
        new("epsilon negative", "CN0012", "[Network(Inputs = 2)] [Dense(1)] [Loss(LossFunction.MeanSquaredError)] [Adam(Epsilon = -1e-8f)]\npublic partial class Stuck;",
            "Adam(Epsilon = -1e-8f)", "[Adam]: Epsilon = -1E-08 is out of range; it must be a finite number > 0"),
        new("alpha negative", "CN0012", $"[Network(Inputs = 2)] [Dense(4, Activation.LeakyReLU, Alpha = -0.5f)] [Dense(1)] {Tail}\npublic partial class Leaky;",
            "Dense(4, Activation.LeakyReLU, Alpha = -0.5f)", "Layer 1 (Dense 4): Alpha = -0.5 is out of range; it must be a finite number >= 0"),
        new("alpha NaN written out", "CN0012", $"[Network(Inputs = 2)] [Dense(4, Activation.ELU, Alpha = float.NaN)] [Dense(1)] {Tail}\npublic partial class Leaky;",
            "Dense(4, Activation.ELU, Alpha = float.NaN)", "Alpha = NaN is out of range", "for example Alpha = 1f"),
        new("undefined activation", "CN0013", $"[Network(Inputs = 2)] [Dense(3, (Activation)42)] [Dense(1)] {Tail}\npublic partial class Odd;", "Dense(3, (Activation)42)",
            "Layer 1 (Dense 3): 42 is not a defined Activation value", "Activation.ReLU"),
        new("undefined loss", "CN0013", "[Network(Inputs = 2)] [Dense(1)] [Loss((LossFunction)7)] [Sgd]\npublic partial class Odd;", "Loss((LossFunction)7)",
            "[Loss]: 7 is not a defined LossFunction value", "LossFunction.CrossEntropy"),
        new("undefined init", "CN0013", $"[Network(Inputs = 2)] [Dense(1, Init = (Init)99)] {Tail}\npublic partial class Odd;", "Dense(1, Init = (Init)99)",
            "Layer 1 (Dense 1) Init: 99 is not a defined Init value"),
        new("member Predict", "CN0014", $"[Network(Inputs = 2)] [Dense(1)] {Tail}\npublic partial class Clash\n{{\n    public int Predict => 1;\n}}", "Predict",
            "'Clash' already declares a member named 'Predict'", "rename or remove it"),
        new("private buffer name", "CN0014", $"[Network(Inputs = 2)] [Dense(1)] {Tail}\npublic partial class Clash\n{{\n    private readonly float[] _parameters = new float[1];\n    public float First => _parameters[0];\n}}", "_parameters",
            "a member named '_parameters'"),
        new("layer constant name", "CN0014", $"[Network(Inputs = 2)] [Dense(1)] {Tail}\npublic partial class Clash\n{{\n    public const int Dense1Units = 3;\n}}", "Dense1Units",
            "a member named 'Dense1Units'"),
        new("seed constructor", "CN0014", $"[Network(Inputs = 2)] [Dense(1)] {Tail}\npublic partial class Clash\n{{\n    public Clash(int seed) {{ }}\n}}", "Clash",
            "'Clash' already declares the constructor Clash(int)"),
        new("split declarations", "CN0015", $"[Network(Inputs = 2)] [Dense(4)]\npublic partial class Split;\n[Dense(1)] {Tail}\npublic partial class Split;", "Dense(1)",
            "'Split' has network, layer, loss or optimizer attributes on 2 partial declarations"),
        new("parameter overflow", "CN0016", "[Network(Inputs = 2147483647)] [Dense(2147483647)] [Dense(2147483647)] [Dense(2147483647)] [Loss(LossFunction.MeanSquaredError)] [Sgd]\npublic partial class Huge;",
            "Network(Inputs = 2147483647)", "'Huge' needs more than 1,125,899,906,842,624 values for its parameters, more than one array can hold (2,147,483,576)"),
        new("parameter count just over", "CN0016", "[Network(Inputs = 46340)] [Dense(46341)] [Loss(LossFunction.MeanSquaredError)] [Sgd]\npublic partial class Big;",
            "Network(Inputs = 46340)", "'Big' needs 2,147,488,281 values for its parameters"),
        new("Adam state overflow", "CN0016", "[Network(Inputs = 40000)] [Dense(40000)] [Loss(LossFunction.MeanSquaredError)] [Adam]\npublic partial class Moments;",
            "Network(Inputs = 40000)", "'Moments' needs 3,200,080,000 values for the Adam state (2 per parameter × 1,600,040,000 parameters)"),
        new("max batch size zero", "CN0017", $"[Network(Inputs = 2, MaxBatchSize = 0)] [Dense(1)] {Tail}\npublic partial class Tiny;", "Network(Inputs = 2, MaxBatchSize = 0)",
            "[Network] on 'Tiny' has MaxBatchSize = 0; it must be between 1 and 1048576"),
        new("containing type not partial", "CN0018", $"public class Host\n{{\n    [Network(Inputs = 2)] [Dense(1)] {Tail}\n    public partial class Inner;\n}}", "Host",
            "'Host' contains the network 'Inner', so it must be declared partial as well: write 'partial class Host'"),
        new("layers without [Network]", "CN0019", $"[Dense(8, Activation.ReLU)] [Dense(1)] {Tail}\npublic partial class Forgotten;", "Dense(8, Activation.ReLU)",
            "[Dense] on 'Forgotten' has no effect because 'Forgotten' is not marked [Network]"),
        new("optimizer without [Network]", "CN0019", "[Adam]\npublic class JustAdam;", "Adam", "[Adam] on 'JustAdam' has no effect"),
        new("primary constructor", "CN0020", $"[Network(Inputs = 2)] [Dense(1)] {Tail}\npublic partial class Primary(string name)\n{{\n    public string Name => name;\n}}", "Primary",
            "'Primary' has a primary constructor", "remove the parameter list"),
        new("training buffers too large", "CN0021", $"[Network(Inputs = 1)] [Dense(100000000)] {Tail}\npublic partial class Wide;", "Network(Inputs = 1)",
            "'Wide' needs MaxBatchSize (256) × the widest layer (100,000,000) = 25,600,000,000 values for one training buffer"),
        new("class named like a generated member", "CN0022", $"[Network(Inputs = 2)] [Dense(1)] {Tail}\npublic partial class OptimizerMomentum;", "OptimizerMomentum",
            "The network class is named 'OptimizerMomentum'", "'OptimizerMomentumNet'"),
        new("optimizer on an inference-only network", "CN0023", "[Network(Inputs = 2, InferenceOnly = true)] [Dense(1, Activation.Step)] [Sgd]\npublic partial class Gate;", "Sgd",
            "'Gate' is declared InferenceOnly", "remove [Sgd]"),
        new("input shape of rank 2", "CN0024", $"[Network(InputShape = new[] {{ 28, 28 }})] [Flatten] [Dense(1)] {Tail}\npublic partial class Flat;", "Network(InputShape = new[] { 28, 28 })",
            "[Network] on 'Flat' has InputShape = new[] { 28, 28 }", "new[] { 1, 28, 28 }"),
        new("input shape with a zero", "CN0024", $"[Network(InputShape = new[] {{ 1, 0, 28 }})] [Flatten] [Dense(1)] {Tail}\npublic partial class Empty;", "Network(InputShape = new[] { 1, 0, 28 })",
            "InputShape = new[] { 1, 0, 28 }"),
        new("inputs that disagree with the shape", "CN0025", $"[Network(Inputs = 784, InputShape = new[] {{ 3, 28, 28 }})] [Flatten] [Dense(1)] {Tail}\npublic partial class Colour;",
            "Network(Inputs = 784, InputShape = new[] { 3, 28, 28 })", "declares Inputs = 784, but InputShape = new[] { 3, 28, 28 } holds 2352 values"),
        new("kernel larger than the input", "CN0026", $"[Network(InputShape = new[] {{ 1, 4, 4 }})] [Conv2D(2, 5)] [Flatten] [Dense(1)] {Tail}\npublic partial class Small;", "Conv2D(2, 5)",
            "Layer 1 (Conv2D 2) has a 5x5 window but its input is [1, 4, 4] (padded: 4x4)", "Padding = Padding.Same"),
        new("pool window larger than what is left", "CN0026", $"[Network(InputShape = new[] {{ 1, 6, 6 }})] [Conv2D(2, 3)] [MaxPool2D(2)] [MaxPool2D(3)] [Flatten] [Dense(1)] {Tail}\npublic partial class Shrunk;", "MaxPool2D(3)",
            "Layer 3 (MaxPool2D 3) has a 3x3 window but its input is [2, 2, 2]"),
        new("dense after an image", "CN0027", $"[Network(InputShape = new[] {{ 1, 8, 8 }})] [Conv2D(2, 3)] [Dense(1)] {Tail}\npublic partial class Unflattened;", "Dense(1)",
            "Layer 2 (Dense 1) needs a vector of features but gets the [2, 6, 6] image of layer 1 (Conv2D 2)", "add [Flatten]"),
        new("convolution after a vector", "CN0028", $"[Network(Inputs = 64)] [Conv2D(2, 3)] [Flatten] [Dense(1)] {Tail}\npublic partial class Unshaped;", "Conv2D(2, 3)",
            "Layer 1 (Conv2D 2) needs a [channels, height, width] input but gets the [64] vector of the network's input", "InputShape"),
        new("unknown source", "CN0029", $"[Network(Inputs = 4)] [Dense(3, Name = \"a\")] [Dense(1, From = \"b\")] {Tail}\npublic partial class Unknown;", "Dense(1, From = \"b\")",
            "Layer 2 (Dense 1) reads 'b', which is not declared", "('input', 'a')"),
        new("duplicate name", "CN0030", $"[Network(Inputs = 4)] [Dense(3, Name = \"a\")] [Dense(1, Name = \"a\")] {Tail}\npublic partial class Twice;", "Dense(1, Name = \"a\")",
            "Layer 2 (Dense 1) is named 'a', like Layer 1 (Dense 3)"),
        new("merge of one", "CN0031", $"[Network(Inputs = 4)] [Dense(3, Name = \"a\")] [Add(\"a\")] [Dense(1)] {Tail}\npublic partial class Lonely;", "Add(\"a\")",
            "Layer 2 (Add) merges only 'a'"),
        new("merge of different shapes", "CN0032", $"[Network(Inputs = 4)] [Dense(3, Name = \"a\")] [Multiply(\"a\", \"input\")] [Dense(1)] {Tail}\npublic partial class Mismatch;", "Multiply(\"a\", \"input\")",
            "Layer 2 (Multiply) cannot merge 'a' [3] with 'input' [4]"),
        new("input of size 0", "CN0033", $"[Network] [Input(\"x\", 0)] [Dense(1)] {Tail}\npublic partial class Empty;", "Input(\"x\", 0)",
            "[Input] on 'Empty' declares 'x' with shape { 0 }"),
        new("name that is not an identifier", "CN0035", $"[Network(Inputs = 4)] [Dense(3, Name = \"a b\")] [Dense(1)] {Tail}\npublic partial class Spaced;", "Dense(3, Name = \"a b\")",
            "Layer 1 (Dense 3) is named 'a b'"),
    };

    public static TheoryData<Case> AllCases() => new(Cases);

    [Theory]
    [MemberData(nameof(AllCases))]
    public void Reports_exactly_one_diagnostic_at_the_right_place(Case @case)
    {
        var run = GeneratorHarness.Run("using CompiledNets;\n" + @case.Source);
        var diagnostic = Assert.Single(run.GeneratorDiagnostics);
        Assert.Equal(@case.Id, diagnostic.Id);
        Assert.Equal(DiagnosticSeverity.Error, diagnostic.Severity);
        Assert.True(diagnostic.Location.IsInSource);
        Assert.Same(run.Input.SyntaxTrees.Single(), diagnostic.Location.SourceTree);
        Assert.Equal(@case.At, At(diagnostic));
        string message = diagnostic.GetMessage(System.Globalization.CultureInfo.InvariantCulture);
        foreach (string part in @case.Message) Assert.Contains(part, message);
        // A class that can be completed gets its public shell (so its uses compile); the shell adds no warning or error.
        if (CannotBeCompleted.Contains(@case.Id)) Assert.Empty(run.Sources);
        else Assert.True(GeneratorRun.IsShell(Assert.Single(run.Sources).Source), "expected the public shell of the class");
        Assert.Empty(run.CompilationDiagnostics);
    }

    /// <summary>Not partial, not a plain class, a colliding member, a non-partial container, not a network, a primary constructor, a colliding name.</summary>
    private static readonly HashSet<string> CannotBeCompleted = ["CN0001", "CN0002", "CN0014", "CN0018", "CN0019", "CN0020", "CN0022"];

    [Fact]
    public void Every_diagnostic_of_the_catalog_has_a_case()
    {
        var covered = Cases.Select(c => c.Id).ToHashSet();
        // Warnings leave the network generated, so they are tested where they arise (GraphDiagnosticTests).
        var missing = Diagnostics.All.Values.Where(d => d.Id != "CN0099" && d.DefaultSeverity == DiagnosticSeverity.Error && !covered.Contains(d.Id)).Select(d => d.Id).ToList();
        Assert.Empty(missing);
    }

    [Theory]
    [InlineData("[Network(Inputs = 2)] [Dense(1)] [Loss(LossFunction.MeanSquaredError)] [Loss(LossFunction.MeanSquaredError)] [Sgd]\npublic partial class TwoLosses;", "CS0579")]
    [InlineData("[Network(Inputs = 2)] [Dense(1)] [Loss(LossFunction.MeanSquaredError)] [Sgd] [Sgd]\npublic partial class TwoSgd;", "CS0579")]
    [InlineData("[Network(Inputs = 2)] [Dense(1)] [Loss(LossFunction.MeanSquaredError)] [Sgd]\npublic partial class Twice;\n[Network(Inputs = 2)]\npublic partial class Twice;", "CS0579")]
    [InlineData("[Network(Inputs = 2)] [Dense(\"x\")] [Loss(LossFunction.MeanSquaredError)] [Sgd]\npublic partial class Text;", "CS1503")]
    [InlineData("[Network(Inputs = 2)] [Dense(1, Alpha = \"x\")] [Loss(LossFunction.MeanSquaredError)] [Sgd]\npublic partial class Text;", "CS0029")]
    [InlineData("[Network(Inputs = 2)] [Dense(1, Nope = 3)] [Loss(LossFunction.MeanSquaredError)] [Sgd]\npublic partial class Text;", "CS0246")]
    [InlineData("[Network(Inputs = 2)] [Dense] [Loss(LossFunction.MeanSquaredError)] [Sgd]\npublic partial class Text;", "CS7036")]
    [InlineData("[Network(Inputs = \"2\")] [Dense(1)] [Loss(LossFunction.MeanSquaredError)] [Sgd]\npublic partial class Text;", "CS0029")]
    [InlineData("[Network(Inputs = 2)] [Dense(1)] [Loss(LossFunction.MeanSquaredError)] [Sgd]\npublic partial struct Value;", "CS0592")]
    [InlineData("[Dense(1)]\npublic struct NotAClass;", "CS0592")]
    public void What_the_compiler_reports_is_not_reported_again(string source, string compilerId)
    {
        var run = GeneratorHarness.Run("using CompiledNets;\n" + source);
        Assert.Empty(run.GeneratorDiagnostics);
        Assert.Empty(run.Sources);
        var errors = run.CompilationDiagnostics.Where(d => d.Severity == DiagnosticSeverity.Error).ToList();
        Assert.NotEmpty(errors);
        Assert.Contains(errors, d => d.Id == compilerId || (compilerId == "CS0246" && d.Id is "CS0246" or "CS0117"));
    }

    [Fact]
    public void A_method_overload_with_another_signature_is_not_a_collision()
    {
        var run = GeneratorHarness.Run($$"""
            using CompiledNets;
            [Network(Inputs = 2)] [Dense(1)] {{Tail}}
            public partial class Friendly
            {
                public float[] Predict(float[] input) { var output = new float[OutputSize]; Predict(input, output); return output; }
                public Friendly(string name) : this(1) => Name = name;
                public string Name { get; } = "";
            }
            """);
        Assert.Empty(run.GeneratorDiagnostics);
        Assert.Single(run.Sources);
        Assert.Empty(run.CompilationDiagnostics);
    }

    [Fact]
    public void Several_problems_are_all_reported_and_nothing_is_emitted()
    {
        var run = GeneratorHarness.Run("""
            using CompiledNets;
            [Network(Inputs = 0)] [Dense(0, Activation.Softmax)] [Dense(2, Activation.Step)] [Loss(LossFunction.CrossEntropy)] [Adam(LearningRate = -1f)] [Sgd]
            public class Broken;
            """);
        Assert.Empty(run.Sources);
        Assert.Equal(new[] { "CN0001", "CN0003", "CN0004", "CN0008", "CN0010", "CN0011", "CN0012" }, run.GeneratorDiagnostics.Select(d => d.Id).Order());
        Assert.Empty(run.CompilationDiagnostics);
    }

    [Fact]
    public void Pragma_warning_disable_suppresses_a_CN_error()
    {
        // RunGeneratorsAndUpdateCompilation filters generator diagnostics through the compilation's options and
        // the #pragma state of the tree, as csc does: a suppressed diagnostic comes back with IsSuppressed.
        var run = GeneratorHarness.Run("""
            using CompiledNets;
            #pragma warning disable CN0011 // an inference-only perceptron: never trained
            [Network(Inputs = 2)] [Dense(1, Activation.Step)] [Loss(LossFunction.MeanSquaredError)] [Sgd]
            public partial class Perceptron;
            #pragma warning restore CN0011
            [Network(Inputs = 2)] [Dense(1, Activation.Step)] [Loss(LossFunction.MeanSquaredError)] [Sgd]
            public partial class Reported;
            """);
        Assert.Equal(2, run.GeneratorDiagnostics.Length);
        Assert.All(run.GeneratorDiagnostics, d => Assert.Equal("CN0011", d.Id));
        var suppressed = Assert.Single(run.GeneratorDiagnostics, d => d.IsSuppressed);
        var reported = Assert.Single(run.GeneratorDiagnostics, d => !d.IsSuppressed);
        Assert.Equal(2, suppressed.Location.GetLineSpan().StartLinePosition.Line);
        Assert.Equal(5, reported.Location.GetLineSpan().StartLinePosition.Line);
        // A build fails on unsuppressed errors only.
        Assert.Single(run.GeneratorDiagnostics, d => d.Severity == DiagnosticSeverity.Error && !d.IsSuppressed);
    }

    [Fact]
    public void Editorconfig_style_severity_options_apply()
    {
        var input = GeneratorHarness.CreateCompilation("""
            using CompiledNets;
            [Network(Inputs = 2)] [Dense(1, Activation.Step)] [Loss(LossFunction.MeanSquaredError)] [Sgd]
            public partial class Perceptron;
            """);
        input = input.WithOptions(input.Options.WithSpecificDiagnosticOptions(ImmutableDictionary<string, ReportDiagnostic>.Empty.Add("CN0011", ReportDiagnostic.Suppress)));
        GeneratorHarness.CreateDriver().RunGeneratorsAndUpdateCompilation(input, out _, out var diagnostics);
        Assert.Empty(diagnostics);

        input = input.WithOptions(input.Options.WithSpecificDiagnosticOptions(ImmutableDictionary<string, ReportDiagnostic>.Empty.Add("CN0011", ReportDiagnostic.Warn)));
        GeneratorHarness.CreateDriver().RunGeneratorsAndUpdateCompilation(input, out _, out diagnostics);
        Assert.Equal(DiagnosticSeverity.Warning, Assert.Single(diagnostics).Severity);
    }

    internal static string At(Diagnostic diagnostic) =>
        diagnostic.Location.SourceTree!.GetText().ToString(diagnostic.Location.SourceSpan);
}
