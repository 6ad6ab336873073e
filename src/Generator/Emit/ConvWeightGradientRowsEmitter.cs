using System.Collections.Generic;
using System.Linq;

namespace CompiledNets.Generator.Emit;

/// <summary>
/// The weight gradient of a convolution with many filters, as a sum of outer products: for every output position, the
/// row of that position's gradient over all filters (a vector per 16 filters) times the input value each weight reads
/// there (one broadcast per weight). A tile of 4 weights × 4 vectors of filters keeps 16 accumulators in registers over
/// a block of samples' positions, and its sums are the weights' own (no lane sums at the end, no loads that split cache
/// lines). Only positions that are outputs are visited: the extended rows' unused columns and a stride's gaps cost
/// nothing here (16 % of the dot-product form's work for the Keras convnet's second layer).
/// </summary>
/// <remarks>
/// The rows come from the extended gradient, one sample at a time in the backward segment
/// (<see cref="EmitGradientRows"/>): <c>[positions, filters]</c>, padded with zeros to whole vectors. The kernel takes a range
/// of weights (of one filter: channel, row, column), so threads split the weights; every weight's sum runs over the
/// samples in blocks in order and over the positions in order, whatever the split, and the part holding weight 0 sums the
/// bias. The sums are kept as <c>[weights, filters]</c> (<c>sums</c>) and each part copies its own into the gradient's
/// <c>[filters, weights]</c>.
/// </remarks>
internal static class ConvWeightGradientRowsEmitter
{
    /// <summary>Samples per block: the block's rows and inputs stay in L2 while every tile of the part passes.</summary>
    private const int SampleBlock = 8;

    /// <summary>Weights per tile, each one broadcast per position.</summary>
    private const int WeightTile = 4;

    /// <summary>Vectors of filters per tile.</summary>
    private const int FilterVectors = 4;

    private static readonly (string Type, int Width)[] VectorTypes = { ("Vector512", 16), ("Vector256", 8), ("Vector128", 4) };

    /// <summary>
    /// Samples' output gradients from extended planes to rows by position, the padding filters zero: four filters at a
    /// time, read along their planes' rows and stored as one 128-bit value per position.
    /// </summary>
    public static void EmitGradientRows(SourceWriter w, ConvGeometry g)
    {
        var names = new ConvKernels(g, Model.ActivationKind.Linear, 0f);
        string column = g.Columns.Stride == 1 ? "ow" : $"ow * {g.Columns.Stride}";
        w.Line($"/// <summary>dy of <c>rows</c> samples from [{g.Filters}, {g.ExtendedPlane}] extended planes to [{g.Positions}, {g.FilterRow}] rows: each output position's gradient over the filters.</summary>");
        using (w.Block($"internal static void {names.GradientRowsName}(ref float extended, ref float gradientRows, int rows)"))
        {
            w.Line($"const int F = {g.Filters}, FilterRow = {g.FilterRow}, T = {g.ExtendedPlane}, Wp = {g.PaddedWidth}, OH = {g.OutHeight}, OW = {g.OutWidth};");
            using (w.Block("for (int b = 0; b < rows; b++)"))
            {
                w.Line("ref float planes = ref Unsafe.Add(ref extended, b * F * T);");
                w.Line("ref float sample = ref Unsafe.Add(ref gradientRows, b * OH * OW * FilterRow);");
                w.Line("int f = 0;");
                using (w.Block("for (; f <= F - 4; f += 4)"))
                {
                    w.Line("ref float plane = ref Unsafe.Add(ref planes, f * T);");
                    w.Line("ref float filters = ref Unsafe.Add(ref sample, f);");
                    using (w.Block("for (int oh = 0; oh < OH; oh++)"))
                    {
                        w.Line($"ref float source = ref Unsafe.Add(ref plane, oh * {g.Rows.Stride} * Wp);");
                        w.Line("ref float target = ref Unsafe.Add(ref filters, oh * OW * FilterRow);");
                        using (w.Block("for (nuint ow = 0; ow < OW; ow++)"))
                            w.Line($"Vector128.Create(Unsafe.Add(ref source, {column}), Unsafe.Add(ref source, T + {column}), Unsafe.Add(ref source, 2 * T + {column}), Unsafe.Add(ref source, 3 * T + {column})).StoreUnsafe(ref target, ow * FilterRow);");
                    }
                }
                if (g.Filters % 4 != 0)
                    using (w.Block("for (; f < F; f++)"))
                    using (w.Block("for (int oh = 0; oh < OH; oh++)"))
                        w.Line($"for (int ow = 0; ow < OW; ow++) Unsafe.Add(ref sample, (oh * OW + ow) * FilterRow + f) = Unsafe.Add(ref planes, f * T + oh * {g.Rows.Stride} * Wp + ow * {g.Columns.Stride});");
                if (g.FilterRow > g.Filters)
                    w.Line("for (int p = 0; p < OH * OW; p++) MemoryMarshal.CreateSpan(ref Unsafe.Add(ref sample, p * FilterRow + F), FilterRow - F).Clear(); // the padding filters");
            }
        }
        w.Line();
    }

    public static void EmitWeightGradient(SourceWriter w, ConvGeometry g)
    {
        var names = new ConvKernels(g, Model.ActivationKind.Linear, 0f);
        int weights = g.Channels * g.KernelArea;
        w.Line("/// <summary>");
        w.Line($"/// The weight gradient of weights [first, last) of each filter (of {weights}: channel, row, column), summed over the batch's {g.Positions} output positions as");
        w.Line($"/// outer products of each position's gradient row and the inputs the weights read there; the part from weight 0 also sums the bias gradient.");
        w.Line("/// </summary>");
        using (w.Block($"internal static void {names.WeightGradientRowsName}(ref float gradientRows, ref float padded, ref float sums, ref float dw, ref float db, int batch, int first, int last)"))
        {
            w.Line($"const int K = {weights}, F = {g.Filters}, FilterRow = {g.FilterRow}, OH = {g.OutHeight}, OW = {g.OutWidth}, Wp = {g.PaddedWidth}, XSample = {g.PaddedSample}, RowsSample = {g.GradientRowsSample};");
            using (w.Block($"for (int b0 = 0; b0 < batch; b0 += {SampleBlock})"))
            {
                w.Line($"int b1 = Math.Min(batch, b0 + {SampleBlock});");
                bool firstType = true;
                foreach (var (type, width) in VectorTypes)
                {
                    using (w.Block($"{(firstType ? "if" : "else if")} ({type}.IsHardwareAccelerated)"))
                    {
                        w.Line("int k = first;");
                        if (weights >= WeightTile)
                            using (w.Block($"for (; k <= last - {WeightTile}; k += {WeightTile})")) EmitFilterGroups(w, g, type, width, WeightTile);
                        if (weights % WeightTile != 0)
                            using (w.Block("for (; k < last; k++)")) EmitFilterGroups(w, g, type, width, 1);
                    }
                    firstType = false;
                }
                using (w.Block("else")) EmitScalar(w, g);
            }
            w.Line("// Into the gradient's layout [filters, weights]: each part its own weights.");
            using (w.Block("for (int k = first; k < last; k++)"))
                w.Line("for (int f = 0; f < F; f++) Unsafe.Add(ref dw, f * K + k) = Unsafe.Add(ref sums, k * FilterRow + f);");
            EmitBias(w);
        }
        w.Line();
    }

    /// <summary>Every group of filter vectors for the tile's <paramref name="weights"/> weights from k: groups of four vectors, then the rest.</summary>
    private static void EmitFilterGroups(SourceWriter w, ConvGeometry g, string type, int width, int weights)
    {
        for (int q = 0; q < weights; q++)
        {
            string k = q == 0 ? "k" : $"(k + {q})";
            w.Line($"int x{q} = {k} / {g.KernelArea} * {g.PaddedPlane} + {k} % {g.KernelArea} / {g.Columns.Size} * Wp + {k} % {g.Columns.Size};");
        }
        int vectors = g.FilterRow / width, groups = vectors / FilterVectors, rest = vectors % FilterVectors;
        if (groups > 0)
            using (w.Block($"for (int fg = 0; fg < {groups * FilterVectors * width}; fg += {FilterVectors * width})")) EmitTile(w, g, type, width, weights, FilterVectors);
        if (rest > 0)
            using (w.Block($"// the last {rest} vector{(rest > 1 ? "s" : "")} of filters"))
            {
                w.Line($"const int fg = {groups * FilterVectors * width};");
                EmitTile(w, g, type, width, weights, rest);
            }
    }

    /// <summary>
    /// One tile: <paramref name="weights"/> weights × <paramref name="vectors"/> vectors of filters from fg, summed over the
    /// block's samples and positions, then written (the first block) or added to the sums.
    /// </summary>
    private static void EmitTile(SourceWriter w, ConvGeometry g, string type, int width, int weights, int vectors)
    {
        var accumulators = new List<string>();
        for (int q = 0; q < weights; q++)
            for (int v = 0; v < vectors; v++) accumulators.Add($"a{q}{v}");
        w.Line($"{type}<float> " + string.Join(", ", accumulators.Select(a => $"{a} = {type}<float>.Zero")) + ";");
        using (w.Block("for (int b = b0; b < b1; b++)"))
        {
            w.Line("ref float xs = ref Unsafe.Add(ref padded, b * XSample);");
            w.Line("ref float ds = ref Unsafe.Add(ref gradientRows, b * RowsSample + fg);");
            using (w.Block("for (int oh = 0; oh < OH; oh++)"))
            {
                // A reference per weight's input row and an unsigned column: one addressing mode per broadcast.
                string rowStart = g.Rows.Stride == 1 ? "oh * Wp" : $"oh * {g.Rows.Stride} * Wp";
                w.Line(string.Join(" ", Enumerable.Range(0, weights).Select(q => $"ref float r{q} = ref Unsafe.Add(ref xs, x{q} + {rowStart});")));
                w.Line("ref float dr = ref Unsafe.Add(ref ds, oh * OW * FilterRow);");
                using (w.Block("for (nuint ow = 0; ow < OW; ow++)"))
                {
                    w.Line("ref float dp = ref Unsafe.Add(ref dr, ow * FilterRow);");
                    for (int v = 0; v < vectors; v++)
                        w.Line($"{type}<float> d{v} = {type}.LoadUnsafe(ref dp{(v == 0 ? "" : $", {v * width}")});");
                    string column = g.Columns.Stride == 1 ? "ow" : $"ow * {g.Columns.Stride}";
                    for (int q = 0; q < weights; q++)
                    {
                        w.Line($"{type}<float> v{q} = {type}.Create(Unsafe.Add(ref r{q}, {column}));");
                        for (int v = 0; v < vectors; v++) w.Line($"a{q}{v} = {type}.MultiplyAddEstimate(v{q}, d{v}, a{q}{v});");
                    }
                }
            }
        }
        w.Line("ref float s = ref Unsafe.Add(ref sums, k * FilterRow + fg);");
        // The first block writes, the others add in order: every weight's sum is the same whatever the split.
        for (int q = 0; q < weights; q++)
            for (int v = 0; v < vectors; v++)
            {
                string at = $"(nuint)({(q == 0 ? "" : $"{q} * FilterRow + ")}{v * width})".Replace("(nuint)(0)", "0");
                w.Line($"if (b0 == 0) a{q}{v}.StoreUnsafe(ref s, {at}); else ({type}.LoadUnsafe(ref s, {at}) + a{q}{v}).StoreUnsafe(ref s, {at});");
            }
    }

    /// <summary>Without vector hardware: each weight and filter summed one product at a time, in the same order of samples and positions.</summary>
    private static void EmitScalar(SourceWriter w, ConvGeometry g)
    {
        using (w.Block("for (int k = first; k < last; k++)"))
        {
            w.Line($"int x0 = k / {g.KernelArea} * {g.PaddedPlane} + k % {g.KernelArea} / {g.Columns.Size} * Wp + k % {g.Columns.Size};");
            using (w.Block("for (int f = 0; f < F; f++)"))
            {
                w.Line("float total = 0f;");
                using (w.Block("for (int b = b0; b < b1; b++)"))
                using (w.Block("for (int oh = 0; oh < OH; oh++)"))
                using (w.Block("for (int ow = 0; ow < OW; ow++)"))
                    w.Line($"total += Unsafe.Add(ref padded, b * XSample + x0 + oh * {g.Rows.Stride} * Wp + ow * {g.Columns.Stride}) * Unsafe.Add(ref gradientRows, b * RowsSample + (oh * OW + ow) * FilterRow + f);");
                w.Line("if (b0 == 0) Unsafe.Add(ref sums, k * FilterRow + f) = total; else Unsafe.Add(ref sums, k * FilterRow + f) += total;");
            }
        }
    }

    /// <summary>
    /// The bias gradient, by the part from weight 0: each filter's gradient summed over the batch's rows in order, a vector
    /// of filters at a time (the rows are whole vectors), into eight partial sums by row (a bias before a normalisation
    /// has a gradient of rounding noise only, which a single running sum would let grow), added pairwise at the end.
    /// </summary>
    private static void EmitBias(SourceWriter w)
    {
        w.Line("if (first != 0 || last == 0) return;");
        w.Line("const int Partials = 8;");
        w.Line("Span<float> partials = stackalloc float[Partials * FilterRow];");
        w.Line("partials.Clear();");
        using (w.Block("for (int i = 0; i < batch * OH * OW; i++)"))
        {
            w.Line("ref float row = ref Unsafe.Add(ref gradientRows, i * FilterRow);");
            w.Line("ref float partial = ref partials[i % Partials * FilterRow];");
            w.Line("int f = 0;");
            using (w.Block("if (Vector512.IsHardwareAccelerated)"))
                w.Line("for (; f < FilterRow; f += 16) (Vector512.LoadUnsafe(ref partial, (nuint)f) + Vector512.LoadUnsafe(ref row, (nuint)f)).StoreUnsafe(ref partial, (nuint)f);");
            w.Line("for (; f < FilterRow; f++) Unsafe.Add(ref partial, f) += Unsafe.Add(ref row, f);");
        }
        using (w.Block("for (int f = 0; f < F; f++)"))
        {
            w.Line("float p01 = partials[f] + partials[FilterRow + f], p23 = partials[2 * FilterRow + f] + partials[3 * FilterRow + f];");
            w.Line("float p45 = partials[4 * FilterRow + f] + partials[5 * FilterRow + f], p67 = partials[6 * FilterRow + f] + partials[7 * FilterRow + f];");
            w.Line("Unsafe.Add(ref db, f) = (p01 + p23) + (p45 + p67);");
        }
    }
}
