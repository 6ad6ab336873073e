namespace CompiledNets.Generator.Layers;

/// <summary>
/// The geometry of a sliding window along one dimension (a convolution's kernel, a pooling window), as Keras and
/// TensorFlow define it: Valid keeps the window inside the input; Same pads so that the output is <c>ceil(input / stride)</c>,
/// the padding split with the extra row or column after the input.
/// </summary>
internal readonly struct Window
{
    public Window(int size, int stride, bool same)
    {
        Size = size;
        Stride = stride;
        Same = same;
    }

    public int Size { get; }

    public int Stride { get; }

    public bool Same { get; }

    /// <summary>Outputs along the dimension for <paramref name="input"/> values (the window fits: see <see cref="Fits"/>).</summary>
    public int Output(int input) => Same ? (input + Stride - 1) / Stride : (input - Size) / Stride + 1;

    /// <summary>Padding in all: just enough for the last window to start at <c>(output - 1) · stride</c>.</summary>
    public int Padding(int input) => Same ? System.Math.Max((Output(input) - 1) * Stride + Size - input, 0) : 0;

    /// <summary>Padding before the first value (the smaller half).</summary>
    public int PaddingBefore(int input) => Padding(input) / 2;

    /// <summary>The input's length with its padding.</summary>
    public int Padded(int input) => input + Padding(input);

    /// <summary>Whether the window fits in the padded input (with Same it always does).</summary>
    public bool Fits(int input) => Padded(input) >= Size;
}
