namespace CompiledNets;

/// <summary>Which buffer of an <see cref="INetwork"/> a tensor lives in.</summary>
public enum TensorStorage
{
    /// <summary><see cref="INetwork.Parameters"/>: trainable.</summary>
    Parameters,
    /// <summary><see cref="INetwork.Buffers"/>: non-trainable values used by inference.</summary>
    Buffers,
    /// <summary><see cref="INetwork.OptimizerState"/>: optimizer moments.</summary>
    OptimizerState,
}

/// <summary>A named, shaped view of a slice of one of a network's buffers.</summary>
/// <param name="Name">PyTorch-style name, for example <c>dense1.weight</c>.</param>
/// <param name="Shape">Dimensions, row-major (<c>[out, in]</c> for a Dense weight).</param>
/// <param name="Storage">The buffer it lives in.</param>
/// <param name="Offset">Index of its first element in that buffer.</param>
public sealed record TensorInfo(string Name, int[] Shape, TensorStorage Storage, int Offset)
{
    /// <summary>Number of elements (the product of <see cref="Shape"/>).</summary>
    public int Length
    {
        get
        {
            int length = 1;
            foreach (int dimension in Shape) length *= dimension;
            return length;
        }
    }

    /// <summary>The shape written as <c>[a, b]</c>.</summary>
    public string ShapeText => "[" + string.Join(", ", Shape) + "]";
}
