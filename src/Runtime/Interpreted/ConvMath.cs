using System.Numerics.Tensors;

namespace CompiledNets;

/// <summary>
/// The products of a 2-D convolution, one sample at a time through an unfolded copy of its input (im2col):
/// <c>columns[k, p]</c> is the input value under kernel cell <c>k = (c·kh + ky)·kw + kx</c> at output position
/// <c>p = oy·outWidth + ox</c> (zero in the padding). With that, every product is a run of
/// <see cref="TensorPrimitives"/> calls over the output positions of one channel:
/// <list type="bullet">
/// <item>forward: <c>y[f, :] = b[f] + Σ_k W[f, k] · columns[k, :]</c>;</item>
/// <item>weight gradient: <c>dW[f, k] = Σ_samples delta[f, :] · columns[k, :]</c>, <c>db[f] = Σ delta[f, :]</c>;</item>
/// <item>input gradient: <c>dColumns[k, :] = Σ_f W[f, k] · delta[f, :]</c>, folded back onto the input (col2im).</item>
/// </list>
/// Weights are PyTorch's <c>[filters, in_channels, kh, kw]</c>, which is <c>[filters, K]</c> with K in the order above.
/// </summary>
internal static class ConvMath
{
    /// <summary>Fills <paramref name="columns"/> (<c>[K, P]</c>) from one sample's <paramref name="image"/>.</summary>
    public static void Unfold(ReadOnlySpan<float> image, Span<float> columns, in WindowGeometry g)
    {
        int height = g.Input.Height, width = g.Input.Width, area = g.OutputArea, outWidth = g.OutputWidth, stride = g.Stride;
        int k = 0;
        for (int c = 0; c < g.Input.Channels; c++)
        {
            var channel = image.Slice(c * height * width, height * width);
            for (int ky = 0; ky < g.KernelHeight; ky++)
            {
                var (rowStart, rowEnd) = g.InsideRows(ky);
                for (int kx = 0; kx < g.KernelWidth; kx++, k++)
                {
                    var destination = columns.Slice(k * area, area);
                    var (colStart, colEnd) = g.InsideColumns(kx);
                    destination[..(rowStart * outWidth)].Clear();
                    destination[(rowEnd * outWidth)..].Clear();
                    for (int oy = rowStart; oy < rowEnd; oy++)
                    {
                        var source = channel.Slice((oy * stride - g.PadTop + ky) * width, width);
                        var row = destination.Slice(oy * outWidth, outWidth);
                        row[..colStart].Clear();
                        row[colEnd..].Clear();
                        int ix = colStart * stride - g.PadLeft + kx;
                        if (stride == 1)
                        {
                            source.Slice(ix, colEnd - colStart).CopyTo(row[colStart..colEnd]);
                        }
                        else
                        {
                            for (int ox = colStart; ox < colEnd; ox++, ix += stride) row[ox] = source[ix];
                        }
                    }
                }
            }
        }
    }

    /// <summary>Adds <paramref name="columns"/> (<c>[K, P]</c>, gradients) onto the cells of <paramref name="image"/> they were unfolded from.</summary>
    public static void FoldAdd(ReadOnlySpan<float> columns, Span<float> image, in WindowGeometry g)
    {
        int height = g.Input.Height, width = g.Input.Width, area = g.OutputArea, outWidth = g.OutputWidth, stride = g.Stride;
        int k = 0;
        for (int c = 0; c < g.Input.Channels; c++)
        {
            var channel = image.Slice(c * height * width, height * width);
            for (int ky = 0; ky < g.KernelHeight; ky++)
            {
                var (rowStart, rowEnd) = g.InsideRows(ky);
                for (int kx = 0; kx < g.KernelWidth; kx++, k++)
                {
                    var source = columns.Slice(k * area, area);
                    var (colStart, colEnd) = g.InsideColumns(kx);
                    for (int oy = rowStart; oy < rowEnd; oy++)
                    {
                        var destination = channel.Slice((oy * stride - g.PadTop + ky) * width, width);
                        var row = source.Slice(oy * outWidth, outWidth);
                        int ix = colStart * stride - g.PadLeft + kx;
                        if (stride == 1)
                        {
                            var target = destination.Slice(ix, colEnd - colStart);
                            TensorPrimitives.Add(target, row[colStart..colEnd], target);
                        }
                        else
                        {
                            for (int ox = colStart; ox < colEnd; ox++, ix += stride) destination[ix] += row[ox];
                        }
                    }
                }
            }
        }
    }

    /// <summary>
    /// <c>y[b, f, :] = bias[f] + Σ_k W[f, k] · columns_b[k, :]</c> for <paramref name="batch"/> samples;
    /// <paramref name="columns"/> holds one sample's <c>[K, P]</c> at a time.
    /// </summary>
    public static void Forward(ReadOnlySpan<float> input, ReadOnlySpan<float> weights, ReadOnlySpan<float> bias, Span<float> output,
        int batch, int filters, Span<float> columns, in WindowGeometry g)
    {
        int inputSize = g.Input.Size, area = g.OutputArea, kernel = g.Input.Channels * g.KernelArea;
        columns = columns[..(kernel * area)];
        for (int b = 0; b < batch; b++)
        {
            Unfold(input.Slice(b * inputSize, inputSize), columns, g);
            var sample = output.Slice(b * filters * area, filters * area);
            for (int f = 0; f < filters; f++)
            {
                var row = sample.Slice(f * area, area);
                row.Fill(bias[f]);
                var weightRow = weights.Slice(f * kernel, kernel);
                for (int k = 0; k < kernel; k++)
                    TensorPrimitives.MultiplyAdd(columns.Slice(k * area, area), weightRow[k], row, row);
            }
        }
    }

    /// <summary>
    /// The weight and bias gradients summed over the batch (written, not accumulated), and, unless
    /// <paramref name="inputGradient"/> is empty, the input gradient. <paramref name="columns"/> holds one sample's
    /// <c>[K, P]</c>: first its unfolded input, then its column gradients.
    /// </summary>
    public static void Backward(ReadOnlySpan<float> delta, ReadOnlySpan<float> input, ReadOnlySpan<float> weights,
        Span<float> weightGradient, Span<float> biasGradient, Span<float> inputGradient, int batch, int filters, Span<float> columns, in WindowGeometry g)
    {
        int inputSize = g.Input.Size, area = g.OutputArea, kernel = g.Input.Channels * g.KernelArea;
        columns = columns[..(kernel * area)];
        weightGradient = weightGradient[..(filters * kernel)];
        weightGradient.Clear();
        biasGradient[..filters].Clear();
        for (int b = 0; b < batch; b++)
        {
            var sampleDelta = delta.Slice(b * filters * area, filters * area);
            Unfold(input.Slice(b * inputSize, inputSize), columns, g);
            for (int f = 0; f < filters; f++)
            {
                var deltaRow = sampleDelta.Slice(f * area, area);
                biasGradient[f] += TensorPrimitives.Sum(deltaRow);
                var gradientRow = weightGradient.Slice(f * kernel, kernel);
                for (int k = 0; k < kernel; k++) gradientRow[k] += TensorPrimitives.Dot(deltaRow, columns.Slice(k * area, area));
            }
            if (inputGradient.IsEmpty) continue;

            columns.Clear();
            for (int f = 0; f < filters; f++)
            {
                var deltaRow = sampleDelta.Slice(f * area, area);
                var weightRow = weights.Slice(f * kernel, kernel);
                for (int k = 0; k < kernel; k++)
                {
                    var target = columns.Slice(k * area, area);
                    TensorPrimitives.MultiplyAdd(deltaRow, weightRow[k], target, target);
                }
            }
            var sampleGradient = inputGradient.Slice(b * inputSize, inputSize);
            sampleGradient.Clear();
            FoldAdd(columns, sampleGradient, g);
        }
        // The generated kernels flush as they store: the same values reach the optimizer and the layer below.
        Kernels.Subnormals.FlushToZero(weightGradient);
        if (!inputGradient.IsEmpty) Kernels.Subnormals.FlushToZero(inputGradient[..(batch * inputSize)]);
    }
}
