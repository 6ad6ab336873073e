using CompiledNets.Generator.Layers;

namespace CompiledNets.Generator.Emit;

/// <summary>
/// The sizes and buffer layouts of one convolution, everything its kernels are specialised to.
/// </summary>
/// <remarks>
/// <para>
/// The forward pass reads the input with its padding (<c>Padded</c>: <c>[C, Hp, Wp]</c> per sample, zeros around) and
/// computes the outputs at stride 1 in <em>extended rows</em>: output position <c>(y, x)</c> is <c>t = y·Wp + x</c>, so
/// that the input it needs, <c>(y + kh, x + kw)</c>, is at <c>t + kh·Wp + kw</c> for every position. Along <c>t</c> the
/// inputs of consecutive positions are consecutive, so a vector of outputs is a vector load per weight, whatever the row
/// breaks; the last <c>kw - 1</c> columns of each extended row are not outputs and are dropped when the outputs are
/// compacted (a stride then keeps every stride-th row and column). Each sample's extended plane is rounded up to whole
/// 512-bit vectors; the loads of its last vectors run past the plane, into the next channel's or, after the last sample,
/// into <see cref="PaddedSlack"/>.
/// </para>
/// <para>
/// The backward pass reads the output gradient in the forward's extended rows (zeros where no output is; a stride leaves
/// zeros between its values). The weight gradient sums, over samples and positions, that gradient times the padded input
/// at each weight's offset. The input gradient is the same product the other way round: each tap <c>(kh, kw)</c> of each
/// input channel adds <c>Σ_f w[f, c, kh, kw]·dy[f, t]</c> at <c>t + kh·Wp + kw</c> of the padded input's gradient, which is
/// then cropped to the input.
/// </para>
/// </remarks>
internal sealed record ConvGeometry(int Channels, int Height, int Width, int Filters, Window Rows, Window Columns)
{
    /// <summary>Extended planes are rounded up to this many floats: one 512-bit vector, a whole number of every narrower one.</summary>
    public const int PlaneAlignment = 16;

    public int PadTop => Rows.PaddingBefore(Height);

    public int PadLeft => Columns.PaddingBefore(Width);

    public int PaddedHeight => Rows.Padded(Height);

    public int PaddedWidth => Columns.Padded(Width);

    public int PaddedPlane => PaddedHeight * PaddedWidth;

    public int PaddedSample => Channels * PaddedPlane;

    public int OutHeight => Rows.Output(Height);

    public int OutWidth => Columns.Output(Width);

    /// <summary>Output rows at stride 1 (the rows the kernel computes).</summary>
    public int FullHeight => PaddedHeight - Rows.Size + 1;

    /// <summary>Output columns at stride 1.</summary>
    public int FullWidth => PaddedWidth - Columns.Size + 1;

    public int ExtendedPlane => RoundUp(FullHeight * PaddedWidth);

    public int ExtendedSample => Filters * ExtendedPlane;

    /// <summary>Floats read past the last padded plane by the last vectors of the last extended plane.</summary>
    public int PaddedSlack => System.Math.Max(0, ExtendedPlane + (Rows.Size - 1) * PaddedWidth + Columns.Size - 1 - PaddedPlane);

    public int KernelArea => Rows.Size * Columns.Size;

    public int WeightCount => Filters * Channels * KernelArea;

    /// <summary>
    /// Floats the input gradient's last vectors write past the padded input's last plane: the positions the forward pass's
    /// last vectors read there (<see cref="PaddedSlack"/>), as the product turned round adds where the forward one read.
    /// They add the zeros of positions that are not outputs.
    /// </summary>
    public int InputGradientSlack => PaddedSlack;

    /// <summary>One sample's input gradient over the padded input, before it is cropped: <c>[C, Hp, Wp]</c> and the slack.</summary>
    public int InputGradientSample => PaddedSample + InputGradientSlack;

    /// <summary>Output positions of one filter: the rows of the output gradient by position (<see cref="ConvWeightGradientRowsEmitter"/>).</summary>
    public int Positions => OutHeight * OutWidth;

    /// <summary>One position's row of the output gradient by position: every filter's, padded with zeros to whole 512-bit vectors.</summary>
    public int FilterRow => RoundUp(Filters);

    /// <summary>One sample's output gradient by position: <see cref="Positions"/> rows of <see cref="FilterRow"/>.</summary>
    public int GradientRowsSample => Positions * FilterRow;

    /// <summary>The kernels' name stem: every size they are specialised to.</summary>
    public string Signature =>
        $"{Channels}x{Height}x{Width}_{Filters}x{Rows.Size}x{Columns.Size}" + (Rows.Stride != 1 ? $"_s{Rows.Stride}" : "") + (Rows.Same ? "_same" : "");

    private static int RoundUp(int floats) => (floats + PlaneAlignment - 1) / PlaneAlignment * PlaneAlignment;
}

/// <summary>The names of one convolution's kernels (the forward pass's carry its fused activation).</summary>
internal sealed record ConvKernels(ConvGeometry Geometry, Model.ActivationKind Activation, float Alpha)
{
    public string PadName => $"ConvPad_{Geometry.Signature}";

    public string ForwardName => $"ConvForward_{Geometry.Signature}_{DenseKernelEmitter.Suffix(Activation, Alpha)}";

    public string CompactName => $"ConvCompact_{Geometry.Signature}";

    public string ExtendGradientName => $"ConvExtendGradient_{Geometry.Signature}";

    public string WeightGradientName => $"ConvWeightGradient_{Geometry.Signature}";

    public string InputGradientName => $"ConvInputGradient_{Geometry.Signature}";

    public string GradientRowsName => $"ConvGradientRows_{Geometry.Signature}";

    public string WeightGradientRowsName => $"ConvWeightGradientRows_{Geometry.Signature}";
}
