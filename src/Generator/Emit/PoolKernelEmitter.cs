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
    public static void EmitForward(SourceWriter w, PoolKernel p)
    {
        w.Line($"/// <summary>{(p.Maximum ? "Max" : "Average")} pooling of every sample: [{p.Channels}, {p.Height}, {p.Width}] to [{p.Channels}, {p.OutHeight}, {p.OutWidth}].</summary>");
        using (w.Block($"internal static void {p.ForwardName}(ref float x, ref float y, int rows)"))
        {
            EmitConstants(w, p);
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
