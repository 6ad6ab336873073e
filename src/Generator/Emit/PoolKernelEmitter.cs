using CompiledNets.Generator.Layers;

namespace CompiledNets.Generator.Emit;

/// <summary>One pooling layer's kernels are specialised to this: the kind, the input <c>[C, H, W]</c> and the window.</summary>
internal sealed record PoolKernel(bool Maximum, int Channels, int Height, int Width, Window Window)
{
    public int OutHeight => Window.Output(Height);

    public int OutWidth => Window.Output(Width);

    private string Signature =>
        $"{Channels}x{Height}x{Width}_{Window.Size}" + (Window.Stride != Window.Size ? $"s{Window.Stride}" : "") + (Window.Same ? "_same" : "");

    public string ForwardName => $"{(Maximum ? "MaxPool" : "AvgPool")}_{Signature}";

    public string BackwardName => $"{(Maximum ? "MaxPool" : "AvgPool")}Backward_{Signature}";
}

/// <summary>The forward pass of a pooling layer.</summary>
internal sealed record PoolForwardKernel(PoolKernel Pool) : KernelRequest
{
    public override void Emit(SourceWriter w) => PoolKernelEmitter.EmitForward(w, Pool);
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
    /// True for the common 2 × 2 max pooling with stride 2 and no padding: its windows tile the input, so each row pair
    /// of eight values gives four outputs with two vector maxima and two shuffles (AVX2 or wider).
    /// </summary>
    private static bool PairsInVectors(PoolKernel p) => p.Maximum && p.Window.Size == 2 && p.Window.Stride == 2 && !p.Window.Same && p.OutWidth >= 4;

    public static void EmitForward(SourceWriter w, PoolKernel p)
    {
        w.Line($"/// <summary>{(p.Maximum ? "Max" : "Average")} pooling of every sample: [{p.Channels}, {p.Height}, {p.Width}] to [{p.Channels}, {p.OutHeight}, {p.OutWidth}].</summary>");
        using (w.Block($"internal static void {p.ForwardName}(ref float x, ref float y, int rows)"))
        {
            EmitConstants(w, p);
            if (PairsInVectors(p)) EmitPairForward(w);
            using (w.Block("for (int plane = 0; plane < rows * C; plane++)"))
            {
                w.Line("ref float input = ref Unsafe.Add(ref x, plane * H * W);");
                w.Line("ref float output = ref Unsafe.Add(ref y, plane * OH * OW);");
                EmitWindows(w, p, () =>
                {
                    if (p.Maximum)
                    {
                        w.Line("float m = Unsafe.Add(ref input, hs * W + ws);");
                        using (w.Block("for (int h = hs; h < he; h++)"))
                        using (w.Block("for (int c = ws; c < we; c++)"))
                        {
                            w.Line("float v = Unsafe.Add(ref input, h * W + c);");
                            w.Line("if (v > m || float.IsNaN(v)) m = v;");
                        }
                        w.Line("Unsafe.Add(ref output, oh * OW + ow) = m;");
                    }
                    else
                    {
                        w.Line("float s = 0f;");
                        using (w.Block("for (int h = hs; h < he; h++)"))
                        using (w.Block("for (int c = ws; c < we; c++)"))
                            w.Line("s += Unsafe.Add(ref input, h * W + c);");
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
            if (PairsInVectors(p)) EmitPairBackward(w);
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

    /// <summary>The vector path of <see cref="PairsInVectors"/> pooling, returning before the general loops; its last columns are scalar.</summary>
    private static void EmitPairForward(SourceWriter w)
    {
        using (w.Block("if (Vector256.IsHardwareAccelerated)"))
        {
            using (w.Block("for (int plane = 0; plane < rows * C; plane++)"))
            using (w.Block("for (int oh = 0; oh < OH; oh++)"))
            {
                w.Line("ref float top = ref Unsafe.Add(ref x, plane * H * W + 2 * oh * W);");
                w.Line("ref float bottom = ref Unsafe.Add(ref top, W);");
                w.Line("ref float output = ref Unsafe.Add(ref y, plane * OH * OW + oh * OW);");
                w.Line("int ow = 0;");
                using (w.Block("for (; ow <= OW - 4; ow += 4)"))
                {
                    w.Line("// Vertical maxima, then each pair's: lanes 0, 2, 4 and 6 hold the four windows' maxima (NaN wins, as in the scalar loop).");
                    w.Line("Vector256<float> rows2 = Vector256.Max(Vector256.LoadUnsafe(ref top, (nuint)(2 * ow)), Vector256.LoadUnsafe(ref bottom, (nuint)(2 * ow)));");
                    w.Line("Vector256<float> pairs = Vector256.Max(rows2, Vector256.Shuffle(rows2, Vector256.Create(1, 0, 3, 2, 5, 4, 7, 6)));");
                    w.Line("Vector256.Shuffle(pairs, Vector256.Create(0, 2, 4, 6, 0, 2, 4, 6)).GetLower().StoreUnsafe(ref output, (nuint)ow);");
                }
                using (w.Block("for (; ow < OW; ow++)"))
                {
                    w.Line("float m = Unsafe.Add(ref top, 2 * ow);");
                    w.Line("float v = Unsafe.Add(ref top, 2 * ow + 1); if (v > m || float.IsNaN(v)) m = v;");
                    w.Line("v = Unsafe.Add(ref bottom, 2 * ow); if (v > m || float.IsNaN(v)) m = v;");
                    w.Line("v = Unsafe.Add(ref bottom, 2 * ow + 1); if (v > m || float.IsNaN(v)) m = v;");
                    w.Line("Unsafe.Add(ref output, ow) = m;");
                }
            }
            w.Line("return;");
        }
    }

    /// <summary>
    /// The vector path of <see cref="PairsInVectors"/> pooling's gradient: each input that equals its window's maximum and
    /// is the first that does (top-left, top-right, bottom-left, bottom-right) takes the output's gradient.
    /// </summary>
    private static void EmitPairBackward(SourceWriter w)
    {
        using (w.Block("if (Vector256.IsHardwareAccelerated)"))
        {
            w.Line("Vector256<float> odd = Vector256.Create(0, -1, 0, -1, 0, -1, 0, -1).AsSingle();");
            w.Line("Vector256<int> evens = Vector256.Create(0, 0, 2, 2, 4, 4, 6, 6), odds = Vector256.Create(1, 1, 3, 3, 5, 5, 7, 7), spread = Vector256.Create(0, 0, 1, 1, 2, 2, 3, 3);");
            using (w.Block("for (int plane = 0; plane < rows * C; plane++)"))
            {
                w.Line("ref float target = ref Unsafe.Add(ref dx, plane * H * W);");
                w.Line("MemoryMarshal.CreateSpan(ref target, H * W).Clear();");
                using (w.Block("for (int oh = 0; oh < OH; oh++)"))
                {
                    w.Line("ref float top = ref Unsafe.Add(ref x, plane * H * W + 2 * oh * W);");
                    w.Line("ref float bottom = ref Unsafe.Add(ref top, W);");
                    w.Line("ref float maxima = ref Unsafe.Add(ref y, plane * OH * OW + oh * OW);");
                    w.Line("ref float gradient = ref Unsafe.Add(ref dy, plane * OH * OW + oh * OW);");
                    w.Line("ref float targetTop = ref Unsafe.Add(ref target, 2 * oh * W);");
                    w.Line("ref float targetBottom = ref Unsafe.Add(ref targetTop, W);");
                    w.Line("int ow = 0;");
                    using (w.Block("for (; ow <= OW - 4; ow += 4)"))
                    {
                        w.Line("Vector256<float> m = Vector256.Shuffle(Vector128.LoadUnsafe(ref maxima, (nuint)ow).ToVector256Unsafe(), spread);");
                        w.Line("Vector256<float> g = Vector256.Shuffle(Vector128.LoadUnsafe(ref gradient, (nuint)ow).ToVector256Unsafe(), spread);");
                        w.Line("Vector256<float> upper = Vector256.Equals(Vector256.LoadUnsafe(ref top, (nuint)(2 * ow)), m);");
                        w.Line("Vector256<float> lower = Vector256.Equals(Vector256.LoadUnsafe(ref bottom, (nuint)(2 * ow)), m);");
                        w.Line("// In each pair of lanes the left one comes first: a right lane wins only when its left one does not.");
                        w.Line("Vector256<float> upperLeft = Vector256.Shuffle(upper, evens), upperAny = upperLeft | Vector256.Shuffle(upper, odds);");
                        w.Line("Vector256<float> firstUpper = Vector256.AndNot(upper, upperLeft & odd);");
                        w.Line("Vector256<float> firstLower = Vector256.AndNot(Vector256.AndNot(lower, upperAny), Vector256.Shuffle(lower, evens) & odd);");
                        w.Line("(g & firstUpper).StoreUnsafe(ref targetTop, (nuint)(2 * ow));");
                        w.Line("(g & firstLower).StoreUnsafe(ref targetBottom, (nuint)(2 * ow));");
                    }
                    using (w.Block("for (; ow < OW; ow++)"))
                    {
                        w.Line("int at = 2 * ow;");
                        w.Line("float best = Unsafe.Add(ref top, at);");
                        w.Line("float v = Unsafe.Add(ref top, 2 * ow + 1); if (v > best || (float.IsNaN(v) && !float.IsNaN(best))) { best = v; at = 2 * ow + 1; }");
                        w.Line("bool below = false;");
                        w.Line("v = Unsafe.Add(ref bottom, 2 * ow); if (v > best || (float.IsNaN(v) && !float.IsNaN(best))) { best = v; at = 2 * ow; below = true; }");
                        w.Line("v = Unsafe.Add(ref bottom, 2 * ow + 1); if (v > best || (float.IsNaN(v) && !float.IsNaN(best))) { best = v; at = 2 * ow + 1; below = true; }");
                        w.Line("if (below) Unsafe.Add(ref targetBottom, at) = Unsafe.Add(ref gradient, ow); else Unsafe.Add(ref targetTop, at) = Unsafe.Add(ref gradient, ow);");
                    }
                }
            }
            w.Line("return;");
        }
    }

    private static void EmitConstants(SourceWriter w, PoolKernel p) =>
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
