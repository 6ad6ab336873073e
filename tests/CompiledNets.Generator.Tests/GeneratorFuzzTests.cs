using System.Globalization;
using System.Text;
using CompiledNets.Generator.Tests.Infrastructure;
using CsCheck;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Text;
using Xunit.Abstractions;

namespace CompiledNets.Generator.Tests;

/// <summary>
/// Property: for any attribute combination a user can write, the generator never throws (no CS8785, no CN0099),
/// and each class either gets code that compiles without warnings or errors, or CN diagnostics and at most its public
/// shell (which compiles without warnings or errors too), never a network.
/// Each sample is a file of up to six random classes (random class shape, layer counts, units including 0,
/// negative and huge, undefined enum casts, NaN/infinite/negative floats, missing and duplicate loss and
/// optimizers, colliding members); one generator run and one compilation per sample keeps it fast.
/// </summary>
public class GeneratorFuzzTests(ITestOutputHelper output)
{
    // × 1..6 classes: about 1,400 random declarations in ~30 s on two cores; COMPILEDNETS_FUZZ_ITERATIONS for longer runs.
    private static readonly int Iterations = int.TryParse(Environment.GetEnvironmentVariable("COMPILEDNETS_FUZZ_ITERATIONS"), out int n) && n > 0 ? n : 400;

    /// <summary>A random network declaration; <see cref="Source"/> is compiler-valid unless <see cref="ExpectCompilerError"/>.</summary>
    internal sealed record Declaration(string Name, string Source, bool HasNetwork, bool ExpectCompilerError);

    private static readonly string[] Shapes =
    {
        "public partial class {0}", "public partial class {0}", "public partial class {0}", "public sealed partial class {0}",
        "internal partial class {0}", "public class {0}", "public static partial class {0}", "public abstract partial class {0}",
        "public partial class {0}<T>", "public partial record {0}", "public partial class {0}(int size)",
    };

    private static readonly string[] FloatSpecials = { "float.NaN", "float.PositiveInfinity", "float.NegativeInfinity", "0f", "-1f", "1f", "1e30f", "-0f", "1e-45f" };

    internal static Declaration Build(int seed, int index)
    {
        var random = new Random(seed);
        string name = "Net" + index.ToString(CultureInfo.InvariantCulture);
        // A third of the samples are valid networks with random sizes, activations and hyper-parameters, the rest hostile.
        if (random.Next(3) == 0) return BuildValid(random, name);
        var attributes = new List<string>();
        bool compilerError = false;
        bool hasNetwork = random.Next(10) > 0;
        if (hasNetwork)
        {
            var arguments = new List<string>();
            if (random.Next(8) > 0) arguments.Add("Inputs = " + Pick(random, "1", "2", "3", "5", "16", "784", "0", "-1", "2147483647", "46340", "100000"));
            if (random.Next(4) == 0) arguments.Add("MaxBatchSize = " + Pick(random, "1", "64", "0", "-5", "1048576", "1048577", "2147483647"));
            if (random.Next(4) == 0) arguments.Add("Seed = " + random.Next(int.MinValue, int.MaxValue).ToString(CultureInfo.InvariantCulture));
            attributes.Add(arguments.Count == 0 ? "Network" : "Network(" + string.Join(", ", arguments) + ")");
        }
        int layers = random.Next(10) switch { 0 => 0, < 4 => 1, < 7 => 2, < 9 => 3, _ => 5 };
        for (int i = 0; i < layers; i++)
        {
            string units = random.Next(12) switch
            {
                0 => Pick(random, "0", "-1", "-2147483648", "2147483647", "100000000", "46341", "65536"),
                _ => (1 + random.Next(12)).ToString(CultureInfo.InvariantCulture),
            };
            var arguments = new List<string> { units };
            if (random.Next(5) > 0) arguments.Add(EnumValue<Activation>(random, 12));
            if (random.Next(6) == 0) arguments.Add("Alpha = " + FloatValue(random, "0.01f"));
            if (random.Next(8) == 0) arguments.Add("Init = " + EnumValue<Init>(random, 8));
            if (random.Next(10) == 0) arguments.Add("BiasInit = " + EnumValue<Init>(random, 8));
            attributes.Add("Dense(" + string.Join(", ", arguments) + ")");
        }
        int losses = random.Next(12) switch { 0 => 0, 1 => 2, _ => 1 };
        compilerError |= losses > 1;
        for (int i = 0; i < losses; i++) attributes.Add("Loss(" + EnumValue<LossFunction>(random, 4) + ")");
        int optimizerRoll = random.Next(12);
        if (optimizerRoll is >= 1 and < 7 || optimizerRoll == 11) attributes.Add(random.Next(4) == 0 ? "Sgd" : "Sgd(LearningRate = " + FloatValue(random, "0.05f") + ")");
        if (optimizerRoll >= 6)
        {
            var arguments = new List<string>();
            if (random.Next(2) == 0) arguments.Add("LearningRate = " + FloatValue(random, "0.001f"));
            if (random.Next(4) == 0) arguments.Add("Beta1 = " + FloatValue(random, "0.9f"));
            if (random.Next(4) == 0) arguments.Add("Beta2 = " + FloatValue(random, "0.999f"));
            if (random.Next(4) == 0) arguments.Add("Epsilon = " + FloatValue(random, "1e-8f"));
            attributes.Add(arguments.Count == 0 ? "Adam" : "Adam(" + string.Join(", ", arguments) + ")");
        }
        if (optimizerRoll == 11 && random.Next(3) == 0) { attributes.Add("Sgd"); compilerError = true; }
        // Attribute order only matters among layers; move the others around.
        if (random.Next(5) == 0 && attributes.Count > 1)
        {
            string moved = attributes[0];
            attributes.RemoveAt(0);
            if (!moved.StartsWith("Dense", StringComparison.Ordinal)) attributes.Insert(random.Next(attributes.Count + 1), moved);
            else attributes.Add(moved);
        }

        string shape = random.Next(3) == 0 ? Shapes[random.Next(Shapes.Length)] : Shapes[0];
        bool isStatic = shape.Contains("static", StringComparison.Ordinal);
        string body = (random.Next(8), isStatic) switch
        {
            (0, false) => "\n{\n    public int Predict => 1;\n}",
            (1, false) => "\n{\n    public float[] Predict(float[] input) => input;\n}",
            (2, false) => $"\n{{\n    public {name}(int seed) {{ }}\n}}",
            (3, _) => "\n{\n    public const int Dense1Units = 3;\n}",
            _ => shape.Contains("(int size)", StringComparison.Ordinal) ? "\n{\n    public int Size => size;\n}" : ";",
        };
        var text = new StringBuilder();
        bool nested = random.Next(8) == 0;
        string outer = Pick(random, "public partial class Host{0}<TOuter>", "public partial class Host{0}", "public class Host{0}", "public partial struct Host{0}");
        if (nested) text.Append(string.Format(CultureInfo.InvariantCulture, outer, index)).Append("\n{\n");
        text.Append('[').Append(string.Join("] [", attributes)).Append("]\n");
        text.Append(string.Format(CultureInfo.InvariantCulture, shape, name)).Append(body).Append('\n');
        if (nested) text.Append("}\n");
        if (attributes.Count == 0) text.Insert(0, "// no attributes\n");
        return new Declaration(name, text.ToString(), hasNetwork, compilerError);
    }

    private static Declaration BuildValid(Random random, string name)
    {
        string[] hidden = { "Linear", "Sigmoid", "Tanh", "ReLU", "LeakyReLU", "ELU", "GELU", "SiLU" };
        var attributes = new List<string> { "Network(Inputs = " + Pick(random, "1", "2", "3", "7", "16", "33", "784") + (random.Next(3) == 0 ? ", MaxBatchSize = " + Pick(random, "1", "5", "64", "300") : "") + ")" };
        int layers = 1 + random.Next(3);
        for (int i = 0; i < layers - 1; i++)
            attributes.Add($"Dense({1 + random.Next(40)}, Activation.{hidden[random.Next(hidden.Length)]}{(random.Next(6) == 0 ? ", Alpha = 0.2f" : "")}{(random.Next(6) == 0 ? ", Init = Init.HeNormal" : "")})");
        switch (random.Next(3))
        {
            case 0: attributes.Add($"Dense({1 + random.Next(5)}, Activation.{hidden[random.Next(hidden.Length)]})"); attributes.Add("Loss(LossFunction.MeanSquaredError)"); break;
            case 1: attributes.Add($"Dense({1 + random.Next(5)}, Activation.Sigmoid)"); attributes.Add("Loss(LossFunction.BinaryCrossEntropy)"); break;
            default: attributes.Add($"Dense({2 + random.Next(9)}, Activation.Softmax)"); attributes.Add("Loss(LossFunction.CrossEntropy)"); break;
        }
        attributes.Add(random.Next(2) == 0
            ? "Sgd(LearningRate = " + ((float)random.NextDouble() + 1e-4f).ToString("R", CultureInfo.InvariantCulture) + "f)"
            : "Adam(LearningRate = 1e-3f, Beta1 = " + ((float)random.NextDouble() * 0.99f).ToString("R", CultureInfo.InvariantCulture) + "f, Epsilon = 1e-7f)");
        string shape = Pick(random, "public partial class {0}", "public sealed partial class {0}", "internal partial class {0}");
        string body = random.Next(4) == 0 ? "\n{\n    public float[] Predict(float[] input) => input;\n}" : ";";
        string source = "[" + string.Join("] [", attributes) + "]\n" + string.Format(CultureInfo.InvariantCulture, shape, name) + body + "\n";
        return new Declaration(name, source, HasNetwork: true, ExpectCompilerError: false);
    }

    private static string Pick(Random random, params string[] values) => values[random.Next(values.Length)];

    private static string EnumValue<T>(Random random, int range) where T : struct, Enum
    {
        int value = random.Next(-1, range);
        return Enum.IsDefined(typeof(T), value) ? typeof(T).Name + "." + Enum.GetName(typeof(T), value) : $"({typeof(T).Name})({value.ToString(CultureInfo.InvariantCulture)})";
    }

    private static string FloatValue(Random random, string typical) => random.Next(3) switch
    {
        0 => FloatSpecials[random.Next(FloatSpecials.Length)],
        1 => ((float)(random.NextDouble() * 2 - 0.5)).ToString("R", CultureInfo.InvariantCulture) + "f",
        _ => typical,
    };

    [Fact]
    public void Any_declaration_gives_compiling_code_or_CN_diagnostics_and_never_crashes()
    {
        var gen = Gen.Int.Array[1, 6];
        int networks = 0, emitted = 0, rejected = 0;
        gen.Sample(seeds =>
        {
            var declarations = seeds.Select((s, i) => Build(s, i)).ToArray();
            Check(declarations, ref emitted, ref rejected);
            Interlocked.Add(ref networks, declarations.Length);
        }, iter: Iterations, threads: 2, print: seeds => string.Join(Environment.NewLine + Environment.NewLine, seeds.Select((s, i) => Build(s, i).Source)));
        output.WriteLine($"{networks} random declarations: {emitted} emitted and compiled, {rejected} rejected with CN diagnostics");
        Assert.True(emitted > 50 && rejected > 50, $"emitted {emitted}, rejected {rejected}: the generator of declarations is unbalanced");
    }

    private static void Check(Declaration[] declarations, ref int emitted, ref int rejected)
    {
        // One file; each declaration owns its text span.
        var text = new StringBuilder("using CompiledNets;\n");
        var spans = new List<TextSpan>();
        foreach (var declaration in declarations)
        {
            int start = text.Length;
            text.Append(declaration.Source).Append('\n');
            spans.Add(TextSpan.FromBounds(start, text.Length));
        }
        var run = GeneratorHarness.Run(text.ToString());
        var crashes = run.GeneratorDiagnostics.Where(d => d.Id is "CS8785" or "CN0099").ToList();
        Assert.True(crashes.Count == 0, string.Join(Environment.NewLine, crashes));
        Assert.All(run.GeneratorDiagnostics, d => Assert.StartsWith("CN", d.Id, StringComparison.Ordinal));

        var input = run.Input.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error).ToList();
        // Without generated code the output is the input: skip the expensive compilation.
        var outputProblems = run.Sources.IsEmpty ? input : run.Output.GetDiagnostics().Where(d => d.Severity >= DiagnosticSeverity.Warning).ToList();
        var userTree = run.Input.SyntaxTrees.Single();
        // Generated code never adds a warning or an error, neither in its own files nor in the user's.
        var generatedProblems = outputProblems.Where(d => d.Location.SourceTree != userTree).ToList();
        Assert.True(generatedProblems.Count == 0, string.Join(Environment.NewLine, generatedProblems.Take(5)));
        Assert.Equal(input.Count, outputProblems.Count(d => d.Severity == DiagnosticSeverity.Error));

        for (int i = 0; i < declarations.Length; i++)
        {
            var declaration = declarations[i];
            var span = spans[i];
            bool compilerErrors = input.Any(d => span.Contains(d.Location.SourceSpan));
            var cn = run.GeneratorDiagnostics.Where(d => span.Contains(d.Location.SourceSpan)).ToList();
            var mine = run.Sources.Where(s => s.HintName.Split('.').Any(part => part == declaration.Name || part.StartsWith(declaration.Name + "_", StringComparison.Ordinal))).ToList();
            bool generated = mine.Count > 0;
            if (declaration.ExpectCompilerError) Assert.True(compilerErrors, "expected a compiler error in\n" + declaration.Source);
            if (compilerErrors || cn.Count > 0)
            {
                // Despite errors, at most the class's public shell: a class with CN errors only, which compiles (checked above).
                Assert.True(mine.All(s => GeneratorRun.IsShell(s.Source)), "a network was generated despite errors for\n" + declaration.Source);
                if (cn.Count == 0) Assert.False(generated, "a shell was generated without a CN error for\n" + declaration.Source);
                if (cn.Count > 0) Interlocked.Increment(ref rejected);
            }
            else if (declaration.HasNetwork)
            {
                Assert.True(generated, "no code and no diagnostic for\n" + declaration.Source);
                Interlocked.Increment(ref emitted);
            }
        }
    }
}
