using System.Linq;
using CompiledNets.Generator.Model;

namespace CompiledNets.Generator.Emit;

/// <summary>
/// The last Winograd step (<see cref="WinogradKernelEmitter"/>): each tile's outputs <c>Aᵀ·M·A</c>, plus the bias, through
/// the activation, a vector of filters at a time, stored channels last and then transposed to channels first.
/// <para>
/// With a 2 × 2, stride-2 pooling after the layer (<see cref="Pools"/>) the kernel pools too: a tile's 4 × 4 outputs hold
/// exactly 2 × 2 whole windows, since tiles start at multiples of 4. It then stores and transposes a quarter of the
/// floats, and the pooling has no pass of its own. The windows are reduced in the pooling kernel's order (maxima of the
/// columns, then of the pair; sums from zero, left to right, then a quarter), so the results are the same bits.
/// </para>
/// </summary>
internal static class WinogradOutputEmitter
{
    /// <summary>Whether the output kernel can pool for <paramref name="pool"/>: 2 × 2 windows at stride 2, not padded.</summary>
    public static bool Pools(PoolKernel pool) => pool.Window.Size == 2 && pool.Window.Stride == 2 && !pool.Window.Same;

    public static void Emit(SourceWriter w, WinogradOutputKernel kernel)
    {
        var g = kernel.Geometry;
        var c = g.Conv;
        var pool = kernel.Pool;
        int positions = pool is null ? c.OutHeight * c.OutWidth : pool.OutHeight * pool.OutWidth;
        string result = pool is null
            ? $"[{c.Filters}, {c.OutHeight}, {c.OutWidth}]"
            : $"[{c.Filters}, {pool.OutHeight}, {pool.OutWidth}] by {(pool.Maximum ? "max" : "average")} pooling over 2 × 2 windows";
        w.Line($"/// <summary>Each tile's outputs Aᵀ·M·A, plus the bias, {kernel.Activation}, stored channels last, then transposed to {result}.</summary>");
        using (w.Block($"internal static void {kernel.Name}(ref float m, ref float bias, ref float hwc, ref float y)"))
        {
            w.Line($"const int F = {c.Filters}, T = {g.Tiles}, TW = {g.TilesAcross}, " +
                (pool is null ? $"OH = {c.OutHeight}, OW = {c.OutWidth}, P = OH * OW;" : $"PH = {pool.OutHeight}, PW = {pool.OutWidth}, P = PH * PW;"));
            w.Line("Vector512<float> two = Vector512.Create(2f), four = Vector512.Create(4f), eight = Vector512.Create(8f);");
            using (w.Block("for (int t = 0; t < T; t++)"))
            {
                if (pool is null)
                {
                    w.Line("int oh0 = t / TW * 4, ow0 = t % TW * 4;");
                    w.Line("int rows = Math.Min(4, OH - oh0), columns = Math.Min(4, OW - ow0);");
                }
                else
                {
                    w.Line("int ph0 = t / TW * 2, pw0 = t % TW * 2;");
                    w.Line("int rows = Math.Min(2, PH - ph0), columns = Math.Min(2, PW - pw0);");
                    w.Line("if (rows <= 0 || columns <= 0) continue; // a tile of the outputs' last row or column that no window takes whole");
                }
                using (w.Block("for (int f = 0; f < F; f += 16)"))
                {
                    w.Line("Vector512<float> b = Vector512.LoadUnsafe(ref bias, (nuint)f);");
                    // Aᵀ·M down each column j, then (Aᵀ·M)·A along each of the four rows.
                    for (int j = 0; j < 6; j++)
                    {
                        for (int i = 0; i < 6; i++)
                            w.Line($"Vector512<float> m{i}{j} = Vector512.LoadUnsafe(ref m, (nuint)(({i * 6 + j} * T + t) * F + f));");
                        EmitA(w, (row, value) => $"Vector512<float> q{row}{j} = {value};", i => $"m{i}{j}");
                    }
                    if (pool is null) EmitOutputs(w, kernel);
                    else EmitPooled(w, kernel, pool);
                }
            }
            EmitToChannelsFirst(w, positions);
        }
        w.Line();
    }

    private static string Activated(WinogradOutputKernel kernel, string value) =>
        ActivationExpressions.Vector(kernel.Activation, kernel.Alpha, "Vector512", $"({value} + b)")!;

    /// <summary>The tile's outputs inside the layer's, stored channels last.</summary>
    private static void EmitOutputs(SourceWriter w, WinogradOutputKernel kernel)
    {
        for (int r = 0; r < 4; r++)
            using (w.Block($"if (rows > {r})"))
            {
                w.Line($"ref float target = ref Unsafe.Add(ref hwc, ((oh0 + {r}) * OW + ow0) * F + f);");
                EmitA(w, (column, value) => $"if (columns > {column}) ({Activated(kernel, value)}).StoreUnsafe(ref target, (nuint)({column} * F));", j => $"q{r}{j}");
            }
    }

    /// <summary>All 16 of the tile's outputs, then its 2 × 2 windows inside the pooling's outputs, stored channels last.</summary>
    private static void EmitPooled(SourceWriter w, WinogradOutputKernel kernel, PoolKernel pool)
    {
        for (int r = 0; r < 4; r++)
            EmitA(w, (column, value) => $"Vector512<float> o{r}{column} = {Activated(kernel, value)};", j => $"q{r}{j}");
        for (int i = 0; i < 2; i++)
            for (int j = 0; j < 2; j++)
            {
                string topLeft = $"o{2 * i}{2 * j}", topRight = $"o{2 * i}{2 * j + 1}", bottomLeft = $"o{2 * i + 1}{2 * j}", bottomRight = $"o{2 * i + 1}{2 * j + 1}";
                string window = pool.Maximum
                    ? $"Vector512.Max(Vector512.Max({topLeft}, {bottomLeft}), Vector512.Max({topRight}, {bottomRight}))"
                    : $"(Vector512<float>.Zero + {topLeft} + {topRight} + {bottomLeft} + {bottomRight}) / 4f";
                w.Line($"if (rows > {i} && columns > {j}) ({window}).StoreUnsafe(ref hwc, (nuint)(((ph0 + {i}) * PW + pw0 + {j}) * F + f));");
            }
    }

    /// <summary>The four rows of Aᵀ applied to <paramref name="x"/>(0..5), each written by <paramref name="line"/>.</summary>
    private static void EmitA(SourceWriter w, System.Func<int, string, string> line, System.Func<int, string> x)
    {
        string[] rows =
        {
            $"{x(0)} + {x(1)} + {x(2)} + {x(3)} + {x(4)}",
            $"{x(1)} - {x(2)} + two * ({x(3)} - {x(4)})",
            $"{x(1)} + {x(2)} + four * ({x(3)} + {x(4)})",
            $"{x(1)} - {x(2)} + eight * ({x(3)} - {x(4)}) + {x(5)}",
        };
        for (int r = 0; r < 4; r++) w.Line(line(r, rows[r]));
    }

    /// <summary>
    /// The P positions × F filters, channels last, to [F, P]: blocks of 16 positions × 16 filters transposed in registers
    /// (the last block ends at the last position, overlapping the one before), or element by element under 16 positions.
    /// </summary>
    private static void EmitToChannelsFirst(SourceWriter w, int positions)
    {
        w.Line("// Channels last to channels first.");
        if (positions < 16)
        {
            using (w.Block("for (int p = 0; p < P; p++)"))
                w.Line("for (int f = 0; f < F; f++) Unsafe.Add(ref y, f * P + p) = Unsafe.Add(ref hwc, p * F + f);");
            return;
        }
        using (w.Block("for (int f = 0; f < F; f += 16)"))
        using (w.Block("for (int block = 0; block < P; block += 16)"))
        {
            w.Line("int p = Math.Min(block, P - 16);");
            w.Line("ref float source = ref Unsafe.Add(ref hwc, p * F + f);");
            TransposeEmitter.Emit(w, "source", "F", "filter", "y", j => $"(nuint)((f + {j}) * P + p)");
        }
    }
}
