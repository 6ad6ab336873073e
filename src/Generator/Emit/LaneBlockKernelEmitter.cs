using System.Linq;
using CompiledNets.Generator.Layers;
using CompiledNets.Generator.Model;
using CompiledNets.Generator.Names;

namespace CompiledNets.Generator.Emit;

/// <summary>
/// <c>PredictBatch</c> of a chain of Dense layers with a block's samples in the vector lanes. The block's inputs are
/// transposed once to [features, samples]; each layer then multiplies a tile of <see cref="OutputTile"/> outputs by
/// two vectors of samples, broadcasting one weight per output and input from the parameters' own row-major layout (no
/// copy of the weights), 24 accumulators fed by 2 vector loads and 12 broadcasts per input; the last layer's outputs are
/// transposed back to rows. Each output is one FMA chain over the inputs in order, whatever the tile, so a sample gives
/// the same bits in a whole block, a partial one, and on any thread. The kernels are 512-bit: without AVX-512 the block
/// takes the per-layer kernels.
/// </summary>
internal static class LaneBlockKernelEmitter
{
    /// <summary>Samples per vector.</summary>
    public const int Lanes = 16;

    /// <summary>Samples per tile: two vectors, so that each broadcast weight feeds two FMAs.</summary>
    public const int SampleTile = 2 * Lanes;

    /// <summary>Outputs per tile: 12 × 2 accumulators, 24 of the 32 registers.</summary>
    public const int OutputTile = 12;

    /// <summary>
    /// True when <c>PredictBatch</c> runs <paramref name="plan"/>'s blocks in lanes: a chain whose layers at inference are
    /// all Dense with element-wise activations (the last may end in a Softmax, applied to the rows after), predicting from
    /// float32 weights, in blocks of whole sample tiles, and not the tiny stacks that run in sample lanes already.
    /// </summary>
    public static bool Applies(NetworkPlan plan) => Qualifies(plan) && KernelPlan.PredictBlockRows(plan) % SampleTile == 0;

    /// <summary><see cref="Applies"/> but for the block size, which <see cref="KernelPlan.PredictBlockRows"/> rounds to whole sample tiles for these chains.</summary>
    public static bool Qualifies(NetworkPlan plan)
    {
        if (plan.Graph is not null || plan.InfersInBFloat16 || KernelPlan.PredictsInSampleLanes(plan)) return false;
        var layers = InferenceLayers(plan);
        if (layers.Count == 0 || !layers.All(l => l.Kind is DenseLayer)) return false;
        return layers.Take(layers.Count - 1).All(l => ActivationExpressions.IsElementWise(l.Activation));
    }

    /// <summary>The layers that compute at inference, in order: the chain's layers without identity ones such as Dropout.</summary>
    public static System.Collections.Generic.List<LayerPlan> InferenceLayers(NetworkPlan plan) =>
        plan.Layers.Where(l => !l.Kind.IdentityAtInference).ToList();

    /// <summary>
    /// The activation the product applies to its lanes: the layer's when it has a vector form bitwise its scalar one, else none (an
    /// element-wise one is then applied to the lanes after, a Softmax to the output rows).
    /// </summary>
    public static ActivationKind ProductActivation(LayerPlan layer)
    {
        var fused = KernelPlan.InferenceForward(layer);
        return ActivationExpressions.VectorAsScalar(fused, layer.Alpha, "Vector512", "v") is null ? ActivationKind.Linear : fused;
    }

    public static string ToLanesName(int features, int blockRows) => $"LanesFromRows_{features}_{blockRows}";

    public static string FromLanesName(int features, int blockRows) => $"RowsFromLanes_{features}_{blockRows}";

    public static string ProductName(int inputs, int outputs, ActivationKind activation, float alpha, int blockRows, bool prefetches) =>
        $"DensePredictLanes_{inputs}x{outputs}_{DenseKernelEmitter.Suffix(activation, alpha)}_{blockRows}{(prefetches ? "_Prefetching" : "")}";

    /// <summary>
    /// Inputs between two prefetches in the first layer's tiles: the largest power of two, from 1 to 8 (the test is a
    /// mask), at which the tiles' <c>2 × tiles × K</c> steps still reach every line of a block's rows (<c>B × K / 16</c>).
    /// </summary>
    public static int PrefetchStride(int outputs, int blockRows)
    {
        int tiles = (outputs + OutputTile - 1) / OutputTile, stride = 1;
        while (stride < 8 && 2 * stride <= 32 * tiles / blockRows) stride *= 2;
        return stride;
    }

    /// <summary>Rows [rows, F] to lanes [F, B]; the lanes of samples past <c>rows</c> are zeros.</summary>
    public static void EmitToLanes(SourceWriter w, int features, int blockRows)
    {
        w.Line($"/// <summary>A block's rows [rows, {features}] to lanes [{features}, {blockRows}]: feature f of sample b at f·{blockRows} + b, zeros past the last sample.</summary>");
        w.Line("[MethodImpl(MethodImplOptions.AggressiveOptimization)] // as the product below");
        using (w.Block($"internal static void {ToLanesName(features, blockRows)}(ref float x, ref float lanes, int rows)"))
        {
            w.Line($"const int F = {features}, B = {blockRows};");
            EmitWholeGroups(w, features, "16 samples × 16 features", "x, b * F + f", "F", "feature", "lanes", j => $"(f + {j}) * B + b");
            if (features >= 16) w.Line("if (whole == B) return;");
            w.Line("// The last samples element by element, and zeros in the lanes past them.");
            using (w.Block("for (int f = 0; f < F; f++)"))
            {
                w.Line("ref float target = ref Unsafe.Add(ref lanes, f * B);");
                w.Line("for (int b = whole; b < rows; b++) Unsafe.Add(ref target, b) = Unsafe.Add(ref x, b * F + f);");
                w.Line("for (int b = rows; b < B; b++) Unsafe.Add(ref target, b) = 0f;");
            }
        }
        w.Line();
    }

    /// <summary>Lanes [F, B] back to the first <c>rows</c> rows [rows, F].</summary>
    public static void EmitFromLanes(SourceWriter w, int features, int blockRows)
    {
        w.Line($"/// <summary>Lanes [{features}, {blockRows}] back to rows [rows, {features}] for the block's first rows samples.</summary>");
        w.Line("[MethodImpl(MethodImplOptions.AggressiveOptimization)] // as the product below");
        using (w.Block($"internal static void {FromLanesName(features, blockRows)}(ref float lanes, ref float y, int rows)"))
        {
            w.Line($"const int F = {features}, B = {blockRows};");
            EmitWholeGroups(w, features, "16 features × 16 samples", "lanes, f * B + b", "B", "sample", "y", j => $"(b + {j}) * F + f");
            using (w.Block("for (int b = whole; b < rows; b++)"))
                w.Line("for (int f = 0; f < F; f++) Unsafe.Add(ref y, b * F + f) = Unsafe.Add(ref lanes, f * B + b);");
        }
        w.Line();
    }

    /// <summary>
    /// A block's whole groups of 16 samples, 16 × 16 through registers at a time, from <c>ref float</c>
    /// <paramref name="source"/> (a reference and its offset) with rows <paramref name="stride"/> floats apart, each
    /// column <c>j</c> stored at <paramref name="targetIndex"/>(j) of <paramref name="target"/>. Declares <c>whole</c>,
    /// the samples moved: none with fewer than 16 features.
    /// </summary>
    private static void EmitWholeGroups(SourceWriter w, int features, string what, string source, string stride, string columns, string target, System.Func<int, string> targetIndex)
    {
        w.Line("int whole = 0; // the samples moved 16 at a time");
        if (features < 16) return;
        w.Line($"// {what} at a time, transposed in registers (the last features overlap the ones before).");
        w.Line("whole = rows & ~15;");
        using (w.Block("for (int b = 0; b < whole; b += 16)"))
        using (w.Block("for (int block = 0; block < F; block += 16)"))
        {
            w.Line("int f = Math.Min(block, F - 16);");
            w.Line($"ref float source = ref Unsafe.Add(ref {source});");
            TransposeEmitter.Emit(w, "source", stride, columns, target, j => $"(nuint)({targetIndex(j)})");
        }
    }

    /// <summary>
    /// One Dense layer over lanes: <c>y[o, b] = act(bias[o] + Σ_k w[o, k]·x[k, b])</c>. The first layer of a chain
    /// (<paramref name="prefetches"/>) also prefetches the next block's input rows, a line every few inputs of its tiles,
    /// so that they come from L2 when that block transposes them.
    /// </summary>
    public static void EmitProduct(SourceWriter w, int inputs, int outputs, ActivationKind activation, float alpha, int blockRows, bool prefetches)
    {
        w.Line($"/// <summary><c>y[o, b] = {activation}(bias[o] + Σ_k w[o, k]·x[k, b])</c> over lanes [{inputs}, {blockRows}] to lanes [{outputs}, {blockRows}]: tiles of {OutputTile} outputs × {SampleTile} samples, each weight broadcast to two vectors of samples.</summary>");
        // Optimized from the first call: under tiering, small's PredictBatch stayed at 25 ms for seconds where the
        // optimized code takes 12 (its loops ran in on-stack-replacement and unoptimized code).
        w.Line("[MethodImpl(MethodImplOptions.AggressiveOptimization)]");
        string aheadParameters = prefetches ? ", ref readonly float ahead, int aheadLines" : "";
        using (w.Block($"internal static void {ProductName(inputs, outputs, activation, alpha, blockRows, prefetches)}(ref float x, ref float w, ref float bias, ref float y{aheadParameters})"))
        {
            w.Line($"const int K = {inputs}, B = {blockRows};");
            w.Line(prefetches ? "int o = 0, line = 0; // line: the next line of the next block's inputs to prefetch" : "int o = 0;");
            int? stride = prefetches ? PrefetchStride(outputs, blockRows) : null;
            if (outputs >= OutputTile)
                using (w.Block($"for (; o <= {outputs - OutputTile}; o += {OutputTile})")) EmitTile(w, OutputTile, activation, alpha, stride);
            if (outputs % OutputTile != 0)
                using (w.Block($"// the last {outputs % OutputTile} outputs")) EmitTile(w, outputs % OutputTile, activation, alpha, stride);
        }
        w.Line();
    }

    private static void EmitTile(SourceWriter w, int tile, ActivationKind activation, float alpha, int? prefetchStride)
    {
        var outputs = Enumerable.Range(0, tile).ToList();
        w.Line("ref float tileWeights = ref Unsafe.Add(ref w, o * K); // the tile's rows of weights, one after the other");
        using (w.Block($"for (int b = 0; b < B; b += {SampleTile})"))
        {
            w.Line("Vector512<float> " + string.Join(", ", outputs.SelectMany(j => new[] { $"a{j}_0 = Vector512<float>.Zero", $"a{j}_1 = Vector512<float>.Zero" })) + ";");
            using (w.Block("for (int k = 0; k < K; k++)"))
            {
                if (prefetchStride is int stride)
                    w.Line($"if ({(stride == 1 ? "" : $"(k & {stride - 1}) == 0 && ")}line < aheadLines) {RuntimeNames.Kernels}.Prefetch.Line(in Unsafe.Add(ref Unsafe.AsRef(in ahead), 16 * line++));");
                w.Line("Vector512<float> x0 = Vector512.LoadUnsafe(ref x, (nuint)(k * B + b)), x1 = Vector512.LoadUnsafe(ref x, (nuint)(k * B + b + 16));");
                foreach (int j in outputs)
                    w.Line($"Vector512<float> w{j} = Vector512.Create(Unsafe.Add(ref tileWeights, {j} * K + k)); a{j}_0 = Vector512.FusedMultiplyAdd(w{j}, x0, a{j}_0); a{j}_1 = Vector512.FusedMultiplyAdd(w{j}, x1, a{j}_1);");
            }
            foreach (int j in outputs)
            {
                w.Line($"Vector512<float> bias{j} = Vector512.Create(Unsafe.Add(ref bias, o + {j}));");
                for (int half = 0; half < 2; half++)
                    w.Line($"({ActivationExpressions.VectorAsScalar(activation, alpha, "Vector512", $"(a{j}_{half} + bias{j})")}).StoreUnsafe(ref y, (nuint)((o + {j}) * B + b + {16 * half}));");
            }
        }
    }
}

internal sealed record LanesFromRowsKernel(int Features, int BlockRows) : KernelRequest
{
    public override void Emit(SourceWriter w) => LaneBlockKernelEmitter.EmitToLanes(w, Features, BlockRows);
}

internal sealed record RowsFromLanesKernel(int Features, int BlockRows) : KernelRequest
{
    public override void Emit(SourceWriter w) => LaneBlockKernelEmitter.EmitFromLanes(w, Features, BlockRows);
}

internal sealed record DensePredictLanesKernel(int Inputs, int Outputs, ActivationKind Activation, float Alpha, int BlockRows, bool Prefetches) : KernelRequest
{
    public override void Emit(SourceWriter w) => LaneBlockKernelEmitter.EmitProduct(w, Inputs, Outputs, Activation, Alpha, BlockRows, Prefetches);
}
