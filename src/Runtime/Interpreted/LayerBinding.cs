using CompiledNets.Kernels;

namespace CompiledNets;

/// <summary>
/// Where a layer of a <see cref="Sequential"/> network finds its share of the network's buffers, handed to
/// <see cref="Layer.Bind"/> once when the network is built.
/// </summary>
/// <param name="Parameters">The network's trainable values.</param>
/// <param name="Gradients">The gradients, same layout as <paramref name="Parameters"/>.</param>
/// <param name="Buffers">The network's non-trainable values (batch-norm running statistics).</param>
/// <param name="ParameterOffset">Where this layer's values start in <paramref name="Parameters"/> and <paramref name="Gradients"/>.</param>
/// <param name="BufferOffset">Where this layer's values start in <paramref name="Buffers"/>.</param>
/// <param name="MaxBatchSize">Largest training batch.</param>
/// <param name="IsLast">True for the output layer: the loss needs its values before the output activation.</param>
/// <param name="Training">False for an inference-only network: no training scratch is allocated.</param>
/// <param name="Dropout">The network's one dropout stream, shared by its dropout layers in forward order.</param>
internal readonly record struct LayerBinding(
    AlignedFloats Parameters, AlignedFloats Gradients, AlignedFloats Buffers, int ParameterOffset, int BufferOffset,
    int MaxBatchSize, bool IsLast, bool Training, DropoutStream Dropout);

/// <summary>
/// The random stream behind every dropout mask of a network: seeded with <c>~seed</c> and drawn once per element,
/// layer by layer in forward order, batch after batch, exactly as the generated network draws it.
/// </summary>
internal sealed class DropoutStream(long seed)
{
    /// <summary>The generator's state; layers advance it by reference.</summary>
    public SeededRandom Random = new(seed);
}
