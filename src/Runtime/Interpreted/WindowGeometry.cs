namespace CompiledNets;

/// <summary>
/// Where a convolution or pooling window sits on its input: the output size and the padding before each spatial
/// dimension, by Keras's rules (which the generated code follows too):
/// <list type="bullet">
/// <item>Valid: <c>out = (in - k) / s + 1</c> (integer division; needs <c>in ≥ k</c>), no padding.</item>
/// <item>Same: <c>out = ceil(in / s)</c>; <c>padTotal = max((out - 1)·s + k - in, 0)</c>; <c>padBefore = padTotal / 2</c>
/// (floor), the extra row or column after (bottom, right).</item>
/// </list>
/// Window <c>(oy, ox)</c> covers input rows <c>oy·s - PadTop …</c> and columns <c>ox·s - PadLeft …</c>; cells outside the
/// input are padding. Every window holds at least one input cell (with Same, <c>padBefore &lt; k</c> and the last window
/// starts before the input ends).
/// </summary>
internal readonly record struct WindowGeometry(
    LayerShape Input, int KernelHeight, int KernelWidth, int Stride, int OutputHeight, int OutputWidth, int PadTop, int PadLeft)
{
    /// <summary>Kernel cells per channel (kh · kw).</summary>
    public int KernelArea => KernelHeight * KernelWidth;

    /// <summary>Output positions per channel (out height · out width).</summary>
    public int OutputArea => OutputHeight * OutputWidth;

    /// <summary>Padding after the last row (Same only).</summary>
    public int PadBottom => Math.Max((OutputHeight - 1) * Stride + KernelHeight - Input.Height - PadTop, 0);

    /// <summary>Padding after the last column (Same only).</summary>
    public int PadRight => Math.Max((OutputWidth - 1) * Stride + KernelWidth - Input.Width - PadLeft, 0);

    /// <summary>True when a window of <paramref name="window"/> fits an input of <paramref name="input"/> cells (always with Same).</summary>
    public static bool Fits(int input, int window, Padding padding) => padding == Padding.Same || input >= window;

    /// <summary>Output size and padding before, along one dimension. The window must fit (<see cref="Fits"/>).</summary>
    public static (int Output, int PadBefore) Resolve(int input, int window, int stride, Padding padding)
    {
        if (padding == Padding.Valid) return ((input - window) / stride + 1, 0);
        int output = (input + stride - 1) / stride;
        int padTotal = Math.Max((output - 1) * stride + window - input, 0);
        return (output, padTotal / 2);
    }

    /// <summary>The geometry of a <paramref name="kernelHeight"/> × <paramref name="kernelWidth"/> window over an image.</summary>
    public static WindowGeometry Create(LayerShape input, int kernelHeight, int kernelWidth, int stride, Padding padding)
    {
        var (outputHeight, padTop) = Resolve(input.Height, kernelHeight, stride, padding);
        var (outputWidth, padLeft) = Resolve(input.Width, kernelWidth, stride, padding);
        return new WindowGeometry(input, kernelHeight, kernelWidth, stride, outputHeight, outputWidth, padTop, padLeft);
    }

    /// <summary>
    /// The first output column <c>ox</c> whose window's column <paramref name="kx"/> lies inside the input, and the end
    /// (exclusive) of that run: <c>0 ≤ ox·s - PadLeft + kx &lt; width</c>.
    /// </summary>
    public (int Start, int End) InsideColumns(int kx) => InsideRange(kx - PadLeft, Input.Width, OutputWidth);

    /// <summary>As <see cref="InsideColumns"/>, for rows: output rows whose window row <paramref name="ky"/> is inside the input.</summary>
    public (int Start, int End) InsideRows(int ky) => InsideRange(ky - PadTop, Input.Height, OutputHeight);

    // 0 <= o·s + shift < size, for o in [0, outputs).
    private (int Start, int End) InsideRange(int shift, int size, int outputs)
    {
        int start = shift >= 0 ? 0 : (-shift + Stride - 1) / Stride;
        int end = size - shift <= 0 ? 0 : (size - shift + Stride - 1) / Stride;
        start = Math.Min(start, outputs);
        end = Math.Clamp(end, start, outputs);
        return (start, end);
    }
}
