using System.Collections.Generic;
using System.Linq;
using CompiledNets.Generator.Model;
using CompiledNets.Generator.Names;

namespace CompiledNets.Generator.Emit;

/// <summary>
/// Softmax over rows of a few classes, and softmax fused with cross-entropy for the last layer, unrolled over the
/// classes with four rows in the lanes of a <c>Vector128</c>. A row of 4 or 10 classes is too short for a vector loop
/// per row: the runtime's general kernel spends more on per-row calls and reductions than on the exponentials.
/// </summary>
internal static class SoftmaxEmitter
{
    private const string V = "Vector128";

    private const string LaneMath = RuntimeNames.LaneMath;

    private const string FlushNegligible = RuntimeNames.FlushNegligible;

    public static string SoftmaxName(int classes) => $"SoftmaxRows_{classes}";

    public static string LossName(int classes) => $"SoftmaxCrossEntropy_{classes}";

    /// <summary>The statement applying the softmax in place to <paramref name="span"/>, a whole number of rows.</summary>
    public static string SoftmaxCall(LayerPlan layer, string span) => $"{RuntimeNames.GeneratedKernels}.{SoftmaxName(layer.Units)}({span});";

    /// <summary>The training statement: probabilities into the output buffer, d loss / d logits into the delta, the mean loss returned.</summary>
    public static void EmitLossCall(SourceWriter w, NetworkPlan plan, string logits, string output, string delta)
    {
        w.Line($"float loss = {RuntimeNames.GeneratedKernels}.{LossName(plan.OutputSize)}({logits}, targets, {output}, {delta}, rows);");
    }

    internal static void EmitSoftmax(SourceWriter w, int classes)
    {
        w.Line("/// <summary>");
        w.Line($"/// Softmax in place over rows of {classes} values: e^(z - max) / Σ e^(z - max), shifted by the row's maximum so nothing");
        w.Line("/// overflows; a NaN anywhere in a row makes the whole row NaN. Four rows per step, one row per lane.");
        w.Line("/// </summary>");
        using (w.Block($"internal static void {SoftmaxName(classes)}(global::System.Span<float> values)"))
        {
            w.Line($"const int C = {classes};");
            w.Line("int rows = values.Length / C;");
            w.Line("ref float z = ref global::System.Runtime.InteropServices.MemoryMarshal.GetReference(values);");
            using (w.Block("for (int b = 0; b < rows; b += 4)"))
            {
                w.Line("int valid = Math.Min(4, rows - b);");
                w.Line("ref float row = ref Unsafe.Add(ref z, b * C);");
                EmitProbabilities(w, classes);
                for (int c = 0; c < classes; c++) w.Line($"StoreLanes(a{c}, ref Unsafe.Add(ref row, {c}), C, valid);");
            }
        }
        w.Line();
    }

    internal static void EmitSoftmaxCrossEntropy(SourceWriter w, int classes)
    {
        w.Line("/// <summary>");
        w.Line($"/// Softmax and cross-entropy of a batch from its logits, {classes} classes, four rows per step in the lanes of a vector.");
        w.Line("/// Writes the probabilities to <c>a</c> and d(mean loss)/d(logits) = (a - t) / rows to <c>delta</c>; returns the mean");
        w.Line("/// over rows of Σ_c t_c·(log Σ e^(z - max) - (z_c - max)): from the shifted logits, so large logits cancel exactly.");
        w.Line("/// </summary>");
        using (w.Block($"internal static float {LossName(classes)}(global::System.ReadOnlySpan<float> logits, global::System.ReadOnlySpan<float> targets, global::System.Span<float> probabilities, global::System.Span<float> delta, int rows)"))
        {
            w.Line($"const int C = {classes};");
            w.Line("if (logits.Length < rows * C || targets.Length < rows * C || probabilities.Length < rows * C || delta.Length < rows * C)");
            w.Line("    throw new global::System.ArgumentException(\"Each span must hold rows × classes values.\");");
            w.Line("ref float z = ref global::System.Runtime.InteropServices.MemoryMarshal.GetReference(logits);");
            w.Line("ref float t = ref global::System.Runtime.InteropServices.MemoryMarshal.GetReference(targets);");
            w.Line("ref float p = ref global::System.Runtime.InteropServices.MemoryMarshal.GetReference(probabilities);");
            w.Line("ref float d = ref global::System.Runtime.InteropServices.MemoryMarshal.GetReference(delta);");
            w.Line($"{V}<float> scale = {V}.Create(1f / rows);");
            w.Line($"{V}<float> lossSum = {V}<float>.Zero;");
            using (w.Block("for (int b = 0; b < rows; b += 4)"))
            {
                w.Line("int valid = Math.Min(4, rows - b);");
                w.Line("ref float row = ref Unsafe.Add(ref z, b * C);");
                EmitProbabilities(w, classes);
                w.Line($"{V}<float> logSum = {LaneMath}.Log(sum);");
                w.Line("ref float tRow = ref Unsafe.Add(ref t, b * C);");
                w.Line("ref float pRow = ref Unsafe.Add(ref p, b * C);");
                w.Line("ref float dRow = ref Unsafe.Add(ref d, b * C);");
                w.Line("// Lanes past the batch load zero targets: no loss, and nothing is stored for them.");
                for (int c = 0; c < classes; c++)
                {
                    w.Line($"{V}<float> t{c} = LoadLanes(ref Unsafe.Add(ref tRow, {c}), C, valid);");
                    w.Line($"StoreLanes(a{c}, ref Unsafe.Add(ref pRow, {c}), C, valid);");
                    w.Line($"StoreLanes({FlushNegligible}(scale * (a{c} - t{c})), ref Unsafe.Add(ref dRow, {c}), C, valid);");
                    // A zero target contributes nothing, even where log Σ - s is infinite (a logit of -∞).
                    w.Line($"lossSum += {V}.ConditionalSelect({V}.Equals(t{c}, {V}<float>.Zero), {V}<float>.Zero, t{c} * (logSum - s{c}));");
                }
            }
            w.Line($"return {V}.Sum(lossSum) / rows;");
        }
        w.Line();
    }

    /// <summary>
    /// Loads the logits z{c} of four rows (lane l = row b + l) and leaves the shifted logits s{c} = z{c} - max, the
    /// exponentials' sum <c>sum</c> and the probabilities a{c}.
    /// </summary>
    private static void EmitProbabilities(SourceWriter w, int classes)
    {
        for (int c = 0; c < classes; c++) w.Line($"{V}<float> z{c} = LoadLanes(ref Unsafe.Add(ref row, {c}), C, valid);");
        // Max (not MaxNative) so that a NaN logit in any position makes the row's maximum, and so the row, NaN.
        w.Line($"{V}<float> max = {Tree(classes, c => $"z{c}", (a, b) => $"{V}.Max({a}, {b})")};");
        for (int c = 0; c < classes; c++)
        {
            w.Line($"{V}<float> s{c} = z{c} - max;");
            w.Line($"{V}<float> e{c} = {LaneMath}.ExpNonPositive(s{c});");
        }
        w.Line($"{V}<float> sum = {Tree(classes, c => $"e{c}", (a, b) => $"({a} + {b})")};");
        w.Line($"{V}<float> inverseSum = {V}<float>.One / sum;");
        for (int c = 0; c < classes; c++) w.Line($"{V}<float> a{c} = e{c} * inverseSum;");
    }

    /// <summary>The terms 0 .. count-1 combined pairwise, so the dependency chain is log₂(count) deep.</summary>
    private static string Tree(int count, System.Func<int, string> term, System.Func<string, string, string> combine)
    {
        var level = Enumerable.Range(0, count).Select(term).ToList();
        while (level.Count > 1)
        {
            var next = new List<string>();
            for (int i = 0; i + 1 < level.Count; i += 2) next.Add(combine(level[i], level[i + 1]));
            if (level.Count % 2 == 1) next.Add(level[level.Count - 1]);
            level = next;
        }
        return level[0];
    }
}
