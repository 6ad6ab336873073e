using System.ComponentModel;
using System.Numerics.Tensors;

namespace CompiledNets.Kernels;

/// <summary>
/// Kernels over the planes of <c>[rows, channels, height · width]</c> image batches (NCHW) that generated networks call
/// with their sizes: global average pooling and its gradient.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Advanced)]
public static class ImageKernels
{
    /// <summary>The mean of each of <paramref name="planes"/> planes of <paramref name="spatial"/> values.</summary>
    public static void GlobalAveragePool(ReadOnlySpan<float> input, Span<float> output, int planes, int spatial)
    {
        for (int p = 0; p < planes; p++) output[p] = TensorPrimitives.Sum(input.Slice(p * spatial, spatial)) / spatial;
    }

    /// <summary>The input gradient of <see cref="GlobalAveragePool"/>: each plane's output gradient spread evenly over it.</summary>
    public static void GlobalAveragePoolBackward(ReadOnlySpan<float> outputGradient, Span<float> inputGradient, int planes, int spatial)
    {
        for (int p = 0; p < planes; p++) inputGradient.Slice(p * spatial, spatial).Fill(outputGradient[p] / spatial);
    }
}
