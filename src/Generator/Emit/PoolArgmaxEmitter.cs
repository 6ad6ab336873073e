using System.Linq;
using CompiledNets.Generator.Model;

namespace CompiledNets.Generator.Emit;

/// <summary>
/// The forward pass of a max pooling that records its windows' chosen inputs, reading input rows <paramref name="RowStride"/>
/// floats apart in planes <paramref name="PlaneStride"/> apart: a convolution's extended rows, or its compacted outputs.
/// </summary>
internal sealed record PoolArgmaxKernel(PoolKernel Pool, int RowStride, int PlaneStride) : KernelRequest
{
    public string Name => Pool.ArgmaxName(RowStride, PlaneStride);

    public override void Emit(SourceWriter w) => PoolArgmaxEmitter.EmitForward(w, this);
}

/// <summary>
/// The gradient of a max pooling from its recorded choices, with the derivative of the activation before it, written in
/// rows <paramref name="RowStride"/> floats apart in planes <paramref name="PlaneStride"/> apart: a convolution's extended
/// rows, or compacted.
/// </summary>
internal sealed record PoolArgmaxBackwardKernel(PoolKernel Pool, ActivationKind Derivative, int RowStride, int PlaneStride) : KernelRequest
{
    public bool WritesCompacted => RowStride == Pool.Width && PlaneStride == Pool.Height * Pool.Width;

    public string Name => $"MaxPoolArgmaxBackward_{Pool.Signature}" + (Derivative == ActivationKind.Linear ? "" : "_" + Derivative) +
        (WritesCompacted ? "" : $"_out{RowStride}x{PlaneStride}");

    public override void Emit(SourceWriter w) => PoolArgmaxEmitter.EmitBackward(w, this);
}

/// <summary>
/// 2 × 2, stride-2 max pooling (<see cref="PoolKernelEmitter.PairsInVectors"/>) that records, for every input, whether its
/// window's gradient goes to it: the same first maximum in row-major order (a NaN counts as the maximum) that
/// <see cref="PoolKernelEmitter"/>'s gradient picks. The record is one <c>uint</c> per vector step along a row pair:
/// a bit per lane of the upper row in its low half, of the lower row above them. With it the gradient needs neither the
/// pooled input nor, for a ReLU before the pooling, the input's sign: the chosen input's value is the window's maximum.
/// Both passes take the same vector width on one machine (AVX-512 when a row has eight outputs, else 256 bits, which
/// .NET also runs without vector hardware), so the gradient reads the record the forward wrote.
/// </summary>
internal static class PoolArgmaxEmitter
{
    public static void EmitForward(SourceWriter w, PoolArgmaxKernel kernel)
    {
        var p = kernel.Pool;
        string layout = kernel.RowStride == p.Width && kernel.PlaneStride == p.Height * p.Width ? "" : $" (input rows {kernel.RowStride} floats apart, planes {kernel.PlaneStride})";
        w.Line($"/// <summary>Max pooling of every sample, [{p.Channels}, {p.Height}, {p.Width}]{layout} to [{p.Channels}, {p.OutHeight}, {p.OutWidth}], recording the input each window's gradient goes to.</summary>");
        using (w.Block($"internal static void {kernel.Name}(ref float x, ref float y, ref uint chosen, int rows)"))
        {
            w.Line($"const int C = {p.Channels}, OH = {p.OutHeight}, OW = {p.OutWidth}, InRow = {kernel.RowStride}, InPlane = {kernel.PlaneStride};");
            w.Line($"const int Slots = {p.ArgmaxSlotsPerRow}; // record slots per output row");
            EachPath(w, p, (vector, _, lanes) =>
            {
                w.Line($"{vector}<int> swap = {PoolKernelEmitter.Indices(vector, 2 * lanes, i => i ^ 1)};");
                w.Line($"{vector}<int> compact = {PoolKernelEmitter.Indices(vector, 2 * lanes, i => 2 * i % (2 * lanes))};");
                EmitChoiceConstants(w, vector, lanes);
                using (w.Block("for (int plane = 0; plane < rows * C; plane++)"))
                using (w.Block("for (int oh = 0; oh < OH; oh++)"))
                {
                    w.Line("ref float top = ref Unsafe.Add(ref x, plane * InPlane + 2 * oh * InRow);");
                    w.Line("ref float bottom = ref Unsafe.Add(ref top, InRow);");
                    w.Line("ref float output = ref Unsafe.Add(ref y, plane * OH * OW + oh * OW);");
                    w.Line("ref uint record = ref Unsafe.Add(ref chosen, (plane * OH + oh) * Slots);");
                    using (w.Block($"for (int ow = 0, step = 0; ow < OW; ow += {lanes}, step++)"))
                    {
                        w.Line($"int at = Math.Min(ow, OW - {lanes}); // a row's last step overlaps the one before (the same values again), no scalar tail");
                        w.Line($"{vector}<float> upper = {vector}.LoadUnsafe(ref top, (nuint)(2 * at)), lower = {vector}.LoadUnsafe(ref bottom, (nuint)(2 * at));");
                        w.Line("// Vertical maxima, then each pair's: both lanes of a window hold its maximum (NaN wins).");
                        w.Line($"{vector}<float> rows2 = {vector}.Max(upper, lower);");
                        w.Line($"{vector}<float> maxima = {vector}.Max(rows2, {vector}.Shuffle(rows2, swap));");
                        w.Line($"{vector}.Shuffle(maxima, compact).GetLower().StoreUnsafe(ref output, (nuint)at);");
                        EmitFirstMaxima(w, vector);
                        w.Line($"Unsafe.Add(ref record, step) = (uint)firstUpper.ExtractMostSignificantBits() | (uint)firstLower.ExtractMostSignificantBits() << {2 * lanes};");
                    }
                }
            });
        }
        w.Line();
    }

    /// <summary>
    /// The input gradient from the record: each window's gradient to its chosen input. With a ReLU before the pooling, its
    /// derivative at that input (the input is the window's maximum, so its sign is the output's), then subnormals flushed
    /// to zero, as the activation's backward pass does. Every input of a window is stored; the rest of the target (an odd
    /// last column or row, and the gaps and tail of extended rows) is cleared.
    /// </summary>
    public static void EmitBackward(SourceWriter w, PoolArgmaxBackwardKernel kernel)
    {
        var p = kernel.Pool;
        bool relu = kernel.Derivative == ActivationKind.ReLU;
        string layout = kernel.WritesCompacted ? "" : $" in rows of {kernel.RowStride}, planes of {kernel.PlaneStride}, zeros elsewhere";
        w.Line($"/// <summary>The input gradient of max pooling{(relu ? " and of the ReLU before it" : "")}: dx [{p.Channels}, {p.Height}, {p.Width}]{layout} from dy [{p.Channels}, {p.OutHeight}, {p.OutWidth}] of every sample and the recorded choices.</summary>");
        using (w.Block($"internal static void {kernel.Name}(ref float y, ref uint chosen, ref float dy, ref float dx, int rows)"))
        {
            w.Line($"const int C = {p.Channels}, OH = {p.OutHeight}, OW = {p.OutWidth}, OutRow = {kernel.RowStride}, OutPlane = {kernel.PlaneStride};");
            w.Line($"const int Slots = {p.ArgmaxSlotsPerRow}; // record slots per output row");
            EachPath(w, p, (vector, half, lanes) =>
            {
                w.Line($"{vector}<int> spread = {PoolKernelEmitter.Indices(vector, 2 * lanes, i => i / 2)};");
                w.Line($"{vector}<int> laneBits = {PoolKernelEmitter.Indices(vector, 2 * lanes, i => 1 << i)};");
                using (w.Block("for (int plane = 0; plane < rows * C; plane++)"))
                {
                    w.Line("ref float target = ref Unsafe.Add(ref dx, plane * OutPlane);");
                    using (w.Block("for (int oh = 0; oh < OH; oh++)"))
                    {
                        if (relu) w.Line("ref float maxima = ref Unsafe.Add(ref y, plane * OH * OW + oh * OW);");
                        w.Line("ref float gradient = ref Unsafe.Add(ref dy, plane * OH * OW + oh * OW);");
                        w.Line("ref uint record = ref Unsafe.Add(ref chosen, (plane * OH + oh) * Slots);");
                        w.Line("ref float targetTop = ref Unsafe.Add(ref target, 2 * oh * OutRow);");
                        w.Line("ref float targetBottom = ref Unsafe.Add(ref targetTop, OutRow);");
                        using (w.Block($"for (int ow = 0, step = 0; ow < OW; ow += {lanes}, step++)"))
                        {
                            w.Line($"int at = Math.Min(ow, OW - {lanes}); // the same step as the forward's");
                            w.Line($"{vector}<float> g = {vector}.Shuffle({half}.LoadUnsafe(ref gradient, (nuint)at).To{vector}Unsafe(), spread);");
                            if (relu)
                            {
                                w.Line($"{vector}<float> m = {vector}.Shuffle({half}.LoadUnsafe(ref maxima, (nuint)at).To{vector}Unsafe(), spread);");
                                w.Line($"g = {vector}.ConditionalSelect({vector}.GreaterThan(m, {vector}<float>.Zero), g, {vector}<float>.Zero); // ReLU's derivative at the chosen input");
                                w.Line($"g = {vector}.ConditionalSelect({vector}.LessThan({vector}.Abs(g), {vector}.Create({SmallestNormal})), {vector}<float>.Zero, g); // subnormals flushed, as after the activation's derivative");
                            }
                            w.Line("uint bits = Unsafe.Add(ref record, step);");
                            w.Line($"(g & {vector}.Equals({vector}.Create((int)bits) & laneBits, laneBits).AsSingle()).StoreUnsafe(ref targetTop, (nuint)(2 * at));");
                            w.Line($"(g & {vector}.Equals({vector}.Create((int)(bits >> {2 * lanes})) & laneBits, laneBits).AsSingle()).StoreUnsafe(ref targetBottom, (nuint)(2 * at));");
                        }
                        EmitRowEnds(w, kernel);
                    }
                    int covered = 2 * p.OutHeight * kernel.RowStride;
                    if (kernel.PlaneStride > covered)
                        w.Line($"MemoryMarshal.CreateSpan(ref Unsafe.Add(ref target, 2 * OH * OutRow), OutPlane - 2 * OH * OutRow).Clear(); // {(kernel.WritesCompacted ? "the odd last row is in no window" : "rows no window covers and the plane's tail")}");
                }
            });
        }
        w.Line();
    }

    /// <summary>The smallest normal float, as a literal: the flush threshold of <c>Subnormals.FlushToZero</c>.</summary>
    private const string SmallestNormal = "1.17549435E-38f";

    /// <summary>Clears the columns of a row pair past its windows: an odd last column, and the gap of extended rows.</summary>
    private static void EmitRowEnds(SourceWriter w, PoolArgmaxBackwardKernel kernel)
    {
        int gap = kernel.RowStride - 2 * kernel.Pool.OutWidth;
        if (gap == 0) return;
        string what = kernel.WritesCompacted ? "the odd last column is in no window" : "columns past the windows";
        if (gap <= 2)
        {
            var stores = Enumerable.Range(0, gap).SelectMany(i => new[] { $"Unsafe.Add(ref targetTop, 2 * OW + {i}) = 0f;", $"Unsafe.Add(ref targetBottom, 2 * OW + {i}) = 0f;" });
            w.Line($"{string.Join(" ", stores).Replace(" + 0)", ")")} // {what}");
            return;
        }
        w.Line($"MemoryMarshal.CreateSpan(ref Unsafe.Add(ref targetTop, 2 * OW), OutRow - 2 * OW).Clear(); // {what}");
        w.Line("MemoryMarshal.CreateSpan(ref Unsafe.Add(ref targetBottom, 2 * OW), OutRow - 2 * OW).Clear();");
    }

    /// <summary>
    /// The kernel's body for each vector width, widest first: each behind its hardware check but the last (256 bits),
    /// which runs otherwise.
    /// </summary>
    private static void EachPath(SourceWriter w, PoolKernel p, System.Action<string, string, int> body)
    {
        var paths = PoolKernelEmitter.PairVectors(p).ToList();
        if (paths.Count == 1)
        {
            body(paths[0].Vector, paths[0].Half, paths[0].Lanes);
            return;
        }
        for (int i = 0; i < paths.Count; i++)
        {
            var (vector, half, lanes) = paths[i];
            using (w.Block(i == 0 ? $"if ({vector}.IsHardwareAccelerated)" : i < paths.Count - 1 ? $"else if ({vector}.IsHardwareAccelerated)" : "else"))
                body(vector, half, lanes);
        }
    }

    private static void EmitChoiceConstants(SourceWriter w, string vector, int lanes)
    {
        w.Line($"{vector}<int> evens = {PoolKernelEmitter.Indices(vector, 2 * lanes, i => i & ~1)}, odds = {PoolKernelEmitter.Indices(vector, 2 * lanes, i => i | 1)};");
        w.Line($"{vector}<float> odd = {PoolKernelEmitter.Indices(vector, 2 * lanes, i => -(i & 1))}.AsSingle();");
    }

    /// <summary>
    /// The lanes that take their window's gradient: equal to its maximum, or NaN (a window's maximum is NaN exactly when
    /// one of its inputs is), and first in the window (top-left, top-right, bottom-left, bottom-right).
    /// </summary>
    private static void EmitFirstMaxima(SourceWriter w, string vector)
    {
        w.Line($"{vector}<float> upperHit = {vector}.Equals(upper, maxima) | {vector}.IsNaN(upper), lowerHit = {vector}.Equals(lower, maxima) | {vector}.IsNaN(lower);");
        w.Line("// In each pair of lanes the left one comes first: a right lane wins only when its left one does not.");
        w.Line($"{vector}<float> upperLeft = {vector}.Shuffle(upperHit, evens), upperAny = upperLeft | {vector}.Shuffle(upperHit, odds);");
        w.Line($"{vector}<float> firstUpper = {vector}.AndNot(upperHit, upperLeft & odd);");
        w.Line($"{vector}<float> firstLower = {vector}.AndNot({vector}.AndNot(lowerHit, upperAny), {vector}.Shuffle(lowerHit, evens) & odd);");
    }
}
