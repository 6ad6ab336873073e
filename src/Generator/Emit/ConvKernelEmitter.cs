using System.Collections.Generic;
using System.Linq;
using CompiledNets.Generator.Model;

namespace CompiledNets.Generator.Emit;

/// <summary>
/// Writes a convolution's kernels, specialised to its <see cref="ConvGeometry"/>. The forward pass is a direct convolution
/// (<see cref="EmitDirect"/>): a tile of 4 output channels × 4 vectors of positions keeps 16 accumulators in registers
/// over the whole reduction, each step one broadcast weight per channel and one load per vector (8 loads for 16 FMAs).
/// The input gradient is the same product turned round, a tile of 4 input channels × 4 vectors per kernel tap summed over
/// the filters (<see cref="EmitInputGradient"/>). The weight gradient of a layer of few filters is a dot product along
/// the positions per weight (<see cref="EmitWeightGradient"/>), in tiles of 4 filters × 4 weights; with 16 filters or
/// more it is a sum of outer products over the gradient's rows by position (<see cref="ConvWeightGradientRowsEmitter"/>).
/// Every kernel takes the range of samples (or filters) it computes, so a product splits across the pool without
/// changing any sum.
/// </summary>
internal static class ConvKernelEmitter
{
    /// <summary>Output channels (filters) per tile; the weight gradient splits filters between threads at multiples of it.</summary>
    public const int FilterTile = 4;

    /// <summary>Vectors of positions per tile.</summary>
    private const int PositionTile = 4;

    /// <summary>
    /// Samples per block of the weight gradient: every tile reads the block's output gradient and inputs, which stay in
    /// L2 while all tiles pass (a block of the Keras MNIST convnet's second layer is about 480 KB).
    /// </summary>
    private const int WeightGradientBatchBlock = 8;

    private static readonly (string Type, int Width)[] VectorTypes = { ("Vector512", 16), ("Vector256", 8), ("Vector128", 4) };

    /// <summary>One direct convolution: what it reads, what it writes, and how its weights are laid out.</summary>
    private sealed record Direct(
        string Name, int InChannels, int InPlane, int InRow, int InSample, int OutChannels, int OutPlane, int OutSample,
        int KernelHeight, int KernelWidth, int WeightOut, int WeightIn, int WeightRow, int WeightColumn, int WeightBase,
        bool Bias, ActivationKind Activation, float Alpha);

    // ------------------------------------------------------------------ forward

    /// <summary>Copies samples [first, last) into their padded planes, writing the zero border too (the buffer may be reused scratch).</summary>
    public static void EmitPad(SourceWriter w, ConvGeometry g)
    {
        var names = new ConvKernels(g, ActivationKind.Linear, 0f);
        w.Line($"/// <summary>Samples [first, last) of [{g.Channels}, {g.Height}, {g.Width}] into planes of [{g.PaddedHeight}, {g.PaddedWidth}]: the input at ({g.PadTop}, {g.PadLeft}), zeros around it.</summary>");
        using (w.Block($"internal static void {names.PadName}(ref float x, ref float padded, int first, int last)"))
        {
            w.Line($"const int H = {g.Height}, W = {g.Width}, Hp = {g.PaddedHeight}, Wp = {g.PaddedWidth}, C = {g.Channels};");
            using (w.Block("for (int b = first; b < last; b++)"))
            using (w.Block("for (int c = 0; c < C; c++)"))
            {
                w.Line("ref float source = ref Unsafe.Add(ref x, (b * C + c) * H * W);");
                w.Line("ref float plane = ref Unsafe.Add(ref padded, (b * C + c) * Hp * Wp);");
                if (g.PaddedPlane == g.Height * g.Width)
                {
                    w.Line("MemoryMarshal.CreateReadOnlySpan(ref source, H * W).CopyTo(MemoryMarshal.CreateSpan(ref plane, H * W));");
                }
                else
                {
                    w.Line("MemoryMarshal.CreateSpan(ref plane, Hp * Wp).Clear();");
                    using (w.Block("for (int h = 0; h < H; h++)"))
                        w.Line($"MemoryMarshal.CreateReadOnlySpan(ref Unsafe.Add(ref source, h * W), W).CopyTo(MemoryMarshal.CreateSpan(ref Unsafe.Add(ref plane, (h + {g.PadTop}) * Wp + {g.PadLeft}), W));");
                }
            }
        }
        w.Line();
    }

    /// <summary>The forward direct convolution into extended planes, bias and (a vector-form) activation in its epilogue.</summary>
    public static void EmitForward(SourceWriter w, ConvGeometry g, ActivationKind activation, float alpha)
    {
        var names = new ConvKernels(g, activation, alpha);
        w.Line("/// <summary>");
        w.Line($"/// <c>y[b, f, t] = {activation}(bias[f] + Σ_c,kh,kw w[f, c, kh, kw]·padded[b, c, t + kh·{g.PaddedWidth} + kw])</c> for samples b in [first, last),");
        w.Line($"/// {g.Filters} filters and the {g.ExtendedPlane} positions t of each extended plane ({g.FullHeight} rows of {g.PaddedWidth}, the last {g.Columns.Size - 1} columns unused).");
        w.Line("/// </summary>");
        EmitDirect(w, new Direct(names.ForwardName, g.Channels, g.PaddedPlane, g.PaddedWidth, g.PaddedSample, g.Filters, g.ExtendedPlane, g.ExtendedSample,
            g.Rows.Size, g.Columns.Size, WeightOut: g.Channels * g.KernelArea, WeightIn: g.KernelArea, WeightRow: g.Columns.Size, WeightColumn: 1, WeightBase: 0,
            Bias: true, activation, alpha));
    }

    /// <summary>The outputs out of the extended planes: every stride-th row and column of the positions that are outputs.</summary>
    public static void EmitCompact(SourceWriter w, ConvGeometry g)
    {
        var names = new ConvKernels(g, ActivationKind.Linear, 0f);
        int stride = g.Rows.Stride;
        w.Line($"/// <summary>Samples [first, last) from extended planes to [{g.Filters}, {g.OutHeight}, {g.OutWidth}].</summary>");
        using (w.Block($"internal static void {names.CompactName}(ref float extended, ref float y, int first, int last)"))
        {
            w.Line($"const int F = {g.Filters}, T = {g.ExtendedPlane}, Wp = {g.PaddedWidth}, OH = {g.OutHeight}, OW = {g.OutWidth};");
            using (w.Block("for (int b = first; b < last; b++)"))
            using (w.Block("for (int f = 0; f < F; f++)"))
            {
                w.Line("ref float plane = ref Unsafe.Add(ref extended, (b * F + f) * T);");
                w.Line("ref float target = ref Unsafe.Add(ref y, (b * F + f) * OH * OW);");
                using (w.Block("for (int oh = 0; oh < OH; oh++)"))
                {
                    if (stride == 1)
                        w.Line("MemoryMarshal.CreateReadOnlySpan(ref Unsafe.Add(ref plane, oh * Wp), OW).CopyTo(MemoryMarshal.CreateSpan(ref Unsafe.Add(ref target, oh * OW), OW));");
                    else
                        w.Line($"for (int ow = 0; ow < OW; ow++) Unsafe.Add(ref target, oh * OW + ow) = Unsafe.Add(ref plane, oh * {stride} * Wp + ow * {stride});");
                }
            }
        }
        w.Line();
    }

    // ------------------------------------------------------------------ backward

    /// <summary>The output gradient into the forward's extended planes (zeros where no output is), for the weight gradient.</summary>
    public static void EmitExtendGradient(SourceWriter w, ConvGeometry g)
    {
        var names = new ConvKernels(g, ActivationKind.Linear, 0f);
        int stride = g.Rows.Stride;
        w.Line($"/// <summary>dy [{g.Filters}, {g.OutHeight}, {g.OutWidth}] of every sample into extended planes at stride 1, zeros elsewhere.</summary>");
        using (w.Block($"internal static void {names.ExtendGradientName}(ref float dy, ref float extended, int rows)"))
        {
            w.Line($"const int F = {g.Filters}, T = {g.ExtendedPlane}, Wp = {g.PaddedWidth}, OH = {g.OutHeight}, OW = {g.OutWidth};");
            using (w.Block("for (int p = 0; p < rows * F; p++)"))
            {
                w.Line("ref float plane = ref Unsafe.Add(ref extended, p * T);");
                w.Line("ref float source = ref Unsafe.Add(ref dy, p * OH * OW);");
                if (stride == 1)
                {
                    // Each row's values, then zeros in its columns past the outputs and after the last row: every float
                    // of the plane is written once.
                    using (w.Block("for (int oh = 0; oh < OH; oh++)"))
                    {
                        w.Line("MemoryMarshal.CreateReadOnlySpan(ref Unsafe.Add(ref source, oh * OW), OW).CopyTo(MemoryMarshal.CreateSpan(ref Unsafe.Add(ref plane, oh * Wp), OW));");
                        if (g.PaddedWidth > g.OutWidth) w.Line("MemoryMarshal.CreateSpan(ref Unsafe.Add(ref plane, oh * Wp + OW), Wp - OW).Clear();");
                    }
                    if (g.ExtendedPlane > g.OutHeight * g.PaddedWidth) w.Line("MemoryMarshal.CreateSpan(ref Unsafe.Add(ref plane, OH * Wp), T - OH * Wp).Clear();");
                }
                else
                {
                    w.Line("MemoryMarshal.CreateSpan(ref plane, T).Clear();");
                    using (w.Block("for (int oh = 0; oh < OH; oh++)"))
                        w.Line($"for (int ow = 0; ow < OW; ow++) Unsafe.Add(ref plane, oh * {stride} * Wp + ow * {stride}) = Unsafe.Add(ref source, oh * OW + ow);");
                }
            }
        }
        w.Line();
    }

    /// <summary>
    /// The input gradient of samples [first, last), from the output gradient in the forward's extended planes: for each
    /// kernel tap <c>(kh, kw)</c> of input channel c, <c>Σ_f w[f, c, kh, kw]·dy[f, t]</c> is added at <c>t + kh·Wp + kw</c>
    /// of the padded input's gradient, which is then cropped to the input. A tile is 4 channels × 4 vectors of one tap,
    /// accumulated over the filters in registers; its four channels' planes lie apart, so its additions never overlap, and
    /// the taps run in order, so each value's sum has the same order whatever the split. Only the products the forward
    /// pass has are computed (a full correlation over a zero-bordered gradient would also multiply the border).
    /// </summary>
    public static void EmitInputGradient(SourceWriter w, ConvGeometry g)
    {
        var names = new ConvKernels(g, ActivationKind.Linear, 0f);
        w.Line($"/// <summary>dx [{g.Channels}, {g.Height}, {g.Width}] of samples [first, last): <c>dx[c, t + kh·{g.PaddedWidth} + kw] += Σ_f w[f, c, kh, kw]·dy[f, t]</c> over the padded input, cropped.</summary>");
        using (w.Block($"internal static void {names.InputGradientName}(ref float dy, ref float w, ref float padded, ref float dx, int first, int last)"))
        {
            w.Line($"const int C = {g.Channels}, F = {g.Filters}, Taps = {g.KernelArea}, K = C * Taps, T = {g.ExtendedPlane}, P = {g.PaddedPlane}, Wp = {g.PaddedWidth};");
            w.Line($"const int DySample = {g.ExtendedSample}, Sample = {g.InputGradientSample}, H = {g.Height}, W = {g.Width};");
            using (w.Block("for (int b = first; b < last; b++)"))
            {
                w.Line("ref float dys = ref Unsafe.Add(ref dy, b * DySample);");
                w.Line("ref float dxs = ref Unsafe.Add(ref padded, b * Sample);");
                w.Line("MemoryMarshal.CreateSpan(ref dxs, Sample).Clear();");
                EmitChannelTiles(w, "c", "C", g.Channels, (type, width, channels) => EmitInputGradientTaps(w, g, type, width, channels), () =>
                {
                    using (w.Block("for (int c = 0; c < C; c++)"))
                    using (w.Block("for (int tap = 0; tap < Taps; tap++)"))
                    {
                        w.Line($"int shift = tap / {g.Columns.Size} * Wp + tap % {g.Columns.Size};");
                        using (w.Block("for (int t = 0; t < T; t++)"))
                        {
                            w.Line("float s = 0f;");
                            w.Line("for (int f = 0; f < F; f++) s += Unsafe.Add(ref w, f * K + c * Taps + tap) * Unsafe.Add(ref dys, f * T + t);");
                            w.Line("Unsafe.Add(ref dxs, c * P + shift + t) += s;");
                        }
                    }
                });
                w.Line("// Cropped: the padding's gradient is dropped.");
                using (w.Block("for (int c = 0; c < C; c++)"))
                {
                    w.Line($"ref float plane = ref Unsafe.Add(ref dxs, c * P + {g.PadTop} * Wp + {g.PadLeft});");
                    w.Line("ref float target = ref Unsafe.Add(ref dx, (b * C + c) * H * W);");
                    using (w.Block("for (int h = 0; h < H; h++)"))
                        w.Line("MemoryMarshal.CreateReadOnlySpan(ref Unsafe.Add(ref plane, h * Wp), W).CopyTo(MemoryMarshal.CreateSpan(ref Unsafe.Add(ref target, h * W), W));");
                }
            }
        }
        w.Line();
    }

    /// <summary>Every tap and position of <paramref name="channels"/> input channels from <c>c</c>: tiles over the extended plane, as the forward pass's.</summary>
    private static void EmitInputGradientTaps(SourceWriter w, ConvGeometry g, string type, int width, int channels)
    {
        using (w.Block("for (int tap = 0; tap < Taps; tap++)"))
        {
            w.Line($"ref float target = ref Unsafe.Add(ref dxs, c * P + tap / {g.Columns.Size} * Wp + tap % {g.Columns.Size});");
            w.Line("ref float wt = ref Unsafe.Add(ref w, c * Taps + tap);");
            var (mainTiles, tail) = PositionTiles(g.ExtendedPlane / width);
            w.Line("int t = 0;");
            if (mainTiles > 0)
                using (w.Block($"for (; t < {mainTiles * PositionTile * width}; t += {PositionTile * width})")) EmitInputGradientTile(w, type, width, channels, PositionTile);
            foreach (int vectors in tail)
                using (w.Block($"// the next {vectors} vectors"))
                {
                    EmitInputGradientTile(w, type, width, channels, vectors);
                    w.Line($"t += {vectors * width};");
                }
        }
    }

    private static void EmitInputGradientTile(SourceWriter w, string type, int width, int channels, int vectors)
    {
        var accumulators = new List<string>();
        for (int j = 0; j < channels; j++)
            for (int v = 0; v < vectors; v++) accumulators.Add($"a{j}{v} = {type}<float>.Zero");
        w.Line($"{type}<float> " + string.Join(", ", accumulators) + ";");
        using (w.Block("for (int f = 0; f < F; f++)"))
        {
            w.Line("ref float df = ref Unsafe.Add(ref dys, f * T + t);");
            w.Line("ref float wf = ref Unsafe.Add(ref wt, f * K);");
            for (int v = 0; v < vectors; v++)
                w.Line($"{type}<float> d{v} = {type}.LoadUnsafe(ref df, (nuint)({v * width}));");
            for (int j = 0; j < channels; j++)
            {
                w.Line($"{type}<float> w{j} = {type}.Create(Unsafe.Add(ref wf, {j} * Taps));");
                for (int v = 0; v < vectors; v++) w.Line($"a{j}{v} = {type}.MultiplyAddEstimate(w{j}, d{v}, a{j}{v});");
            }
        }
        for (int j = 0; j < channels; j++)
        {
            w.Line($"ref float x{j} = ref Unsafe.Add(ref target, {(j == 0 ? "" : $"{j} * P + ")}t);");
            for (int v = 0; v < vectors; v++)
                w.Line($"({type}.LoadUnsafe(ref x{j}, (nuint)({v * width})) + a{j}{v}).StoreUnsafe(ref x{j}, (nuint)({v * width}));");
        }
    }

    /// <summary>
    /// <c>dw[f, c, kh, kw] = Σ_b,t dy[b, f, t]·padded[b, c, t + kh·Wp + kw]</c> and <c>db[f] = Σ_b,t dy[b, f, t]</c> for filters
    /// [first, last), dy in extended planes with zeros where no output is. Blocks of samples stay in L2 while every tile
    /// of 4 filters × 4 weights sums over them; each block adds to the sums of the blocks before it, in order.
    /// </summary>
    public static void EmitWeightGradient(SourceWriter w, ConvGeometry g)
    {
        var names = new ConvKernels(g, ActivationKind.Linear, 0f);
        w.Line("/// <summary>");
        w.Line($"/// The weight and bias gradients of filters [first, last) of {g.Filters}, summed over the batch and the {g.ExtendedPlane} positions of each extended plane:");
        w.Line($"/// tiles of {FilterTile} filters × 4 weights, {WeightGradientBatchBlock} samples at a time.");
        w.Line("/// </summary>");
        using (w.Block($"internal static void {names.WeightGradientName}(ref float dy, ref float padded, ref float dw, ref float db, int batch, int first, int last)"))
        {
            w.Line($"const int K = {g.Channels * g.KernelArea}, T = {g.ExtendedPlane}, DySample = {g.ExtendedSample}, XSample = {g.PaddedSample};");
            using (w.Block($"for (int b0 = 0; b0 < batch; b0 += {WeightGradientBatchBlock})"))
            {
                w.Line($"int b1 = Math.Min(batch, b0 + {WeightGradientBatchBlock});");
                w.Line("int o = first;");
                if (g.Filters >= FilterTile)
                    using (w.Block($"for (; o <= last - {FilterTile}; o += {FilterTile})")) EmitWeightGradientRow(w, g, FilterTile);
                if (g.Filters % FilterTile != 0)
                    using (w.Block("for (; o < last; o++)")) EmitWeightGradientRow(w, g, 1);
            }
            w.Line("// The bias gradient: each filter's sum over samples and positions, the vectors' lanes added at the end.");
            using (w.Block("for (int o = first; o < last; o++)"))
            {
                w.Line("float total = 0f;");
                bool firstType = true;
                foreach (var (type, width) in VectorTypes)
                {
                    using (w.Block($"{(firstType ? "if" : "else if")} ({type}.IsHardwareAccelerated)"))
                    {
                        w.Line($"{type}<float> sum = {type}<float>.Zero;");
                        using (w.Block("for (int b = 0; b < batch; b++)"))
                        {
                            w.Line("ref float row = ref Unsafe.Add(ref dy, b * DySample + o * T);");
                            w.Line($"for (int t = 0; t < T; t += {width}) sum += {type}.LoadUnsafe(ref row, (nuint)t);");
                        }
                        w.Line($"total = {type}.Sum(sum);");
                    }
                    firstType = false;
                }
                using (w.Block("else"))
                    w.Line("for (int b = 0; b < batch; b++) for (int t = 0; t < T; t++) total += Unsafe.Add(ref dy, b * DySample + o * T + t);");
                w.Line("Unsafe.Add(ref db, o) = total;");
            }
        }
        w.Line();
    }

    /// <summary>One row of tiles of the weight gradient: <paramref name="filters"/> filters from <c>o</c> against every weight.</summary>
    private static void EmitWeightGradientRow(SourceWriter w, ConvGeometry g, int filters)
    {
        w.Line("int k = 0;");
        if (g.Channels * g.KernelArea >= 4)
            using (w.Block("for (; k <= K - 4; k += 4)")) EmitWeightGradientTile(w, g, filters, 4);
        if (g.Channels * g.KernelArea % 4 != 0)
            using (w.Block("for (; k < K; k++)")) EmitWeightGradientTile(w, g, filters, 1);
    }

    private static void EmitWeightGradientTile(SourceWriter w, ConvGeometry g, int filters, int weights)
    {
        // Weight k = (c, kh, kw) reads the padded input at c·plane + kh·Wp + kw.
        for (int q = 0; q < weights; q++)
        {
            string k = q == 0 ? "k" : $"(k + {q})";
            w.Line($"int x{q} = {k} / {g.KernelArea} * {g.PaddedPlane} + {k} % {g.KernelArea} / {g.Columns.Size} * {g.PaddedWidth} + {k} % {g.Columns.Size};");
        }
        var names = new List<string>();
        for (int j = 0; j < filters; j++)
            for (int q = 0; q < weights; q++) names.Add($"{j}{q}");
        w.Line("float " + string.Join(", ", names.Select(n => $"s{n} = 0f")) + ";");
        bool firstType = true;
        foreach (var (type, width) in VectorTypes)
        {
            using (w.Block($"{(firstType ? "if" : "else if")} ({type}.IsHardwareAccelerated)"))
            {
                w.Line($"{type}<float> " + string.Join(", ", names.Select(n => $"a{n} = {type}<float>.Zero")) + ";");
                using (w.Block("for (int b = b0; b < b1; b++)"))
                {
                    // A reference per weight's input and an unsigned position: each load is one addressing mode, with no
                    // index arithmetic beside the FMAs.
                    w.Line("ref float d = ref Unsafe.Add(ref dy, b * DySample + o * T);");
                    w.Line("ref float x = ref Unsafe.Add(ref padded, b * XSample);");
                    w.Line(string.Join(" ", Enumerable.Range(0, weights).Select(q => $"ref float x{q}r = ref Unsafe.Add(ref x, x{q});")));
                    using (w.Block($"for (nuint t = 0; t < T; t += {width})"))
                    {
                        for (int j = 0; j < filters; j++) w.Line($"{type}<float> d{j} = {type}.LoadUnsafe(ref d, {(j == 0 ? "" : $"{j} * T + ")}t);");
                        for (int q = 0; q < weights; q++)
                        {
                            w.Line($"{type}<float> v{q} = {type}.LoadUnsafe(ref x{q}r, t);");
                            for (int j = 0; j < filters; j++) w.Line($"a{j}{q} = {type}.MultiplyAddEstimate(d{j}, v{q}, a{j}{q});");
                        }
                    }
                }
                if (type == "Vector512" && DotSumEmitter.Combines(names.Count))
                    foreach (string statement in DotSumEmitter.Statements(names)) w.Line(statement);
                else
                    foreach (string name in names) w.Line($"s{name} = {type}.Sum(a{name});");
            }
            firstType = false;
        }
        using (w.Block("else"))
        {
            using (w.Block("for (int b = b0; b < b1; b++)"))
            using (w.Block("for (int t = 0; t < T; t++)"))
            {
                for (int j = 0; j < filters; j++)
                {
                    w.Line($"float d{j} = Unsafe.Add(ref dy, b * DySample + (o + {j}) * T + t);");
                    for (int q = 0; q < weights; q++) w.Line($"s{j}{q} += d{j} * Unsafe.Add(ref padded, b * XSample + x{q} + t);");
                }
            }
        }
        // The first block writes, the others add in order: every weight's sum is the same whatever the split over filters.
        for (int j = 0; j < filters; j++)
            for (int q = 0; q < weights; q++)
                w.Line($"if (b0 == 0) Unsafe.Add(ref dw, (o + {j}) * K + k + {q}) = s{j}{q}; else Unsafe.Add(ref dw, (o + {j}) * K + k + {q}) += s{j}{q};");
    }

    // ------------------------------------------------------------------ the direct convolution

    /// <summary>
    /// <c>y[b, o, t] = activation(bias[o] + Σ_i,kh,kw w(o, i, kh, kw)·x[b, i, t + kh·row + kw])</c> for samples b in [first, last),
    /// the weights at <c>base + o·out + i·in + kh·row + kw·column</c>.
    /// </summary>
    private static void EmitDirect(SourceWriter w, Direct d)
    {
        using (w.Block($"internal static void {d.Name}(ref float x, ref float w, ref float bias, ref float y, int first, int last)"))
        {
            w.Line($"const int Ci = {d.InChannels}, Co = {d.OutChannels}, T = {d.OutPlane}, InPlane = {d.InPlane}, InSample = {d.InSample}, OutSample = {d.OutSample};");
            using (w.Block("for (int b = first; b < last; b++)"))
            {
                w.Line("ref float xs = ref Unsafe.Add(ref x, b * InSample);");
                w.Line("ref float ys = ref Unsafe.Add(ref y, b * OutSample);");
                EmitChannelTiles(w, "o", "Co", d.OutChannels, (type, width, channels) => EmitPositions(w, d, type, width, channels), () => EmitScalarDirect(w, d));
            }
        }
        w.Line();
    }

    /// <summary>
    /// One branch per vector width the hardware may accelerate, widest first, each running the channels (<paramref name="index"/>
    /// up to <paramref name="count"/>) in tiles of <see cref="FilterTile"/> and then one by one; the scalar loop last.
    /// </summary>
    private static void EmitChannelTiles(SourceWriter w, string index, string count, int channels, System.Action<string, int, int> tiles, System.Action scalar)
    {
        bool firstType = true;
        foreach (var (type, width) in VectorTypes)
        {
            using (w.Block($"{(firstType ? "if" : "else if")} ({type}.IsHardwareAccelerated)"))
            {
                w.Line($"int {index} = 0;");
                if (channels >= FilterTile)
                    using (w.Block($"for (; {index} <= {count} - {FilterTile}; {index} += {FilterTile})")) tiles(type, width, FilterTile);
                if (channels % FilterTile != 0)
                    using (w.Block($"for (; {index} < {count}; {index}++)")) tiles(type, width, 1);
            }
            firstType = false;
        }
        using (w.Block("else")) scalar();
    }

    /// <summary>
    /// Every position of <paramref name="channels"/> output channels from <c>o</c>: a loop of tiles of 4 vectors, then the
    /// plane's last vectors (it is whole vectors) as one or two narrower tiles.
    /// </summary>
    private static void EmitPositions(SourceWriter w, Direct d, string type, int width, int channels)
    {
        var (mainTiles, tail) = PositionTiles(d.OutPlane / width);
        w.Line("int t = 0;");
        if (mainTiles > 0)
            using (w.Block($"for (; t < {mainTiles * PositionTile * width}; t += {PositionTile * width})")) EmitDirectTile(w, d, type, width, channels, PositionTile);
        foreach (int vectors in tail)
            using (w.Block($"// the next {vectors} vectors"))
            {
                EmitDirectTile(w, d, type, width, channels, vectors);
                w.Line($"t += {vectors * width};");
            }
    }

    /// <summary>
    /// How a plane of <paramref name="vectors"/> vectors is tiled: full tiles of <see cref="PositionTile"/>, then the rest.
    /// A rest of one vector would leave a 4-filter tile only 4 independent accumulators, each FMA waiting for the previous
    /// one; so a plane of 4k + 1 vectors ends in tiles of 3 and 2 instead (12 and 8 accumulators). Each output's sum is the
    /// same whatever tile computes it.
    /// </summary>
    private static (int MainTiles, int[] Tail) PositionTiles(int vectors)
    {
        int rest = vectors % PositionTile;
        if (rest == 1 && vectors > PositionTile) return (vectors / PositionTile - 1, new[] { 3, 2 });
        return (vectors / PositionTile, rest == 0 ? System.Array.Empty<int>() : new[] { rest });
    }

    private static void EmitDirectTile(SourceWriter w, Direct d, string type, int width, int channels, int vectors)
    {
        var accumulators = new List<string>();
        for (int j = 0; j < channels; j++)
            for (int v = 0; v < vectors; v++) accumulators.Add($"a{j}{v} = {type}<float>.Zero");
        w.Line($"{type}<float> " + string.Join(", ", accumulators) + ";");
        using (w.Block("for (int i = 0; i < Ci; i++)"))
        {
            w.Line("ref float xi = ref Unsafe.Add(ref xs, i * InPlane + t);");
            w.Line($"ref float wi = ref Unsafe.Add(ref w, {d.WeightBase} + o * {d.WeightOut} + i * {d.WeightIn});");
            using (w.Block($"for (int kh = 0; kh < {d.KernelHeight}; kh++)"))
            {
                w.Line($"ref float xr = ref Unsafe.Add(ref xi, kh * {d.InRow});");
                w.Line($"ref float wr = ref Unsafe.Add(ref wi, kh * {d.WeightRow});");
                // The columns unrolled: a kernel is a few columns wide.
                for (int kw = 0; kw < d.KernelWidth; kw++)
                {
                    for (int v = 0; v < vectors; v++)
                        w.Line($"{type}<float> x{kw}_{v} = {type}.LoadUnsafe(ref xr, (nuint)({kw + v * width}));");
                    for (int j = 0; j < channels; j++)
                    {
                        w.Line($"{type}<float> w{kw}_{j} = {type}.Create(Unsafe.Add(ref wr, {j * d.WeightOut + kw * d.WeightColumn}));");
                        for (int v = 0; v < vectors; v++) w.Line($"a{j}{v} = {type}.MultiplyAddEstimate(w{kw}_{j}, x{kw}_{v}, a{j}{v});");
                    }
                }
            }
        }
        for (int j = 0; j < channels; j++)
        {
            string sum = d.Bias ? $"(a{{0}} + {type}.Create(Unsafe.Add(ref bias, o + {j})))" : "a{0}";
            for (int v = 0; v < vectors; v++)
            {
                string value = ActivationExpressions.Vector(d.Activation, d.Alpha, type, string.Format(System.Globalization.CultureInfo.InvariantCulture, sum, $"{j}{v}"))!;
                w.Line($"({value}).StoreUnsafe(ref ys, (nuint)((o + {j}) * T + t + {v * width}));");
            }
        }
    }

    private static void EmitScalarDirect(SourceWriter w, Direct d)
    {
        using (w.Block("for (int o = 0; o < Co; o++)"))
        using (w.Block("for (int t = 0; t < T; t++)"))
        {
            w.Line("float s = 0f;");
            using (w.Block("for (int i = 0; i < Ci; i++)"))
            using (w.Block($"for (int kh = 0; kh < {d.KernelHeight}; kh++)"))
            using (w.Block($"for (int kw = 0; kw < {d.KernelWidth}; kw++)"))
                w.Line($"s += Unsafe.Add(ref w, {d.WeightBase} + o * {d.WeightOut} + i * {d.WeightIn} + kh * {d.WeightRow} + kw * {d.WeightColumn}) * Unsafe.Add(ref xs, i * InPlane + t + kh * {d.InRow} + kw);");
            string sum = d.Bias ? "(s + Unsafe.Add(ref bias, o))" : "s";
            w.Line($"Unsafe.Add(ref ys, o * T + t) = {ActivationExpressions.Scalar(d.Activation, d.Alpha, sum)};");
        }
    }
}
