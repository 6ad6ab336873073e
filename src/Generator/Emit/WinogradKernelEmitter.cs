using System.Linq;
using CompiledNets.Generator.Model;

namespace CompiledNets.Generator.Emit;

/// <summary>
/// A 3 × 3, stride-1 convolution predicted by Winograd's minimal filtering F(4 × 4, 3 × 3) (Lavin and Gray): each tile of
/// 4 × 4 outputs takes 36 products per channel and filter where the direct convolution takes 144. Per sample:
/// <list type="number">
/// <item>the padded input, channels first, is transposed to channels last and zero-extended to whole tiles
/// (<see cref="ExtendedHeight"/> × <see cref="ExtendedWidth"/>), and each tile's 6 × 6 inputs become <c>V = Bᵀ·d·B</c>,
/// a vector of channels at a time;</item>
/// <item>for each of the 36 points, <c>M = V·U</c>: [tiles × channels] · [channels × filters], with the filters
/// transformed once into <c>WinogradWeights</c>;</item>
/// <item>each tile's outputs are <c>Aᵀ·M·A</c>, plus the bias, through the activation, stored channels last and then
/// transposed to the layer's [filters, height, width].</item>
/// </list>
/// The sums run in another order than the direct convolution's, so predictions differ from the training forward pass by
/// rounding (about 1e-6 of the outputs' scale). Every sample is computed alone in the same order, so <c>Predict</c> and
/// <c>PredictBatch</c> give the same bits for any <c>Threads</c>. The kernels are 512-bit: without AVX-512 the layer
/// predicts by the direct convolution.
/// </summary>
internal sealed record WinogradGeometry(ConvGeometry Conv)
{
    /// <summary>Output tiles down and across: 4 × 4 outputs each, the last ones partly past the outputs.</summary>
    public int TilesDown => (Conv.OutHeight + 3) / 4;

    public int TilesAcross => (Conv.OutWidth + 3) / 4;

    public int Tiles => TilesDown * TilesAcross;

    /// <summary>The transposed input's rows: whole tiles' 6 rows each (4 apart), zeros past the padded input.</summary>
    public int ExtendedHeight => 4 * TilesDown + 2;

    public int ExtendedWidth => 4 * TilesAcross + 2;

    public int InputFloats => ExtendedHeight * ExtendedWidth * Conv.Channels;

    public int TransformedInputFloats => 36 * Tiles * Conv.Channels;

    public int ProductFloats => 36 * Tiles * Conv.Filters;

    public int OutputFloats => Conv.OutHeight * Conv.OutWidth * Conv.Filters;

    /// <summary>Floats one sample's Winograd steps use: the transposed input, V, M and the outputs channels last.</summary>
    public int WorkFloats => InputFloats + TransformedInputFloats + ProductFloats + OutputFloats;

    public string Signature => Conv.Signature;

    public string InputName => $"WinogradInput_{Signature}";

    public string ProductName => $"WinogradProduct_{Signature}";

    public string OutputName(ActivationKind activation, float alpha) => $"WinogradOutput_{Signature}_{DenseKernelEmitter.Suffix(activation, alpha)}";
}

// The three Winograd kernels of a convolution, each a request of its own: convolutions of one geometry share the input
// and product kernels whatever their activations, and the kernel class writes each request once.

internal sealed record WinogradInputKernel(WinogradGeometry Geometry) : KernelRequest
{
    public override void Emit(SourceWriter w) => WinogradKernelEmitter.EmitInput(w, Geometry);
}

internal sealed record WinogradProductKernel(WinogradGeometry Geometry) : KernelRequest
{
    public override void Emit(SourceWriter w) => WinogradKernelEmitter.EmitProduct(w, Geometry);
}

internal sealed record WinogradOutputKernel(WinogradGeometry Geometry, ActivationKind Activation, float Alpha) : KernelRequest
{
    public override void Emit(SourceWriter w) => WinogradKernelEmitter.EmitOutput(w, Geometry, Activation, Alpha);
}

internal static class WinogradKernelEmitter
{
    /// <summary>Tiles per register block of the product: 8 tiles × 2 vectors of filters, 16 accumulators.</summary>
    private const int TileBlock = 8;

    /// <summary>Filters per pass of the product: two 512-bit vectors.</summary>
    public const int FilterPass = 32;

    /// <summary>Channels per step of the input transform: one 512-bit vector.</summary>
    public const int ChannelStep = 16;

    public static void EmitInput(SourceWriter w, WinogradGeometry g)
    {
        var c = g.Conv;
        w.Line($"/// <summary>One sample's padded input [{c.Channels}, {c.PaddedHeight}, {c.PaddedWidth}] to channels last, zero-extended to [{g.ExtendedHeight}, {g.ExtendedWidth}], then V = Bᵀ·d·B of each of its {g.Tiles} tiles: [36, {g.Tiles}, {c.Channels}].</summary>");
        using (w.Block($"internal static void {g.InputName}(ref float padded, ref float hwc, ref float v)"))
        {
            w.Line($"const int C = {c.Channels}, H = {c.PaddedHeight}, W = {c.PaddedWidth}, EH = {g.ExtendedHeight}, EW = {g.ExtendedWidth}, TW = {g.TilesAcross}, T = {g.Tiles};");
            w.Line("MemoryMarshal.CreateSpan(ref hwc, EH * EW * C).Clear();");
            using (w.Block("for (int h = 0; h < H; h++)"))
            using (w.Block("for (int x = 0; x < W; x++)"))
            {
                w.Line("ref float source = ref Unsafe.Add(ref padded, h * W + x);");
                w.Line("ref float target = ref Unsafe.Add(ref hwc, (h * EW + x) * C);");
                w.Line("for (int ch = 0; ch < C; ch++) Unsafe.Add(ref target, ch) = Unsafe.Add(ref source, ch * H * W);");
            }
            w.Line("Vector512<float> four = Vector512.Create(4f), five = Vector512.Create(5f), two = Vector512.Create(2f);");
            using (w.Block("for (int t = 0; t < T; t++)"))
            {
                w.Line("ref float corner = ref Unsafe.Add(ref hwc, ((t / TW) * 4 * EW + (t % TW) * 4) * C);");
                using (w.Block($"for (int ch = 0; ch < C; ch += {ChannelStep})"))
                {
                    // Bᵀ·d down each column, then (Bᵀ·d)·B along each row, all in registers.
                    for (int j = 0; j < 6; j++)
                    {
                        for (int i = 0; i < 6; i++)
                            w.Line($"Vector512<float> d{i}{j} = Vector512.LoadUnsafe(ref corner, (nuint)(({i} * EW + {j}) * C + ch));");
                        EmitB(w, (row, value) => $"Vector512<float> e{row}{j} = {value};", i => $"d{i}{j}");
                    }
                    for (int i = 0; i < 6; i++)
                        EmitB(w, (column, value) => $"({value}).StoreUnsafe(ref v, (nuint)(({i * 6 + column} * T + t) * C + ch));", j => $"e{i}{j}");
                }
            }
        }
        w.Line();
    }

    /// <summary>The six rows of Bᵀ applied to <paramref name="x"/>(0..5), each written by <paramref name="line"/>.</summary>
    private static void EmitB(SourceWriter w, System.Func<int, string, string> line, System.Func<int, string> x)
    {
        string[] rows =
        {
            $"four * {x(0)} - five * {x(2)} + {x(4)}",
            $"{x(3)} + {x(4)} - four * ({x(1)} + {x(2)})",
            $"four * ({x(1)} - {x(2)}) - {x(3)} + {x(4)}",
            $"two * ({x(3)} - {x(1)}) - {x(2)} + {x(4)}",
            $"two * ({x(1)} - {x(3)}) - {x(2)} + {x(4)}",
            $"four * {x(1)} - five * {x(3)} + {x(5)}",
        };
        for (int r = 0; r < 6; r++) w.Line(line(r, rows[r]));
    }

    public static void EmitProduct(SourceWriter w, WinogradGeometry g)
    {
        var c = g.Conv;
        w.Line($"/// <summary>M[p] = V[p]·U[p] for each of the 36 points p: [{g.Tiles} tiles × {c.Channels}] · [{c.Channels} × {c.Filters} filters], in blocks of {TileBlock} tiles × {FilterPass} filters.</summary>");
        using (w.Block($"internal static void {g.ProductName}(ref float v, ref float u, ref float m)"))
        {
            w.Line($"const int C = {c.Channels}, F = {c.Filters}, T = {g.Tiles};");
            using (w.Block("for (int p = 0; p < 36; p++)"))
            {
                w.Line("ref float vp = ref Unsafe.Add(ref v, p * T * C);");
                w.Line("ref float up = ref Unsafe.Add(ref u, p * C * F);");
                w.Line("ref float mp = ref Unsafe.Add(ref m, p * T * F);");
                using (w.Block($"for (int f = 0; f < F; f += {FilterPass})"))
                {
                    w.Line("int t = 0;");
                    if (g.Tiles >= TileBlock)
                        using (w.Block($"for (; t <= T - {TileBlock}; t += {TileBlock})")) EmitProductBlock(w, TileBlock);
                    if (g.Tiles % TileBlock != 0) EmitProductBlock(w, g.Tiles % TileBlock);
                }
            }
        }
        w.Line();
    }

    private static void EmitProductBlock(SourceWriter w, int tiles)
    {
        if (tiles != TileBlock)
            using (w.Block($"// the last {tiles} tiles")) EmitProductTiles(w, tiles);
        else EmitProductTiles(w, tiles);
    }

    /// <summary><paramref name="tiles"/> tiles from <c>t</c> × 32 filters from <c>f</c>: two accumulators a tile over every channel.</summary>
    private static void EmitProductTiles(SourceWriter w, int tiles)
    {
        w.Line("Vector512<float> " + string.Join(", ", Enumerable.Range(0, tiles).SelectMany(t => new[] { $"a{t}0", $"a{t}1" }).Select(a => $"{a} = Vector512<float>.Zero")) + ";");
        using (w.Block("for (int ch = 0; ch < C; ch++)"))
        {
            w.Line("Vector512<float> u0 = Vector512.LoadUnsafe(ref up, (nuint)(ch * F + f)), u1 = Vector512.LoadUnsafe(ref up, (nuint)(ch * F + f + 16));");
            for (int t = 0; t < tiles; t++)
            {
                w.Line($"Vector512<float> b{t} = Vector512.Create(Unsafe.Add(ref vp, (t + {t}) * C + ch));");
                w.Line($"a{t}0 = Vector512.FusedMultiplyAdd(b{t}, u0, a{t}0); a{t}1 = Vector512.FusedMultiplyAdd(b{t}, u1, a{t}1);");
            }
        }
        for (int t = 0; t < tiles; t++)
            w.Line($"a{t}0.StoreUnsafe(ref mp, (nuint)((t + {t}) * F + f)); a{t}1.StoreUnsafe(ref mp, (nuint)((t + {t}) * F + f + 16));");
    }

    public static void EmitOutput(SourceWriter w, WinogradGeometry g, ActivationKind activation, float alpha)
    {
        var c = g.Conv;
        w.Line($"/// <summary>Each tile's outputs Aᵀ·M·A, plus the bias, {activation}, stored channels last, then transposed to [{c.Filters}, {c.OutHeight}, {c.OutWidth}].</summary>");
        using (w.Block($"internal static void {g.OutputName(activation, alpha)}(ref float m, ref float bias, ref float hwc, ref float y)"))
        {
            w.Line($"const int F = {c.Filters}, T = {g.Tiles}, TW = {g.TilesAcross}, OH = {c.OutHeight}, OW = {c.OutWidth};");
            w.Line("Vector512<float> two = Vector512.Create(2f), four = Vector512.Create(4f), eight = Vector512.Create(8f);");
            using (w.Block("for (int t = 0; t < T; t++)"))
            {
                w.Line("int oh0 = t / TW * 4, ow0 = t % TW * 4;");
                w.Line("int rows = Math.Min(4, OH - oh0), columns = Math.Min(4, OW - ow0);");
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
                    for (int r = 0; r < 4; r++)
                        using (w.Block($"if (rows > {r})"))
                        {
                            w.Line($"ref float target = ref Unsafe.Add(ref hwc, ((oh0 + {r}) * OW + ow0) * F + f);");
                            EmitA(w, (column, value) =>
                            {
                                string output = ActivationExpressions.Vector(activation, alpha, "Vector512", $"({value} + b)")!;
                                return $"if (columns > {column}) ({output}).StoreUnsafe(ref target, (nuint)({column} * F));";
                            }, j => $"q{r}{j}");
                        }
                }
            }
            w.Line("// Channels last to the layer's [filters, height, width].");
            using (w.Block("for (int position = 0; position < OH * OW; position++)"))
            {
                w.Line("ref float source = ref Unsafe.Add(ref hwc, position * F);");
                w.Line("for (int f = 0; f < F; f++) Unsafe.Add(ref y, f * OH * OW + position) = Unsafe.Add(ref source, f);");
            }
        }
        w.Line();
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
}
