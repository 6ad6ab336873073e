using System.Collections.Generic;
using System.Linq;
using CompiledNets.Generator.Layers;

namespace CompiledNets.Generator.Emit;

/// <summary>One pooling layer's kernels are specialised to this: the kind, the input <c>[C, H, W]</c> and the window.</summary>
internal sealed record PoolKernel(bool Maximum, int Channels, int Height, int Width, Window Window)
{
    public int OutHeight => Window.Output(Height);

    public int OutWidth => Window.Output(Width);

    public string Signature =>
        $"{Channels}x{Height}x{Width}_{Window.Size}" + (Window.Stride != Window.Size ? $"s{Window.Stride}" : "") + (Window.Same ? "_same" : "");

    public string ForwardName => $"{(Maximum ? "MaxPool" : "AvgPool")}_{Signature}";

    public string BackwardName => $"{(Maximum ? "MaxPool" : "AvgPool")}Backward_{Signature}";

    /// <summary>
    /// Max pooling that also records each window's chosen input (<see cref="PoolArgmaxEmitter"/>), reading input rows
    /// <paramref name="rowStride"/> floats apart in planes <paramref name="planeStride"/> apart (a convolution's extended rows).
    /// </summary>
    public string ArgmaxName(int rowStride, int planeStride) =>
        $"MaxPoolArgmax_{Signature}" + (rowStride == Width && planeStride == Height * Width ? "" : $"_in{rowStride}x{planeStride}");

    /// <summary>Output steps of four per output row: the record of a row pair's choices has one slot per step (eight-output steps use the first ones).</summary>
    public int ArgmaxSlotsPerRow => (OutWidth + 3) / 4;

    /// <summary>Slots of one sample's record of choices: one per four-output step of every output row of every channel.</summary>
    public int ArgmaxSlots => Channels * OutHeight * ArgmaxSlotsPerRow;
}

/// <summary>
/// The forward pass of a pooling layer, reading input rows <paramref name="RowStride"/> floats apart in planes
/// <paramref name="PlaneStride"/> apart: compacted inputs (<see cref="Pool"/>'s width and height × width), or at
/// inference a stride-1 convolution's extended rows (<see cref="Reading"/>).
/// </summary>
internal sealed record PoolForwardKernel(PoolKernel Pool, int RowStride, int PlaneStride) : KernelRequest
{
    /// <summary>The pooling over compacted inputs.</summary>
    public PoolForwardKernel(PoolKernel pool)
        : this(pool, pool.Width, pool.Height * pool.Width)
    {
    }

    /// <summary>Whether the input has gaps: a row stride wider than a row, or planes longer than their rows.</summary>
    public bool HasGaps => RowStride != Pool.Width || PlaneStride != Pool.Height * Pool.Width;

    public string Name => Pool.ForwardName + (HasGaps ? $"_in{RowStride}x{PlaneStride}" : "");

    public override void Emit(SourceWriter w) => PoolKernelEmitter.EmitForward(w, this);
}

/// <summary>The backward pass of a pooling layer.</summary>
internal sealed record PoolBackwardKernel(PoolKernel Pool) : KernelRequest
{
    public override void Emit(SourceWriter w) => PoolKernelEmitter.EmitBackward(w, Pool);
}

/// <summary>
/// Writes max and average pooling over each channel plane of <c>[C, H, W]</c> samples: every window clipped to the input
/// (Same padding only adds windows that reach past it), the maximum or the mean of what is inside. Max pooling's gradient
/// goes to the window's first maximum in row-major order (a NaN counts as the maximum), average pooling's spreads evenly.
/// </summary>
internal static class PoolKernelEmitter
{
    /// <summary>
    /// True for the common 2 × 2 pooling with stride 2 and no padding: its windows tile the input, so each row pair of
    /// sixteen (AVX-512) or eight (AVX2) values gives eight or four outputs with a few vector operations and shuffles.
    /// </summary>
    public static bool PairsInVectors(PoolKernel p) => p.Window.Size == 2 && p.Window.Stride == 2 && !p.Window.Same && p.OutWidth >= 4;

    public static void EmitForward(SourceWriter w, PoolForwardKernel kernel)
    {
        var p = kernel.Pool;
        // An input with gaps names its row and plane strides; a compacted one keeps W and H * W.
        var (row, plane) = kernel.HasGaps ? ("InRow", "InPlane") : ("W", "H * W");
        string layout = kernel.HasGaps ? $" (input rows {kernel.RowStride} floats apart, planes {kernel.PlaneStride})" : "";
        w.Line($"/// <summary>{(p.Maximum ? "Max" : "Average")} pooling of every sample: [{p.Channels}, {p.Height}, {p.Width}]{layout} to [{p.Channels}, {p.OutHeight}, {p.OutWidth}].</summary>");
        using (w.Block($"internal static void {kernel.Name}(ref float x, ref float y, int rows)"))
        {
            if (kernel.HasGaps)
            {
                // H and W only where Same windows are clipped to the input (EmitWindows); the strides stand for them elsewhere.
                w.Line($"const int C = {p.Channels}, {(p.Window.Same ? $"H = {p.Height}, W = {p.Width}, " : "")}OH = {p.OutHeight}, OW = {p.OutWidth}, InRow = {kernel.RowStride}, InPlane = {kernel.PlaneStride};");
            }
            else EmitConstants(w, p);
            if (PairsInVectors(p)) EmitPairForward(w, p, row, plane);
            using (w.Block("for (int plane = 0; plane < rows * C; plane++)"))
            {
                w.Line($"ref float input = ref Unsafe.Add(ref x, plane * {plane});");
                w.Line("ref float output = ref Unsafe.Add(ref y, plane * OH * OW);");
                EmitWindows(w, p, () =>
                {
                    if (p.Maximum)
                    {
                        w.Line($"float m = Unsafe.Add(ref input, hs * {row} + ws);");
                        using (w.Block("for (int h = hs; h < he; h++)"))
                        using (w.Block("for (int c = ws; c < we; c++)"))
                        {
                            w.Line($"float v = Unsafe.Add(ref input, h * {row} + c);");
                            w.Line("if (v > m || float.IsNaN(v)) m = v;");
                        }
                        w.Line("Unsafe.Add(ref output, oh * OW + ow) = m;");
                    }
                    else
                    {
                        w.Line("float s = 0f;");
                        using (w.Block("for (int h = hs; h < he; h++)"))
                        using (w.Block("for (int c = ws; c < we; c++)"))
                            w.Line($"s += Unsafe.Add(ref input, h * {row} + c);");
                        w.Line("Unsafe.Add(ref output, oh * OW + ow) = s / ((he - hs) * (we - ws));");
                    }
                });
            }
        }
        w.Line();
    }

    public static void EmitBackward(SourceWriter w, PoolKernel p)
    {
        w.Line($"/// <summary>The input gradient of {(p.Maximum ? "max" : "average")} pooling: dx [{p.Channels}, {p.Height}, {p.Width}] from dy [{p.Channels}, {p.OutHeight}, {p.OutWidth}] of every sample.</summary>");
        using (w.Block($"internal static void {p.BackwardName}(ref float x, ref float y, ref float dy, ref float dx, int rows)"))
        {
            EmitConstants(w, p);
            if (PairsInVectors(p)) EmitPairBackward(w, p);
            using (w.Block("for (int plane = 0; plane < rows * C; plane++)"))
            {
                w.Line("ref float input = ref Unsafe.Add(ref x, plane * H * W);");
                w.Line("ref float gradient = ref Unsafe.Add(ref dy, plane * OH * OW);");
                w.Line("ref float target = ref Unsafe.Add(ref dx, plane * H * W);");
                w.Line("MemoryMarshal.CreateSpan(ref target, H * W).Clear();");
                EmitWindows(w, p, () =>
                {
                    w.Line("float g = Unsafe.Add(ref gradient, oh * OW + ow);");
                    if (p.Maximum)
                    {
                        w.Line("int at = hs * W + ws;");
                        w.Line("float m = Unsafe.Add(ref input, at);");
                        using (w.Block("for (int h = hs; h < he; h++)"))
                        using (w.Block("for (int c = ws; c < we; c++)"))
                        {
                            w.Line("float v = Unsafe.Add(ref input, h * W + c);");
                            w.Line("if (v > m || (float.IsNaN(v) && !float.IsNaN(m))) { m = v; at = h * W + c; }");
                        }
                        w.Line("Unsafe.Add(ref target, at) += g;");
                    }
                    else
                    {
                        w.Line("float share = g / ((he - hs) * (we - ws));");
                        using (w.Block("for (int h = hs; h < he; h++)"))
                        using (w.Block("for (int c = ws; c < we; c++)"))
                            w.Line("Unsafe.Add(ref target, h * W + c) += share;");
                    }
                });
            }
        }
        w.Line();
    }

    /// <summary>
    /// The vector paths of <see cref="PairsInVectors"/> pooling, returning before the general loops: eight outputs a step
    /// with AVX-512 when a row has that many, else four. Each row ends with a step that overlaps the one before it (the
    /// same outputs again) rather than a scalar tail; its loads end at input column 2 * OW, within the row.
    /// </summary>
    private static void EmitPairForward(SourceWriter w, PoolKernel p, string row, string plane)
    {
        foreach (var (vector, _, lanes) in PairVectors(p))
        {
            using (w.Block($"if ({vector}.IsHardwareAccelerated)"))
            {
                w.Line($"{vector}<int> swap = {Indices(vector, 2 * lanes, i => i ^ 1)};");
                w.Line($"{vector}<int> evens = {Indices(vector, 2 * lanes, i => 2 * i % (2 * lanes))};");
                using (w.Block("for (int plane = 0; plane < rows * C; plane++)"))
                using (w.Block("for (int oh = 0; oh < OH; oh++)"))
                {
                    w.Line($"ref float top = ref Unsafe.Add(ref x, plane * {plane} + 2 * oh * {row});");
                    w.Line($"ref float bottom = ref Unsafe.Add(ref top, {row});");
                    w.Line("ref float output = ref Unsafe.Add(ref y, plane * OH * OW + oh * OW);");
                    using (w.Block($"for (int ow = 0; ow < OW; ow += {lanes})"))
                    {
                        w.Line($"int at = Math.Min(ow, OW - {lanes}); // a row's last step overlaps the one before (the same values again), no scalar tail");
                        w.Line($"{vector}<float> upper = {vector}.LoadUnsafe(ref top, (nuint)(2 * at)), lower = {vector}.LoadUnsafe(ref bottom, (nuint)(2 * at));");
                        if (p.Maximum)
                        {
                            w.Line("// Vertical maxima, then each pair's: the even lanes hold the windows' maxima (NaN wins, as in the scalar loop).");
                            w.Line($"{vector}<float> rows2 = {vector}.Max(upper, lower);");
                            w.Line($"{vector}<float> pairs = {vector}.Max(rows2, {vector}.Shuffle(rows2, swap));");
                            w.Line($"{vector}.Shuffle(pairs, evens).GetLower().StoreUnsafe(ref output, (nuint)at);");
                        }
                        else
                        {
                            w.Line("// The even lanes hold the windows' sums in the scalar loop's order, from its zero (which makes a sum of -0s +0).");
                            w.Line($"{vector}<float> sums = {vector}<float>.Zero + upper + {vector}.Shuffle(upper, swap) + lower + {vector}.Shuffle(lower, swap);");
                            w.Line($"({vector}.Shuffle(sums, evens).GetLower() / 4f).StoreUnsafe(ref output, (nuint)at);");
                        }
                    }
                }
                w.Line("return;");
            }
        }
    }

    /// <summary>
    /// The vector paths of <see cref="PairsInVectors"/> pooling's gradient. Max: each input that equals its window's maximum
    /// and is the first that does (top-left, top-right, bottom-left, bottom-right) takes the output's gradient, as in the
    /// scalar loop. Average: every input takes a quarter. The steps store every input of the windows (overlapping steps
    /// store the same values again), so only the inputs no window covers (the last column or row of an odd width or
    /// height) are cleared.
    /// </summary>
    private static void EmitPairBackward(SourceWriter w, PoolKernel p)
    {
        foreach (var (vector, half, lanes) in PairVectors(p))
        {
            using (w.Block($"if ({vector}.IsHardwareAccelerated)"))
            {
                w.Line($"{vector}<int> spread = {Indices(vector, 2 * lanes, i => i / 2)};");
                if (p.Maximum)
                {
                    w.Line($"{vector}<int> evens = {Indices(vector, 2 * lanes, i => i & ~1)}, odds = {Indices(vector, 2 * lanes, i => i | 1)};");
                    w.Line($"{vector}<float> odd = {Indices(vector, 2 * lanes, i => -(i & 1))}.AsSingle();");
                }
                using (w.Block("for (int plane = 0; plane < rows * C; plane++)"))
                {
                    w.Line("ref float target = ref Unsafe.Add(ref dx, plane * H * W);");
                    using (w.Block("for (int oh = 0; oh < OH; oh++)"))
                    {
                        if (p.Maximum)
                        {
                            w.Line("ref float top = ref Unsafe.Add(ref x, plane * H * W + 2 * oh * W);");
                            w.Line("ref float bottom = ref Unsafe.Add(ref top, W);");
                            w.Line("ref float maxima = ref Unsafe.Add(ref y, plane * OH * OW + oh * OW);");
                        }
                        w.Line("ref float gradient = ref Unsafe.Add(ref dy, plane * OH * OW + oh * OW);");
                        w.Line("ref float targetTop = ref Unsafe.Add(ref target, 2 * oh * W);");
                        w.Line("ref float targetBottom = ref Unsafe.Add(ref targetTop, W);");
                        using (w.Block($"for (int ow = 0; ow < OW; ow += {lanes})"))
                        {
                            w.Line($"int at = Math.Min(ow, OW - {lanes}); // a row's last step overlaps the one before (the same values again), no scalar tail");
                            if (p.Maximum) EmitMaxGradientStep(w, vector, half);
                            else
                            {
                                w.Line("// The scalar loop adds each share to a cleared plane: 0 + share, which makes a -0 share +0.");
                                w.Line($"{vector}<float> share = {vector}.Shuffle(({half}.LoadUnsafe(ref gradient, (nuint)at) / 4f).To{vector}Unsafe(), spread) + {vector}<float>.Zero;");
                                w.Line("share.StoreUnsafe(ref targetTop, (nuint)(2 * at));");
                                w.Line("share.StoreUnsafe(ref targetBottom, (nuint)(2 * at));");
                            }
                        }
                        if (p.Width % 2 != 0)
                            w.Line("Unsafe.Add(ref targetTop, W - 1) = 0f; Unsafe.Add(ref targetBottom, W - 1) = 0f; // the odd last column is in no window");
                    }
                    if (p.Height % 2 != 0)
                        w.Line("MemoryMarshal.CreateSpan(ref Unsafe.Add(ref target, (H - 1) * W), W).Clear(); // the odd last row is in no window");
                }
                w.Line("return;");
            }
        }
    }

    /// <summary>One step of max pooling's vector gradient: the two input rows' lanes that take their window's gradient.</summary>
    private static void EmitMaxGradientStep(SourceWriter w, string vector, string half)
    {
        w.Line($"{vector}<float> m = {vector}.Shuffle({half}.LoadUnsafe(ref maxima, (nuint)at).To{vector}Unsafe(), spread);");
        w.Line($"{vector}<float> g = {vector}.Shuffle({half}.LoadUnsafe(ref gradient, (nuint)at).To{vector}Unsafe(), spread);");
        w.Line("// A window's maximum is NaN exactly when one of its inputs is (NaN wins), and then its first NaN takes the gradient.");
        w.Line($"{vector}<float> upperValues = {vector}.LoadUnsafe(ref top, (nuint)(2 * at)), lowerValues = {vector}.LoadUnsafe(ref bottom, (nuint)(2 * at));");
        w.Line($"{vector}<float> upper = {vector}.Equals(upperValues, m) | {vector}.IsNaN(upperValues);");
        w.Line($"{vector}<float> lower = {vector}.Equals(lowerValues, m) | {vector}.IsNaN(lowerValues);");
        w.Line("// In each pair of lanes the left one comes first: a right lane wins only when its left one does not.");
        w.Line($"{vector}<float> upperLeft = {vector}.Shuffle(upper, evens), upperAny = upperLeft | {vector}.Shuffle(upper, odds);");
        w.Line($"{vector}<float> firstUpper = {vector}.AndNot(upper, upperLeft & odd);");
        w.Line($"{vector}<float> firstLower = {vector}.AndNot({vector}.AndNot(lower, upperAny), {vector}.Shuffle(lower, evens) & odd);");
        w.Line("(g & firstUpper).StoreUnsafe(ref targetTop, (nuint)(2 * at));");
        w.Line("(g & firstLower).StoreUnsafe(ref targetBottom, (nuint)(2 * at));");
    }

    /// <summary>The vector widths of the pair paths, widest first: AVX-512 only when a row has its eight outputs.</summary>
    internal static IEnumerable<(string Vector, string Half, int Lanes)> PairVectors(PoolKernel p)
    {
        if (p.OutWidth >= 8) yield return ("Vector512", "Vector256", 8);
        yield return ("Vector256", "Vector128", 4);
    }

    internal static string Indices(string vector, int count, System.Func<int, int> index) =>
        $"{vector}.Create({string.Join(", ", Enumerable.Range(0, count).Select(index))})";

    internal static void EmitConstants(SourceWriter w, PoolKernel p) =>
        w.Line($"const int C = {p.Channels}, H = {p.Height}, W = {p.Width}, OH = {p.OutHeight}, OW = {p.OutWidth};");

    /// <summary>Every output (oh, ow) with its window's rows [hs, he) and columns [ws, we), clipped to the input.</summary>
    private static void EmitWindows(SourceWriter w, PoolKernel p, System.Action body)
    {
        var window = p.Window;
        int top = window.PaddingBefore(p.Height), left = window.PaddingBefore(p.Width);
        using (w.Block("for (int oh = 0; oh < OH; oh++)"))
        {
            w.Line(top == 0 && !window.Same
                ? $"int hs = oh * {window.Stride}, he = hs + {window.Size};"
                : $"int hs = Math.Max(oh * {window.Stride} - {top}, 0), he = Math.Min(oh * {window.Stride} - {top} + {window.Size}, H);");
            using (w.Block("for (int ow = 0; ow < OW; ow++)"))
            {
                w.Line(left == 0 && !window.Same
                    ? $"int ws = ow * {window.Stride}, we = ws + {window.Size};"
                    : $"int ws = Math.Max(ow * {window.Stride} - {left}, 0), we = Math.Min(ow * {window.Stride} - {left} + {window.Size}, W);");
                body();
            }
        }
    }
}
