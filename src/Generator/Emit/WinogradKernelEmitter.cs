using System.Linq;
using CompiledNets.Generator.Model;

namespace CompiledNets.Generator.Emit;

/// <summary>
/// A 3 × 3, stride-1 convolution predicted by Winograd's minimal filtering F(4 × 4, 3 × 3) (Lavin and Gray): each tile of
/// 4 × 4 outputs takes 36 products per channel and filter where the direct convolution takes 144. Per sample:
/// <list type="number">
/// <item>the layer's input, channels first, is transposed to channels last inside a zero border that stands for the
/// padding and the whole tiles' extension (<see cref="ExtendedHeight"/> × <see cref="ExtendedWidth"/>), and each tile's
/// 6 × 6 inputs become <c>V = Bᵀ·d·B</c>, a vector of channels at a time;</item>
/// <item>for each of the 36 points, <c>M = V·U</c>: [tiles × channels] · [channels × filters], with the filters
/// transformed once into <c>WinogradWeights</c>;</item>
/// <item>each tile's outputs are <c>Aᵀ·M·A</c>, plus the bias, through the activation, stored channels last and then
/// transposed to the layer's [filters, height, width], or pooled first (<see cref="WinogradOutputEmitter"/>).</item>
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

/// <summary>The output kernel: the layer's outputs, or with <paramref name="Pool"/> those outputs pooled (<see cref="WinogradOutputEmitter.Pools"/>).</summary>
internal sealed record WinogradOutputKernel(WinogradGeometry Geometry, ActivationKind Activation, float Alpha, PoolKernel? Pool) : KernelRequest
{
    public string Name => $"WinogradOutput_{Geometry.Signature}_{DenseKernelEmitter.Suffix(Activation, Alpha)}" + (Pool is null ? "" : $"_{Pool.ForwardName}");

    public override void Emit(SourceWriter w) => WinogradOutputEmitter.Emit(w, this);
}

internal static class WinogradKernelEmitter
{
    /// <summary>Most tiles in a register block of the product: 12 tiles × 2 vectors of filters, 24 of the 32 registers as accumulators.</summary>
    private const int MaxTileBlock = 12;

    /// <summary>Filters per pass of the product: two 512-bit vectors (one for a last 16).</summary>
    public const int FilterPass = 32;

    /// <summary>Filters a Winograd layer has in multiples of: one 512-bit vector, the output step's unit.</summary>
    public const int FilterStep = 16;

    /// <summary>Channels per step of the input transform: one 512-bit vector.</summary>
    public const int ChannelStep = 16;

    public static void EmitInput(SourceWriter w, WinogradGeometry g)
    {
        var c = g.Conv;
        w.Line($"/// <summary>One sample's input [{c.Channels}, {c.Height}, {c.Width}] to channels last, at ({c.PadTop}, {c.PadLeft}) of a zero border [{g.ExtendedHeight}, {g.ExtendedWidth}], then V = Bᵀ·d·B of each of its {g.Tiles} tiles: [36, {g.Tiles}, {c.Channels}].</summary>");
        using (w.Block($"internal static void {g.InputName}(ref float x, ref float hwc, ref float v)"))
        {
            w.Line($"const int C = {c.Channels}, H = {c.Height}, W = {c.Width}, PT = {c.PadTop}, PL = {c.PadLeft}, EW = {g.ExtendedWidth}, TW = {g.TilesAcross}, T = {g.Tiles};");
            EmitBorder(w, g);
            EmitToChannelsLast(w, g);
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

    /// <summary>
    /// Zeros where the tiles reach past the input: the padding and the whole tiles' extension. Only those: the
    /// transposition writes the rest, and the scratch is shared, so the border is written again on every call.
    /// </summary>
    private static void EmitBorder(SourceWriter w, WinogradGeometry g)
    {
        var c = g.Conv;
        int below = g.ExtendedHeight - c.PadTop - c.Height, right = g.ExtendedWidth - c.PadLeft - c.Width;
        w.Line("// The zero border: rows above and below the input, then columns left and right of each of its rows.");
        if (c.PadTop > 0) w.Line("MemoryMarshal.CreateSpan(ref hwc, PT * EW * C).Clear();");
        if (below > 0) w.Line($"MemoryMarshal.CreateSpan(ref Unsafe.Add(ref hwc, (PT + H) * EW * C), {below} * EW * C).Clear();");
        if (c.PadLeft == 0 && right == 0) return;
        using (w.Block("for (int h = PT; h < PT + H; h++)"))
        {
            if (c.PadLeft > 0) w.Line("MemoryMarshal.CreateSpan(ref Unsafe.Add(ref hwc, h * EW * C), PL * C).Clear();");
            if (right > 0) w.Line("MemoryMarshal.CreateSpan(ref Unsafe.Add(ref hwc, (h * EW + PL + W) * C), (EW - PL - W) * C).Clear();");
        }
    }

    /// <summary>
    /// The input, channels first, into the border's inside, channels last: blocks of 16 channels × 16 positions
    /// transposed in registers (the last block of each plane ends at its end, overlapping the one before), or element by
    /// element when a plane holds fewer than 16 positions.
    /// </summary>
    private static void EmitToChannelsLast(SourceWriter w, WinogradGeometry g)
    {
        var c = g.Conv;
        w.Line("// Channels first to channels last: position p of the input goes to row PT + p / W, column PL + p % W.");
        w.Line("static nuint At(int p, int ch) => (nuint)(((p / W + PT) * EW + p % W + PL) * C + ch);");
        if (c.Height * c.Width < 16)
        {
            using (w.Block("for (int ch = 0; ch < C; ch++)"))
                w.Line("for (int p = 0; p < H * W; p++) Unsafe.Add(ref hwc, At(p, ch)) = Unsafe.Add(ref x, ch * H * W + p);");
            return;
        }
        using (w.Block($"for (int ch = 0; ch < C; ch += {ChannelStep})"))
        using (w.Block("for (int block = 0; block < H * W; block += 16)"))
        {
            w.Line("int p = Math.Min(block, H * W - 16);");
            w.Line("ref float source = ref Unsafe.Add(ref x, ch * H * W + p);");
            TransposeEmitter.Emit(w, "source", "H * W", "column", "hwc", j => $"At(p + {j}, ch)");
        }
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
        w.Line($"/// <summary>M[p] = V[p]·U[p] for each of the 36 points p: [{g.Tiles} tiles × {c.Channels}] · [{c.Channels} × {c.Filters} filters], in blocks of {ProductTileBlock(g.Tiles)} tiles × {FilterPass} filters{(c.Filters % FilterPass != 0 ? $" (× {c.Filters % FilterPass} for the last)" : "")}.</summary>");
        using (w.Block($"internal static void {g.ProductName}(ref float v, ref float u, ref float m)"))
        {
            w.Line($"const int C = {c.Channels}, F = {c.Filters}, T = {g.Tiles};");
            using (w.Block("for (int p = 0; p < 36; p++)"))
            {
                w.Line("ref float vp = ref Unsafe.Add(ref v, p * T * C);");
                w.Line("ref float up = ref Unsafe.Add(ref u, p * C * F);");
                w.Line("ref float mp = ref Unsafe.Add(ref m, p * T * F);");
                int passes = c.Filters / FilterPass;
                if (passes > 0)
                    using (w.Block($"for (int f = 0; f < {(c.Filters % FilterPass == 0 ? "F" : Literal.Int(passes * FilterPass))}; f += {FilterPass})")) EmitProductPass(w, g, vectors: FilterPass / 16);
                if (c.Filters % FilterPass != 0)
                    using (w.Block($"// the last {c.Filters % FilterPass} filters"))
                    {
                        w.Line($"const int f = {passes * FilterPass};");
                        EmitProductPass(w, g, vectors: c.Filters % FilterPass / 16);
                    }
            }
        }
        w.Line();
    }

    /// <summary>Every tile × the <paramref name="vectors"/> vectors of filters from <c>f</c>, in register blocks of <see cref="ProductTileBlock"/> tiles.</summary>
    private static void EmitProductPass(SourceWriter w, WinogradGeometry g, int vectors)
    {
        int block = ProductTileBlock(g.Tiles);
        w.Line("int t = 0;");
        using (w.Block($"for (; t <= T - {block}; t += {block})")) EmitProductTiles(w, block, vectors);
        if (g.Tiles % block != 0)
            using (w.Block($"// the last {g.Tiles % block} tiles")) EmitProductTiles(w, g.Tiles % block, vectors);
    }

    /// <summary>
    /// Tiles per register block of the product: as even as whole blocks of at most <see cref="MaxTileBlock"/> make them,
    /// so that no block is left with a few tiles whose accumulators wait on their own sums (9 tiles: one block of 9, not
    /// 8 and 1).
    /// </summary>
    internal static int ProductTileBlock(int tiles)
    {
        int blocks = (tiles + MaxTileBlock - 1) / MaxTileBlock;
        return (tiles + blocks - 1) / blocks;
    }

    /// <summary>
    /// <paramref name="tiles"/> tiles from <c>t</c> × <paramref name="vectors"/> vectors of 16 filters from <c>f</c>: an
    /// accumulator per tile and vector, over every channel.
    /// </summary>
    private static void EmitProductTiles(SourceWriter w, int tiles, int vectors)
    {
        var range = Enumerable.Range(0, vectors);
        w.Line("Vector512<float> " + string.Join(", ", Enumerable.Range(0, tiles).SelectMany(t => range.Select(j => $"a{t}{j} = Vector512<float>.Zero"))) + ";");
        using (w.Block("for (int ch = 0; ch < C; ch++)"))
        {
            w.Line("Vector512<float> " + string.Join(", ", range.Select(j => $"u{j} = Vector512.LoadUnsafe(ref up, (nuint)(ch * F + f{(j == 0 ? "" : $" + {16 * j}")}))")) + ";");
            for (int t = 0; t < tiles; t++)
            {
                w.Line($"Vector512<float> b{t} = Vector512.Create(Unsafe.Add(ref vp, (t + {t}) * C + ch));");
                w.Line(string.Join(" ", range.Select(j => $"a{t}{j} = Vector512.FusedMultiplyAdd(b{t}, u{j}, a{t}{j});")));
            }
        }
        for (int t = 0; t < tiles; t++)
            w.Line(string.Join(" ", range.Select(j => $"a{t}{j}.StoreUnsafe(ref mp, (nuint)((t + {t}) * F + f{(j == 0 ? "" : $" + {16 * j}")}));")));
    }
}
