using System.Collections.Generic;

namespace CompiledNets.Generator.Emit;

/// <summary>
/// Emits the matrix kernels of Dense layers, once per distinct shape, into the file-local kernel class:
/// forward <c>y = x·Wᵀ + b</c>, input gradient <c>dx = dy·W</c>, weight and bias gradients <c>dW = dyᵀ·x</c>.
/// Every size is a constant, so the JIT drops bounds checks and folds the loop limits.
/// </summary>
internal static class DenseKernelEmitter
{
    /// <summary>Output rows of the forward kernel that share one load of the input row.</summary>
    private const int ForwardRows = 4;

    public static string ForwardName(int inputs, int units) => $"DenseForward_{inputs}x{units}";

    public static string InputGradientName(int inputs, int units) => $"DenseInputGradient_{inputs}x{units}";

    public static string WeightGradientName(int inputs, int units) => $"DenseWeightGradient_{inputs}x{units}";

    private static string AddScaledName(int length) => $"AddScaled_{length}";

    /// <summary>Writes every kernel the plan's layers need, each shape once.</summary>
    public static void EmitAll(SourceWriter w, NetworkPlan plan)
    {
        var forward = new HashSet<(int, int)>();
        var backward = new HashSet<(int, int)>();
        var inputGradients = new HashSet<(int, int)>();
        var addScaled = new SortedSet<int>();
        foreach (var layer in plan.Layers)
        {
            if (forward.Add((layer.Inputs, layer.Units))) EmitForward(w, layer.Inputs, layer.Units);
            if (backward.Add((layer.Inputs, layer.Units)))
            {
                EmitWeightGradient(w, layer.Inputs, layer.Units);
                addScaled.Add(layer.Inputs);
            }
            // Keyed on its own: the first layer needs no input gradient, but a later layer of the same shape does.
            if (layer.Index > 0 && inputGradients.Add((layer.Inputs, layer.Units)))
                EmitInputGradient(w, layer.Inputs, layer.Units);
        }
        foreach (int length in addScaled) EmitAddScaled(w, length);
    }

    private static void EmitForward(SourceWriter w, int k, int n)
    {
        w.Line($"/// <summary>");
        w.Line($"/// <c>y[b, o] = bias[o] + Σ_k x[b, k]·w[o, k]</c> for {k} inputs and {n} outputs. Dot-product form over the");
        w.Line($"/// contiguous rows of x and w: {ForwardRows} weight rows share each vector load of x; the widest accelerated vectors, scalar remainder.");
        w.Line($"/// </summary>");
        using (w.Block($"internal static void {ForwardName(k, n)}(ref float x, ref float w, ref float bias, ref float y, int batch)"))
        {
            w.Line($"const int K = {k}, N = {n};");
            using (w.Block("for (int b = 0; b < batch; b++)"))
            {
                w.Line("ref float xRow = ref Unsafe.Add(ref x, b * K);");
                w.Line("ref float yRow = ref Unsafe.Add(ref y, b * N);");
                w.Line("int o = 0;");
                if (n >= ForwardRows)
                {
                    using (w.Block($"for (; o <= N - {ForwardRows}; o += {ForwardRows})"))
                        EmitDotRows(w, k, ForwardRows);
                }
                if (n % ForwardRows != 0)
                {
                    using (w.Block("for (; o < N; o++)"))
                        EmitDotRows(w, k, 1);
                }
            }
        }
        w.Line();
    }

    /// <summary>Dot products of the x row with <paramref name="rows"/> consecutive weight rows starting at row <c>o</c>.</summary>
    private static void EmitDotRows(SourceWriter w, int k, int rows)
    {
        w.Line("ref float w0 = ref Unsafe.Add(ref w, o * K);");
        for (int r = 1; r < rows; r++) w.Line($"ref float w{r} = ref Unsafe.Add(ref w{r - 1}, K);");
        w.Line(Join(rows, r => $"s{r} = 0f", "float ", ", ") + ";");
        w.Line("int k = 0;");
        bool first = true;
        foreach (var (type, width) in VectorTypes(k))
        {
            using (w.Block($"{(first ? "if" : "else if")} ({type}.IsHardwareAccelerated)"))
            {
                w.Line(Join(rows, r => $"a{r} = {type}<float>.Zero", $"{type}<float> ", ", ") + ";");
                using (w.Block($"for (; k <= K - {width}; k += {width})"))
                {
                    w.Line($"{type}<float> xv = {type}.LoadUnsafe(ref xRow, (nuint)k);");
                    for (int r = 0; r < rows; r++)
                        w.Line($"a{r} = {type}.MultiplyAddEstimate({type}.LoadUnsafe(ref w{r}, (nuint)k), xv, a{r});");
                }
                for (int r = 0; r < rows; r++) w.Line($"s{r} = {type}.Sum(a{r});");
            }
            first = false;
        }
        // Remainder, and the whole loop where no vector width is accelerated.
        {
            using (w.Block("for (; k < K; k++)"))
            {
                w.Line("float xk = Unsafe.Add(ref xRow, k);");
                for (int r = 0; r < rows; r++) w.Line($"s{r} += Unsafe.Add(ref w{r}, k) * xk;");
            }
        }
        for (int r = 0; r < rows; r++)
            w.Line($"Unsafe.Add(ref yRow, o + {r}) = s{r} + Unsafe.Add(ref bias, o + {r});");
    }

    private static void EmitInputGradient(SourceWriter w, int k, int n)
    {
        w.Line($"/// <summary><c>dx[b, k] = Σ_o dy[b, o]·w[o, k]</c> for {k} inputs and {n} outputs: each weight row is added, scaled, to the dx row.</summary>");
        using (w.Block($"internal static void {InputGradientName(k, n)}(ref float dy, ref float w, ref float dx, int batch)"))
        {
            w.Line($"const int K = {k}, N = {n};");
            using (w.Block("for (int b = 0; b < batch; b++)"))
            {
                w.Line("ref float dyRow = ref Unsafe.Add(ref dy, b * N);");
                w.Line("ref float dxRow = ref Unsafe.Add(ref dx, b * K);");
                w.Line("MemoryMarshal.CreateSpan(ref dxRow, K).Clear();");
                w.Line("for (int o = 0; o < N; o++)");
                w.Line($"    {AddScaledName(k)}(Unsafe.Add(ref dyRow, o), ref Unsafe.Add(ref w, o * K), ref dxRow);");
            }
        }
        w.Line();
    }

    private static void EmitWeightGradient(SourceWriter w, int k, int n)
    {
        w.Line($"/// <summary>");
        w.Line($"/// <c>dW[o, k] = Σ_b dy[b, o]·x[b, k]</c> and <c>db[o] = Σ_b dy[b, o]</c> for {k} inputs and {n} outputs (overwritten, not");
        w.Line($"/// accumulated). Each output row is summed over the batch in order, so the result does not depend on how rows are split.");
        w.Line($"/// </summary>");
        using (w.Block($"internal static void {WeightGradientName(k, n)}(ref float dy, ref float x, ref float dw, ref float db, int batch)"))
        {
            w.Line($"const int K = {k}, N = {n};");
            using (w.Block("for (int o = 0; o < N; o++)"))
            {
                w.Line("ref float dwRow = ref Unsafe.Add(ref dw, o * K);");
                w.Line("MemoryMarshal.CreateSpan(ref dwRow, K).Clear();");
                w.Line("float biasSum = 0f;");
                using (w.Block("for (int b = 0; b < batch; b++)"))
                {
                    w.Line("float g = Unsafe.Add(ref dy, b * N + o);");
                    w.Line("biasSum += g;");
                    w.Line($"{AddScaledName(k)}(g, ref Unsafe.Add(ref x, b * K), ref dwRow);");
                }
                w.Line("Unsafe.Add(ref db, o) = biasSum;");
            }
        }
        w.Line();
    }

    private static void EmitAddScaled(SourceWriter w, int k)
    {
        w.Line($"/// <summary><c>destination[k] += scale·source[k]</c> over {k} values.</summary>");
        w.Line("[MethodImpl(MethodImplOptions.AggressiveInlining)]");
        using (w.Block($"private static void {AddScaledName(k)}(float scale, ref float source, ref float destination)"))
        {
            w.Line($"const int K = {k};");
            w.Line("int k = 0;");
            bool first = true;
            foreach (var (type, width) in VectorTypes(k))
            {
                using (w.Block($"{(first ? "if" : "else if")} ({type}.IsHardwareAccelerated)"))
                {
                    w.Line($"{type}<float> s = {type}.Create(scale);");
                    using (w.Block($"for (; k <= K - {width}; k += {width})"))
                        w.Line($"{type}.MultiplyAddEstimate({type}.LoadUnsafe(ref source, (nuint)k), s, {type}.LoadUnsafe(ref destination, (nuint)k)).StoreUnsafe(ref destination, (nuint)k);");
                }
                first = false;
            }
            w.Line("for (; k < K; k++)");
            w.Line("    Unsafe.Add(ref destination, k) += scale * Unsafe.Add(ref source, k);");
        }
        w.Line();
    }

    /// <summary>The vector widths worth emitting for a loop of <paramref name="length"/> floats, widest first.</summary>
    private static IEnumerable<(string Type, int Width)> VectorTypes(int length)
    {
        if (length >= 16) yield return ("Vector512", 16);
        if (length >= 8) yield return ("Vector256", 8);
        if (length >= 4) yield return ("Vector128", 4);
    }

    private static string Join(int count, System.Func<int, string> item, string prefix, string separator)
    {
        var parts = new string[count];
        for (int i = 0; i < count; i++) parts[i] = item(i);
        return prefix + string.Join(separator, parts);
    }
}
