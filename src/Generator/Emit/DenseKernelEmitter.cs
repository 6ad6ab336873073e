using System.Collections.Generic;
using System.Linq;
using CompiledNets.Generator.Model;

namespace CompiledNets.Generator.Emit;

/// <summary>
/// Emits the matrix kernels of Dense layers, once per distinct shape, into the file-local kernel class:
/// forward <c>y = x·Wᵀ + b</c>, input gradient <c>dx = dy·W</c>, weight and bias gradients <c>dW = dyᵀ·x</c>.
/// Every size is a constant, so the JIT drops bounds checks and folds loop limits; each product is
/// register-blocked so a tile of outputs stays in vector registers for its whole reduction.
/// </summary>
internal static class DenseKernelEmitter
{
    /// <summary>Rows of x (batch) and rows of W (outputs) in one forward tile: 4 × 4 accumulators share 8 loads.</summary>
    internal const int ForwardTile = 4;

    /// <summary>Rows (m) of the smaller broadcast tile, for the rows a full tile leaves.</summary>
    internal const int BroadcastRows = 4;

    /// <summary>Vector accumulators of a full broadcast tile: rows × vectors along k.</summary>
    private const int BroadcastAccumulators = 16;

    /// <summary>Rows of B per reduction block of a blocked broadcast product (<see cref="KernelPlan.ReductionBlock"/>).</summary>
    private const int ReductionBlock = KernelPlan.ReductionBlock;

    /// <summary>Flush-to-zero applied to every stored gradient of the backward products, so a converged network's backward pass stays off x64's slow subnormal path.</summary>
    private const string FlushToZero = Names.RuntimeNames.FlushToZero;

    /// <summary>The runtime's bfloat16 loads and conversions (aliased in the kernel file of a bfloat16 network).</summary>
    private const string BFloat16 = Names.RuntimeNames.BFloat16Alias;

    /// <summary>Output columns are split between threads at multiples of this (a multiple of every tile width).</summary>
    public const int ColumnGranularity = 64;

    /// <summary>Forward outputs are split between threads at multiples of this (the forward tile).</summary>
    public const int OutputGranularity = ForwardTile;

    public static string ForwardName(int inputs, int units, ActivationKind activation, float alpha = 0f) => $"DenseForward_{inputs}x{units}_{Suffix(activation, alpha)}";

    /// <summary>The same product over bfloat16 weights (<see cref="NetworkPlan.InfersInBFloat16"/>).</summary>
    public static string ForwardBFloat16Name(int inputs, int units, ActivationKind activation, float alpha = 0f) => $"DenseForwardBFloat16_{inputs}x{units}_{Suffix(activation, alpha)}";

    /// <summary>One sample's product over the interleaved copy of the weights (<see cref="KernelPlan.PredictsFromInterleavedWeights"/>).</summary>
    public static string PredictInterleavedName(int inputs, int units, ActivationKind activation, float alpha = 0f) => $"DensePredictInterleaved_{inputs}x{units}_{Suffix(activation, alpha)}";

    public static string InputGradientName(int inputs, int units, ActivationKind derivative, float alpha = 0f) => $"DenseInputGradient_{inputs}x{units}_{Suffix(derivative, alpha)}";

    /// <summary>The activation's name, with its alpha when it has one, so kernels differing only in alpha get distinct names.</summary>
    internal static string Suffix(ActivationKind activation, float alpha) => activation is ActivationKind.LeakyReLU or ActivationKind.ELU
        ? activation + "_" + alpha.ToString("R", System.Globalization.CultureInfo.InvariantCulture).Replace('.', 'p').Replace('-', 'm').Replace('+', 'P')
        : activation.ToString();

    public static string WeightGradientName(int inputs, int units) => $"DenseWeightGradient_{inputs}x{units}";

    public static string ForwardBroadcastName(int inputs, int units, ActivationKind activation, float alpha = 0f) => $"DenseForwardBroadcast_{inputs}x{units}_{Suffix(activation, alpha)}";

    public static string TransposeName(int inputs, int units) => $"TransposeWeights_{units}x{inputs}";

    public static string PackDeltaTilesName(int units) => $"PackDeltaTiles_{units}";

    // ---------------------------------------------------------------- forward: dot-product form

    /// <param name="bfloat16">
    /// Weights in bfloat16 (<c>ref ushort w</c>), each widened to float32 as it loads: x, the sums, bias and activation stay
    /// float32, so the product is the float32 one over the rounded weights. A kernel of its own name, so float32 networks'
    /// kernels are untouched.
    /// </param>
    internal static void EmitForward(SourceWriter w, int k, int n, ActivationKind activation, float alpha, bool bfloat16 = false)
    {
        w.Line("/// <summary>");
        w.Line($"/// <c>y[b, o] = {activation}(bias[o] + Σ_k x[b, k]·w[o, k])</c> for {k} inputs and outputs o in [first, last) of {n}.");
        if (bfloat16) w.Line("/// The weights are bfloat16, widened to float32 as they load (a zero-extend and a 16-bit shift): half the bytes to stream.");
        // Loop order from the weight matrix's size: weights that fit in half of a core's L2 are re-read from L2 for
        // every tile of samples (samples outer, the tile's inputs stay in L1); larger ones would stream from L3 for
        // every tile of samples, so outputs go outer and a tile of weight rows stays in L1 while the samples pass.
        int bytesPerWeight = bfloat16 ? sizeof(ushort) : sizeof(float);
        bool outputsOuter = KernelPlan.ForwardOutputsOuter(k, n, bytesPerWeight);
        w.Line($"/// Dot-product form over the contiguous rows of x and w, in tiles of {ForwardTile} samples × {ForwardTile} outputs:");
        w.Line($"/// {ForwardTile * ForwardTile} vector accumulators share {2 * ForwardTile} loads per step (FMA-bound rather than load-bound); edge tiles of 1 sample");
        w.Line("/// or 1 output, scalar remainder along k. " + (outputsOuter
            ? $"The weights ({Literal.Grouped((long)k * n * bytesPerWeight / 1024)} KB) exceed the L2 budget: outputs are the outer loop, so a tile of"
            : $"The weights ({Literal.Grouped((long)k * n * bytesPerWeight / 1024)} KB) fit the L2 budget: samples are the outer loop, so a tile of"));
        w.Line(outputsOuter
            ? "/// weight rows stays in L1 while every sample passes and the weights stream from memory once per call."
            : "/// inputs stays in L1 while the weights are re-read from L2.");
        w.Line("/// </summary>");
        string name = bfloat16 ? ForwardBFloat16Name(k, n, activation, alpha) : ForwardName(k, n, activation, alpha);
        using (w.Block($"internal static void {name}(ref float x, ref {(bfloat16 ? "ushort" : "float")} w, ref float bias, ref float y, int batch, int first, int last)"))
        {
            w.Line($"const int K = {k}, N = {n};");
            if (outputsOuter)
            {
                w.Line("int o = first;");
                if (n >= ForwardTile)
                {
                    using (w.Block($"for (; o <= last - {ForwardTile}; o += {ForwardTile})"))
                        EmitForwardSampleLoop(w, k, ForwardTile, activation, alpha, bfloat16);
                }
                if (n % ForwardTile != 0 || n < ForwardTile)
                {
                    using (w.Block("for (; o < last; o++)"))
                        EmitForwardSampleLoop(w, k, 1, activation, alpha, bfloat16);
                }
            }
            else
            {
                w.Line("int b = 0;");
                using (w.Block($"for (; b <= batch - {ForwardTile}; b += {ForwardTile})"))
                    EmitForwardOutputLoop(w, k, n, ForwardTile, activation, alpha, bfloat16);
                using (w.Block("for (; b < batch; b++)"))
                    EmitForwardOutputLoop(w, k, n, 1, activation, alpha, bfloat16);
            }
        }
        w.Line();
    }

    /// <summary>
    /// One sample against every output, over weights whose tiles of 4 rows are interleaved by vector (the runtime's
    /// <c>InterleavedWeights</c>): the batch kernel's single-sample tiles with the same sums in the same order, so the
    /// outputs are bitwise the batch kernel's, but the tile's rows are one stream where the parameters' are four.
    /// </summary>
    internal static void EmitPredictInterleaved(SourceWriter w, int k, int n, ActivationKind activation, float alpha)
    {
        w.Line("/// <summary>");
        w.Line($"/// <c>y[o] = {activation}(bias[o] + Σ_k x[k]·w[o, k])</c> for one sample of {k} inputs and all {n} outputs, over the weights");
        w.Line($"/// interleaved by tile of {ForwardTile} rows (one vector of each row per step, then each row's last inputs): the");
        w.Line("/// tile reads one stream, and the sums are the batch kernel's, so the outputs are bitwise its single-sample ones.");
        w.Line("/// </summary>");
        using (w.Block($"internal static void {PredictInterleavedName(k, n, activation, alpha)}(ref float x, ref float w, ref float bias, ref float y)"))
        {
            w.Line($"const int K = {k}, N = {n};");
            w.Line("const int b = 0; // the one sample");
            w.Line("int o = 0;");
            using (w.Block($"for (; o <= N - {ForwardTile}; o += {ForwardTile})"))
                EmitDotTile(w, k, 1, ForwardTile, activation, alpha, bfloat16: false, interleaved: true);
            if (n % ForwardTile != 0)
            {
                w.Line("// The rows after the last whole tile keep the parameters' layout.");
                using (w.Block("for (; o < N; o++)"))
                    EmitDotTile(w, k, 1, 1, activation, alpha, bfloat16: false);
            }
        }
        w.Line();
    }

    /// <summary>One tile of samples from row <c>b</c> against every output: 4-output tiles, then single outputs.</summary>
    private static void EmitForwardOutputLoop(SourceWriter w, int k, int n, int rows, ActivationKind activation, float alpha, bool bfloat16)
    {
        w.Line("int o = first;");
        if (n >= ForwardTile)
        {
            using (w.Block($"for (; o <= last - {ForwardTile}; o += {ForwardTile})"))
                EmitDotTile(w, k, rows, ForwardTile, activation, alpha, bfloat16);
        }
        if (n % ForwardTile != 0 || n < ForwardTile)
        {
            using (w.Block("for (; o < last; o++)"))
                EmitDotTile(w, k, rows, 1, activation, alpha, bfloat16);
        }
    }

    /// <summary>Every sample against <paramref name="outputs"/> weight rows from row <c>o</c>: 4-sample tiles, then single samples.</summary>
    private static void EmitForwardSampleLoop(SourceWriter w, int k, int outputs, ActivationKind activation, float alpha, bool bfloat16)
    {
        w.Line("int b = 0;");
        using (w.Block($"for (; b <= batch - {ForwardTile}; b += {ForwardTile})"))
            EmitDotTile(w, k, ForwardTile, outputs, activation, alpha, bfloat16);
        using (w.Block("for (; b < batch; b++)"))
            EmitDotTile(w, k, 1, outputs, activation, alpha, bfloat16);
    }

    /// <summary>
    /// Dot products of <paramref name="rows"/> x rows (from row b) with <paramref name="outputs"/> w rows (from row o);
    /// with <paramref name="interleaved"/>, the w rows are one tile of the interleaved layout.
    /// </summary>
    private static void EmitDotTile(SourceWriter w, int k, int rows, int outputs, ActivationKind activation, float alpha, bool bfloat16, bool interleaved = false)
    {
        w.Line($"// {rows} sample(s) × {outputs} output(s)");
        for (int r = 0; r < rows; r++) w.Line($"ref float x{r} = ref Unsafe.Add(ref x, (b + {r}) * K);");
        if (interleaved) w.Line($"ref float wt = ref Unsafe.Add(ref w, o * K); // the tile's {outputs} rows, interleaved by vector");
        else
            for (int c = 0; c < outputs; c++) w.Line($"ref {(bfloat16 ? "ushort" : "float")} w{c} = ref Unsafe.Add(ref w, (o + {c}) * K);");
        var sums = new List<string>();
        for (int r = 0; r < rows; r++)
            for (int c = 0; c < outputs; c++) sums.Add($"s{r}{c} = 0f");
        w.Line("float " + string.Join(", ", sums) + ";");
        if (k >= 4) w.Line("int k = 0;");
        // A tile of 4 outputs whose rows are whole 512-bit vectors ends with its sums in one vector, lane 4r + c for
        // sample r and output c: bias and activation then apply to all of them at once, and each sample's 4 outputs are
        // one 128-bit store (the scalar epilogue's 16 lane extractions cost about a tenth of a 784-input tile's time).
        // (rows is 4 or 1 here, so such a tile always ends with one combined reduction.)
        bool vectorStores = outputs == ForwardTile && k % 16 == 0 && ActivationExpressions.VectorAsScalar(activation, alpha, "Vector512", "v") is not null;
        bool first = true;
        foreach (var (type, width) in VectorTypes(k))
        {
            using (w.Block($"{(first ? "if" : "else if")} ({type}.IsHardwareAccelerated)"))
            {
                var accumulators = new List<string>();
                for (int r = 0; r < rows; r++)
                    for (int c = 0; c < outputs; c++) accumulators.Add($"a{r}{c} = {type}<float>.Zero");
                w.Line($"{type}<float> " + string.Join(", ", accumulators) + ";");
                using (w.Block($"for (; k <= K - {width}; k += {width})"))
                {
                    for (int c = 0; c < outputs; c++)
                        w.Line(interleaved ? $"{type}<float> wv{c} = {type}.LoadUnsafe(ref wt, (nuint)({outputs} * k{(c == 0 ? "" : " + " + c * width)}));"
                            : bfloat16 ? $"{type}<float> wv{c} = {BFloat16}.Load{type}(ref w{c}, (nuint)k);" : $"{type}<float> wv{c} = {type}.LoadUnsafe(ref w{c}, (nuint)k);");
                    for (int r = 0; r < rows; r++)
                    {
                        w.Line($"{type}<float> xv{r} = {type}.LoadUnsafe(ref x{r}, (nuint)k);");
                        for (int c = 0; c < outputs; c++) w.Line($"a{r}{c} = {type}.MultiplyAddEstimate(wv{c}, xv{r}, a{r}{c});");
                    }
                }
                var names = new List<string>();
                for (int r = 0; r < rows; r++)
                    for (int c = 0; c < outputs; c++) names.Add($"{r}{c}");
                if (type == "Vector512" && vectorStores)
                    foreach (string statement in DotSumEmitter.VectorStores(names, activation, alpha)) w.Line(statement);
                else if (type == "Vector512" && DotSumEmitter.Combines(names.Count))
                    foreach (string statement in DotSumEmitter.Statements(names)) w.Line(statement);
                else
                    foreach (string name in names) w.Line($"s{name} = {type}.Sum(a{name});");
            }
            first = false;
        }
        if (vectorStores)
        {
            // With 512-bit vectors the tile above has stored its outputs already; the rest is the other widths' epilogue.
            using (w.Block("if (!Vector512.IsHardwareAccelerated)")) EmitScalarEpilogue(w, k, rows, outputs, activation, alpha, bfloat16, interleaved);
        }
        else EmitScalarEpilogue(w, k, rows, outputs, activation, alpha, bfloat16, interleaved);
    }

    /// <summary>The dot tile's scalar remainder along k, then bias and activation per output as it is stored.</summary>
    private static void EmitScalarEpilogue(SourceWriter w, int k, int rows, int outputs, ActivationKind activation, float alpha, bool bfloat16, bool interleaved)
    {
        if (interleaved) w.Line($"int kv = k; // where the vector loop stopped: each row's inputs from here follow the tile's {outputs} · kv interleaved values");
        EmitScalarRemainder(w, k, index =>
        {
            for (int r = 0; r < rows; r++)
                for (int c = 0; c < outputs; c++)
                {
                    string weight = interleaved ? $"Unsafe.Add(ref wt, {outputs} * kv + {c} * (K - kv) + ({index} - kv))"
                        : bfloat16 ? $"{BFloat16}.ToSingle(Unsafe.Add(ref w{c}, {index}))" : $"Unsafe.Add(ref w{c}, {index})";
                    w.Line($"s{r}{c} += {weight} * Unsafe.Add(ref x{r}, {index});");
                }
        });
        for (int r = 0; r < rows; r++)
            for (int c = 0; c < outputs; c++)
                w.Line($"Unsafe.Add(ref y, (b + {r}) * N + o + {c}) = {ActivationExpressions.Scalar(activation, alpha, $"(s{r}{c} + Unsafe.Add(ref bias, o + {c}))")};");
    }

    /// <summary>The loop over k left after the vector loops (all of it when no vector width is accelerated).</summary>
    private static void EmitScalarRemainder(SourceWriter w, int k, System.Action<string> body)
    {
        if (k < 4)
        {
            // Rows shorter than any vector: unrolled with constant indices.
            for (int i = 0; i < k; i++) body(Literal.Int(i));
            return;
        }
        using (w.Block("for (; k < K; k++)"))
            body("k");
    }

    /// <summary>The AVX loop of the transpose: blocks of 8 rows × 8 columns, then the columns left, one at a time.</summary>
    private static void EmitTranspose8(SourceWriter w, int k)
    {
        const string Avx = "System.Runtime.Intrinsics.X86.Avx";
        using (w.Block($"if ({Avx}.IsSupported)"))
        using (w.Block("for (; o <= N - 8; o += 8)"))
        {
            w.Line("int k = 0;");
            using (w.Block("for (; k <= K - 8; k += 8)"))
            {
                w.Line("ref float source = ref Unsafe.Add(ref w, o * K + k);");
                w.Line("ref float target = ref Unsafe.Add(ref wt, k * N + o);");
                w.Line("// Register i holds row i in its low half and row i + 4 in its high half: columns k..k+3 in r, k+4..k+7 in s.");
                foreach (var (name, column) in new[] { ("r", ""), ("s", " + 4") })
                    for (int i = 0; i < 4; i++)
                        w.Line($"Vector256<float> {name}{i} = {Avx}.InsertVector128(Vector128.LoadUnsafe(ref source, {i} * K{column}).ToVector256Unsafe(), Vector128.LoadUnsafe(ref source, {i + 4} * K{column}), 1);");
                int row = 0;
                foreach (string name in new[] { "r", "s" })
                {
                    w.Line($"Vector256<float> {name}Low01 = {Avx}.UnpackLow({name}0, {name}1), {name}Low23 = {Avx}.UnpackLow({name}2, {name}3);");
                    w.Line($"Vector256<float> {name}High01 = {Avx}.UnpackHigh({name}0, {name}1), {name}High23 = {Avx}.UnpackHigh({name}2, {name}3);");
                    foreach (string half in new[] { "Low", "High" })
                        foreach (string control in new[] { "0x44", "0xEE" })
                        {
                            string offset = row == 0 ? "" : row == 1 ? ", N" : $", {row} * N";
                            w.Line($"{Avx}.Shuffle({name}{half}01, {name}{half}23, {control}).StoreUnsafe(ref target{offset});");
                            row++;
                        }
                }
            }
            if (k % 8 != 0)
            {
                using (w.Block("for (; k < K; k++)"))
                    w.Line("for (int r = 0; r < 8; r++) Unsafe.Add(ref wt, k * N + o + r) = Unsafe.Add(ref w, (o + r) * K + k);");
            }
        }
    }

    // ---------------------------------------------------------------- batch forward of narrow layers: broadcast form

    /// <summary>
    /// The forward product of a layer with few inputs, over its transposed weights: the same broadcast kernel as the
    /// input gradient (m = sample, j = input, A = x, B = Wᵀ), its epilogue adding the bias (after the sum, as the dot
    /// form does) and applying the activation. Rows this short would spend more on the dot form's horizontal sums than on the products.
    /// </summary>
    internal static void EmitForwardBroadcast(SourceWriter w, int k, int n, ActivationKind activation, float alpha)
    {
        var product = new BroadcastProduct(ForwardBroadcastName(k, n, activation, alpha), n, k, "batch", "N", "m * N + j",
            $"<c>y[b, o] = {activation}(bias[o] + Σ_k x[b, k]·wt[k, o])</c> for {k} inputs and outputs o in [first, last) of {n}, from the transposed weights <c>wt</c>",
            Activation: activation, Alpha: alpha, Epilogue: BroadcastEpilogue.BiasAndActivation);
        using (EmitDispatch(w, product, "ref float x, ref float wt, ref float bias, ref float y, int batch, int first, int last", "ref x, ref wt, ref y, ref bias, batch, first, last")) { }
        EmitBroadcastVariants(w, product);
    }

    /// <summary>Copies W [units, inputs] into Wᵀ [inputs, units] for the broadcast forward kernel: 4 × 4 blocks in registers, then the edges.</summary>
    internal static void EmitTranspose(SourceWriter w, int k, int n)
    {
        const string Sse = "System.Runtime.Intrinsics.X86.Sse";
        w.Line($"/// <summary><c>wt[k, o] = w[o, k]</c> for the {n} × {k} weights: the layout the broadcast forward kernel reads. Refreshed every batch, so");
        w.Line("/// blocks are transposed in registers rather than element by element: 8 × 8 with AVX (two rounds of in-lane shuffles");
        w.Line("/// once each register holds rows i and i + 4), then 4 × 4 with SSE for rows an 8 × 8 block leaves.</summary>");
        using (w.Block($"internal static void {TransposeName(k, n)}(ref float w, ref float wt)"))
        {
            w.Line($"const int K = {k}, N = {n};");
            w.Line("int o = 0;");
            if (k >= 8 && n >= 8) EmitTranspose8(w, k);
            if (k >= 4 && n >= 4)
            {
                using (w.Block($"if ({Sse}.IsSupported)"))
                using (w.Block("for (; o <= N - 4; o += 4)"))
                {
                    w.Line("int k = 0;");
                    using (w.Block("for (; k <= K - 4; k += 4)"))
                    {
                        // Two addresses per block; the rows are constant offsets from them (addressing-mode displacements).
                        w.Line("ref float source = ref Unsafe.Add(ref w, o * K + k);");
                        w.Line("ref float target = ref Unsafe.Add(ref wt, k * N + o);");
                        for (int r = 0; r < 4; r++) w.Line($"Vector128<float> r{r} = Vector128.LoadUnsafe(ref source, {r} * K);");
                        w.Line($"Vector128<float> low01 = {Sse}.UnpackLow(r0, r1), low23 = {Sse}.UnpackLow(r2, r3);");
                        w.Line($"Vector128<float> high01 = {Sse}.UnpackHigh(r0, r1), high23 = {Sse}.UnpackHigh(r2, r3);");
                        w.Line($"{Sse}.MoveLowToHigh(low01, low23).StoreUnsafe(ref target);");
                        w.Line($"{Sse}.MoveHighToLow(low23, low01).StoreUnsafe(ref target, N);");
                        w.Line($"{Sse}.MoveLowToHigh(high01, high23).StoreUnsafe(ref target, 2 * N);");
                        w.Line($"{Sse}.MoveHighToLow(high23, high01).StoreUnsafe(ref target, 3 * N);");
                    }
                    if (k % 4 != 0)
                    {
                        using (w.Block("for (; k < K; k++)"))
                            w.Line("for (int r = 0; r < 4; r++) Unsafe.Add(ref wt, k * N + o + r) = Unsafe.Add(ref w, (o + r) * K + k);");
                    }
                }
            }
            using (w.Block("for (; o < N; o++)"))
            {
                w.Line("ref float row = ref Unsafe.Add(ref w, o * K);");
                w.Line("for (int k = 0; k < K; k++) Unsafe.Add(ref wt, k * N + o) = Unsafe.Add(ref row, k);");
            }
        }
        w.Line();
    }

    // ---------------------------------------------------------------- backward: broadcast form

    /// <summary>
    /// The two backward products share one shape, <c>C[m, k] = Σ_j A(m, j)·B[j, k]</c> with B and C row-major over k:
    /// input gradient (m = sample, j = output, A = dy, B = W) and weight gradient (m = output, j = sample, A = dyᵀ, B = x).
    /// </summary>
    private sealed record BroadcastProduct(string Name, int K, int N, string RowsExpression, string ReductionExpression, string AIndex, string Summary,
        ActivationKind Derivative = ActivationKind.Linear, float Alpha = 0f,
        ActivationKind Activation = ActivationKind.Linear, BroadcastEpilogue Epilogue = BroadcastEpilogue.Derivative, bool ATiles = false)
    {
        /// <summary>The distance in a between consecutive rows m of the tile: N when a is row-major in m, 1 when m runs along a row.</summary>
        public string ARowStride => AIndex.StartsWith("m * N") ? "N" : "1";

        /// <summary>
        /// Where step j of a tile starting at row m reads A: row-major, or (<see cref="ATiles"/>) in the row-tile copy
        /// <c>PackDeltaTiles</c> writes, where rows m..m + 3 (m a multiple of 4) lie side by side for every j.
        /// </summary>
        public string TileAIndex => ATiles ? "m * reduction + j * 4" : AIndex;

        /// <summary>Element (m, j) of A for the scalar column, whatever m.</summary>
        public string ScalarAIndex => ATiles ? "(m & ~3) * reduction + j * 4 + (m & 3)" : AIndex;

        /// <summary>Row r of a tile, relative to its step's address: in the row-tile copy, every 4 rows are a whole tile (4 × reduction floats) further on.</summary>
        public string ARowOffset(int r) => ATiles
            ? (r < 4 ? $"{r}" : (r < 8 ? "tileStride" : $"{r / 4} * tileStride") + (r % 4 == 0 ? "" : $" + {r % 4}"))
            : $"{r} * {ARowStride}";

        /// <summary>The variants' fourth parameter: the output the derivative is taken at, or the bias.</summary>
        public string EpilogueParameter => Epilogue == BroadcastEpilogue.Derivative ? "activation" : "bias";

        public string VariantParameters => $"ref float a, ref float bMatrix, ref float c, ref float {EpilogueParameter}, int batch, int first, int last";

        /// <summary>Whether the reduction runs in blocks over packed panels of B (the plan's rules for the two backward products).</summary>
        public bool BlocksReduction => Epilogue == BroadcastEpilogue.Derivative &&
            (ReductionExpression == "N" ? KernelPlan.InputGradientBlocksReduction(N) : KernelPlan.WeightGradientBlocksReduction(K, N));
    }

    /// <summary>What a broadcast kernel does to its sums before storing them.</summary>
    private enum BroadcastEpilogue
    {
        /// <summary>Times the previous layer's activation derivative (Linear: stored as they are).</summary>
        Derivative,

        /// <summary>The bias is added to the sums and the activation applied before storing.</summary>
        BiasAndActivation,
    }

    internal static void EmitInputGradient(SourceWriter w, int k, int n, ActivationKind derivative, float alpha)
    {
        string fused = derivative == ActivationKind.Linear ? "" : $", times the previous layer's {derivative} derivative (from its output <c>activation</c>)";
        var product = new BroadcastProduct(InputGradientName(k, n, derivative, alpha), k, n, "batch", "N", "m * N + j",
            $"<c>dx[b, k] = Σ_o dy[b, o]·w[o, k]</c>{fused}, for {k} inputs and {n} outputs, columns k in [first, last)", derivative, alpha);
        using (EmitDispatch(w, product, "ref float dy, ref float w, ref float dx, ref float activation, int batch, int first, int last", "ref dy, ref w, ref dx, ref activation, batch, first, last")) { }
        EmitBroadcastVariants(w, product);
    }

    /// <summary>The row-tile copy of dy that a weight gradient with <see cref="KernelPlan.WeightGradientPacksDelta"/> reads.</summary>
    internal static void EmitPackDeltaTiles(SourceWriter w, int n)
    {
        w.Line("/// <summary>");
        w.Line($"/// <c>tiles[o * batch + b * 4 + r] = dy[b, o + r]</c> for each tile of 4 of the {n} outputs (o a multiple of 4): the weight");
        w.Line("/// gradient's row tiles then read their 4 values of each sample side by side, one stream per tile, instead of a");
        w.Line($"/// quarter line from each sample's row of dy, rows {n * 4 / 1024} KB apart that share one L1 set and evict each other before the next");
        w.Line("/// tiles reuse their lines. Each 64-byte line of dy is read once.");
        w.Line("/// </summary>");
        using (w.Block($"internal static void {PackDeltaTilesName(n)}(ref float dy, ref float tiles, int batch)"))
        {
            w.Line($"const int N = {n};");
            using (w.Block("for (int o = 0; o < N; o += 16)"))
            using (w.Block("for (int b = 0; b < batch; b++)"))
            {
                w.Line("ref float source = ref Unsafe.Add(ref dy, b * N + o);");
                w.Line("ref float target = ref Unsafe.Add(ref tiles, o * batch + b * 4);");
                w.Line("Vector128.LoadUnsafe(ref source).StoreUnsafe(ref target);");
                for (int q = 1; q < 4; q++)
                    w.Line($"Vector128.LoadUnsafe(ref source, {4 * q}).StoreUnsafe(ref target, (nuint)({(q == 1 ? "" : $"{q} * ")}4 * batch));");
            }
        }
        w.Line();
    }

    internal static void EmitWeightGradient(SourceWriter w, int k, int n, bool packsDelta)
    {
        string tiles = packsDelta ? $"; the products read dy from its row-tile copy <c>dyTiles</c> ({PackDeltaTilesName(n)}), the bias sum from dy itself" : "";
        var product = new BroadcastProduct(WeightGradientName(k, n), k, n, "N", "batch", "j * N + m",
            $"<c>dW[o, k] = Σ_b dy[b, o]·x[b, k]</c> for {k} inputs and {n} outputs, columns k in [first, last), and with the first non-empty part <c>db[o] = Σ_b dy[b, o]</c> (overwritten){tiles}",
            ATiles: packsDelta);
        string parameters = packsDelta
            ? "ref float dy, ref float dyTiles, ref float x, ref float dw, ref float db, int batch, int first, int last"
            : "ref float dy, ref float x, ref float dw, ref float db, int batch, int first, int last";
        using (EmitDispatch(w, product, parameters, $"ref {(packsDelta ? "dyTiles" : "dy")}, ref x, ref dw, ref dw, batch, first, last"))
        {
            // Exactly one part owns the bias: the first non-empty one (a split finer than the blocks leaves parts empty).
            w.Line("if (first != 0 || last == 0) return;");
            w.Line("// Bias gradient: column sums of dy, each summed over the batch in order, a vector of columns at a time.");
            w.Line($"const int N = {n};");
            w.Line("int o = 0;");
            bool firstType = true;
            foreach (var (type, width) in VectorTypes(n))
            {
                using (w.Block($"{(firstType ? "if" : "else if")} ({type}.IsHardwareAccelerated)"))
                {
                    using (w.Block($"for (; o <= N - {width}; o += {width})"))
                    {
                        w.Line($"{type}<float> sum = {type}<float>.Zero;");
                        w.Line($"for (int b = 0; b < batch; b++) sum += {type}.LoadUnsafe(ref dy, (nuint)(b * N + o));");
                        w.Line("sum.StoreUnsafe(ref db, (nuint)o);");
                    }
                }
                firstType = false;
            }
            using (w.Block("for (; o < N; o++)"))
            {
                w.Line("float sum = 0f;");
                w.Line("for (int b = 0; b < batch; b++) sum += Unsafe.Add(ref dy, b * N + o);");
                w.Line("Unsafe.Add(ref db, o) = sum;");
            }
        }
        EmitBroadcastVariants(w, product);
    }

    /// <summary>The public entry point: picks the widest accelerated variant (a JIT-time constant).</summary>
    private static SourceWriter.Scope EmitDispatch(SourceWriter w, BroadcastProduct p, string parameters, string arguments)
    {
        w.Line("/// <summary>");
        w.Line($"/// {p.Summary}.");
        w.Line($"/// Broadcast form, register-blocked in tiles of {BroadcastAccumulators} vector accumulators (4 rows × 4 vectors along k, 8 × 2 or 16 × 1 for narrower rows); every output element is");
        w.Line("/// reduced in the same order whatever the tile, so results do not depend on how the work is split.");
        w.Line("/// </summary>");
        var scope = w.Block($"internal static void {p.Name}({parameters})");
        bool first = true;
        foreach (var (type, _) in VectorTypes(p.K))
        {
            w.Line($"{(first ? "if" : "else if")} ({type}.IsHardwareAccelerated) {p.Name}_{type}({arguments});");
            first = false;
        }
        w.Line(first ? $"{p.Name}_Scalar({arguments});" : $"else {p.Name}_Scalar({arguments});");
        return scope;
    }

    private static void EmitBroadcastVariants(SourceWriter w, BroadcastProduct p)
    {
        string parameters = p.VariantParameters;
        foreach (var (type, width) in VectorTypes(p.K))
        {
            w.Line();
            using (w.Block($"private static void {p.Name}_{type}({parameters})"))
            {
                w.Line($"const int K = {p.K}, N = {p.N};");
                w.Line($"int rows = {p.RowsExpression}, reduction = {p.ReductionExpression};");
                if (p.ATiles)
                {
                    w.Line("// a: dy in row tiles, element (m, j) at (m & ~3) * reduction + j * 4 + (m & 3); 4 × reduction floats per tile.");
                    w.Line("int tileStride = 4 * reduction;");
                }
                if (p.BlocksReduction)
                {
                    w.Line($"global::System.Span<float> panelRows = stackalloc float[Math.Min(reduction, {ReductionBlock}) * {4 * width}];");
                    w.Line("ref float panel = ref MemoryMarshal.GetReference(panelRows);");
                }
                w.Line("int k = first;");
                foreach (int vectors in TileVectors(p.K, width))
                {
                    using (w.Block($"for (; k <= last - {vectors * width}; k += {vectors * width})"))
                        EmitBroadcastRowLoop(w, p, type, width, vectors);
                }
                if (p.K % width != 0)
                {
                    w.Line("// The last K % width columns; partitions split at multiples of the tile, so only the last part gets here.");
                    using (w.Block("for (; k < last; k++)"))
                        EmitBroadcastScalarColumn(w, p);
                }
            }
        }
        w.Line();
        w.Line("/// <summary>Fallback when no vector width is accelerated.</summary>");
        using (w.Block($"private static void {p.Name}_Scalar({parameters})"))
        {
            w.Line($"const int K = {p.K}, N = {p.N};");
            w.Line($"int rows = {p.RowsExpression}, reduction = {p.ReductionExpression};");
            using (w.Block("for (int k = first; k < last; k++)"))
                EmitBroadcastScalarColumn(w, p);
        }
        w.Line();
    }

    private static void EmitBroadcastScalarColumn(SourceWriter w, BroadcastProduct p)
    {
        using (w.Block("for (int m = 0; m < rows; m++)"))
        {
            bool forward = p.Epilogue == BroadcastEpilogue.BiasAndActivation;
            w.Line("float s = 0f;");
            w.Line($"for (int j = 0; j < reduction; j++) s += Unsafe.Add(ref a, {p.ScalarAIndex}) * Unsafe.Add(ref bMatrix, j * K + k);");
            if (forward)
                w.Line($"Unsafe.Add(ref c, m * K + k) = {ActivationExpressions.Scalar(p.Activation, p.Alpha, "(s + Unsafe.Add(ref bias, k))")};");
            else w.Line(p.Derivative == ActivationKind.Linear
                ? $"Unsafe.Add(ref c, m * K + k) = {FlushToZero}(s);"
                : $"Unsafe.Add(ref c, m * K + k) = {FlushToZero}({ActivationExpressions.ScalarDerivative(p.Derivative, p.Alpha, "s", "Unsafe.Add(ref activation, m * K + k)")});");
        }
    }

    /// <summary>
    /// The column tiles (in vectors) for rows of <paramref name="k"/> floats, widest first: 4 vectors, then 2 for a
    /// remainder (or rows) of at least 2, then 1. Partitions split at multiples of 4 vectors, so every part sees them all.
    /// </summary>
    private static IEnumerable<int> TileVectors(int k, int width)
    {
        if (k >= 4 * width) yield return 4;
        if (k >= 2 * width && (k < 4 * width || k % (4 * width) >= 2 * width)) yield return 2;
        yield return 1;
    }

    /// <summary>
    /// Rows of a tile <paramref name="vectors"/> wide: 16 accumulators (4 × 4, 8 × 2 or 16 × 1), enough independent
    /// FMA chains to hide their latency; then 4-row tiles and single rows for the rest.
    /// </summary>
    private static void EmitBroadcastRowLoop(SourceWriter w, BroadcastProduct p, string type, int width, int vectors)
    {
        int tileRows = BroadcastAccumulators / vectors;
        bool blocked = p.BlocksReduction;
        SourceWriter.Scope? blocks = null;
        if (blocked)
        {
            // The reduction in blocks of ReductionBlock rows of B: each block's panel of B stays in L1 while every row tile
            // uses it, instead of being streamed again from L2 for each tile. Partial sums wait in C between blocks, so every
            // element is still summed in one order (bitwise the same as one pass).
            int panelWidth = vectors * width;
            blocks = w.Block($"for (int j0 = 0; j0 < reduction; j0 += {ReductionBlock})");
            w.Line($"int j1 = Math.Min(reduction, j0 + {ReductionBlock});");
            // Rows of B lie K floats apart: at a power-of-two stride they would all map to the same few L1 sets and evict
            // each other, so the block's panel is first copied to contiguous memory.
            w.Line($"// Pack B[j0..j1, k..k + {panelWidth}) contiguously ({ReductionBlock * panelWidth * 4 / 1024} KB at most): it stays in L1 while every row tile reads it.");
            using (w.Block("for (int j = j0; j < j1; j++)"))
            {
                for (int v = 0; v < vectors; v++)
                    w.Line($"{type}.LoadUnsafe(ref bMatrix, (nuint)(j * K + k + {v * width})).StoreUnsafe(ref panel, (nuint)((j - j0) * {panelWidth} + {v * width}));");
            }
        }
        w.Line("int m = 0;");
        using (w.Block($"for (; m <= rows - {tileRows}; m += {tileRows})"))
            EmitBroadcastTile(w, p, type, width, tileRows, vectors, blocked);
        // With A's row tiles the rows are a multiple of 16 (KernelPlan), so the widest tile leaves none.
        if (tileRows > BroadcastRows && !p.ATiles)
        {
            using (w.Block($"for (; m <= rows - {BroadcastRows}; m += {BroadcastRows})"))
                EmitBroadcastTile(w, p, type, width, BroadcastRows, vectors, blocked);
        }
        if (!p.ATiles)
        {
            using (w.Block("for (; m < rows; m++)"))
                EmitBroadcastTile(w, p, type, width, 1, vectors, blocked);
        }
        blocks?.Dispose();
    }

    private static void EmitBroadcastTile(SourceWriter w, BroadcastProduct p, string type, int width, int rows, int vectors, bool blocked)
    {
        w.Line($"// {rows} row(s) × {vectors * width} columns in registers");
        if (blocked)
        {
            EmitBlockedBroadcastTile(w, p, type, width, rows, vectors);
            return;
        }
        bool forward = p.Epilogue == BroadcastEpilogue.BiasAndActivation;
        if (forward)
        {
            w.Line("ref float biasRow = ref Unsafe.Add(ref bias, k);");
            for (int v = 0; v < vectors; v++) w.Line($"{type}<float> bias{v} = {type}.LoadUnsafe(ref biasRow, {v * width});");
        }
        EmitZeroAccumulators(w, type, rows, vectors);
        using (w.Block("for (int j = 0; j < reduction; j++)"))
            EmitBroadcastSteps(w, p, type, width, rows, vectors);
        for (int r = 0; r < rows; r++)
        {
            w.Line($"ref float cRow{r} = ref Unsafe.Add(ref c, (m + {r}) * K + k);");
            if (!forward)
            {
                EmitBackwardRowStore(w, p, type, width, r, vectors);
                continue;
            }
            for (int v = 0; v < vectors; v++)
            {
                string value = ActivationExpressions.Vector(p.Activation, p.Alpha, type, $"(c{r}{v} + bias{v})") ?? $"c{r}{v} + bias{v}";
                w.Line($"({value}).StoreUnsafe(ref cRow{r}, {v * width});");
            }
            if (ActivationExpressions.Vector(p.Activation, p.Alpha, type, "v") is null)
            {
                w.Line($"// {p.Activation} has no vector form here: applied to the stored row.");
                using (w.Block($"for (int i = 0; i < {vectors * width}; i++)"))
                {
                    w.Line($"float v = Unsafe.Add(ref cRow{r}, i);");
                    w.Line($"Unsafe.Add(ref cRow{r}, i) = {ActivationExpressions.Scalar(p.Activation, p.Alpha, "v")};");
                }
            }
        }
    }

    /// <summary>
    /// A tile of a reduction block [j0, j1): its sums start from zero in the first block and from the partial sums in C
    /// after that; the last block applies the epilogue (derivative and flush) as it stores, the others store the sums as they are.
    /// </summary>
    private static void EmitBlockedBroadcastTile(SourceWriter w, BroadcastProduct p, string type, int width, int rows, int vectors)
    {
        for (int r = 0; r < rows; r++) w.Line($"ref float cRow{r} = ref Unsafe.Add(ref c, (m + {r}) * K + k);");
        EmitZeroAccumulators(w, type, rows, vectors);
        using (w.Block("if (j0 > 0)"))
        {
            w.Line("// Resume from the partial sums the earlier blocks left in C.");
            for (int r = 0; r < rows; r++)
                w.Line(string.Join(" ", Enumerable.Range(0, vectors).Select(v => $"c{r}{v} = {type}.LoadUnsafe(ref cRow{r}, {v * width});")));
        }
        using (w.Block("for (int j = j0; j < j1; j++)"))
            EmitBroadcastSteps(w, p, type, width, rows, vectors, $"ref Unsafe.Add(ref panel, (j - j0) * {vectors * width})");
        using (w.Block("if (j1 == reduction)"))
        {
            for (int r = 0; r < rows; r++) EmitBackwardRowStore(w, p, type, width, r, vectors);
        }
        using (w.Block("else"))
        {
            for (int r = 0; r < rows; r++)
                for (int v = 0; v < vectors; v++)
                    w.Line($"c{r}{v}.StoreUnsafe(ref cRow{r}, {v * width});");
        }
    }

    /// <summary>Declares the tile's accumulators c{r}{v}, all zero.</summary>
    private static void EmitZeroAccumulators(SourceWriter w, string type, int rows, int vectors)
    {
        var accumulators = new List<string>();
        for (int r = 0; r < rows; r++)
            for (int v = 0; v < vectors; v++) accumulators.Add($"c{r}{v} = {type}<float>.Zero");
        w.Line($"{type}<float> " + string.Join(", ", accumulators) + ";");
    }

    /// <summary>One step j of the reduction: a row of B (vectors loads) scaled by each tile row's A value.</summary>
    private static void EmitBroadcastSteps(SourceWriter w, BroadcastProduct p, string type, int width, int rows, int vectors, string bRow = "ref Unsafe.Add(ref bMatrix, j * K + k)")
    {
        w.Line($"ref float bRow = {bRow};");
        for (int v = 0; v < vectors; v++) w.Line($"{type}<float> b{v} = {type}.LoadUnsafe(ref bRow, {v * width});");
        // One address per step; each row's element is then a constant offset from it (an addressing-mode displacement).
        w.Line($"ref float aStep = ref Unsafe.Add(ref a, {p.TileAIndex});");
        for (int r = 0; r < rows; r++)
        {
            string element = r == 0 ? "aStep" : $"Unsafe.Add(ref aStep, {p.ARowOffset(r)})";
            w.Line($"{type}<float> a{r} = {type}.Create({element});");
            for (int v = 0; v < vectors; v++) w.Line($"c{r}{v} = {type}.MultiplyAddEstimate(b{v}, a{r}, c{r}{v});");
        }
    }

    /// <summary>Stores row r of a backward tile: each sum times the previous layer's derivative (if any), flushed.</summary>
    private static void EmitBackwardRowStore(SourceWriter w, BroadcastProduct p, string type, int width, int r, int vectors)
    {
        if (p.Derivative != ActivationKind.Linear)
            w.Line($"ref float activationRow{r} = ref Unsafe.Add(ref activation, (m + {r}) * K + k);");
        for (int v = 0; v < vectors; v++)
        {
            string value = p.Derivative == ActivationKind.Linear
                ? $"c{r}{v}"
                : ActivationExpressions.VectorDerivative(p.Derivative, p.Alpha, type, $"c{r}{v}", $"{type}.LoadUnsafe(ref activationRow{r}, {v * width})");
            w.Line($"{FlushToZero}({value}).StoreUnsafe(ref cRow{r}, {v * width});");
        }
    }

    /// <summary>The vector widths worth emitting for rows of <paramref name="length"/> floats, widest first.</summary>
    private static IEnumerable<(string Type, int Width)> VectorTypes(int length)
    {
        if (length >= 16) yield return ("Vector512", 16);
        if (length >= 8) yield return ("Vector256", 8);
        if (length >= 4) yield return ("Vector128", 4);
    }
}
