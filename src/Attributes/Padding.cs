namespace CompiledNets;

/// <summary>How a convolution or pooling window treats the edges of its input (Keras's <c>padding</c>).</summary>
public enum Padding
{
    /// <summary>No padding: the window stays inside the input, so the output is smaller (<c>(in - window) / stride + 1</c>).</summary>
    Valid,

    /// <summary>
    /// Zero padding (for pooling: padding that never wins) so that the output is <c>ceil(in / stride)</c>: the input's size at
    /// stride 1. As in Keras, the padding is split with the extra row or column at the bottom and right.
    /// </summary>
    Same,
}
