using System.Numerics.Tensors;

namespace CompiledNets;

/// <summary>
/// The products of a 2-D convolution, one sample at a time through an unfolded copy of its input (im2col):
/// <c>columns[k, p]</c> is the input value under kernel cell <c>k = (c·kh + ky)·kw + kx</c> at output position
/// <c>p = oy·outWidth + ox</c> (zero in the padding). With that, every product is a matrix product (<see cref="Gemm"/>):
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

    /// <summary>Scratch values <see cref="Forward"/> needs: one sample's unfolded input, <c>K · P</c>.</summary>
    public static int ForwardScratch(int filters, in WindowGeometry g) => g.Input.Channels * g.KernelArea * g.OutputArea;

    /// <summary>
    /// Scratch values <see cref="Backward"/> needs: the unfolded input, its transpose (then the column gradients), and the
    /// transposed weights, <c>2 · K · P + K · filters</c>.
    /// </summary>
    public static int BackwardScratch(int filters, in WindowGeometry g)
    {
        int kernel = g.Input.Channels * g.KernelArea;
        return 2 * kernel * g.OutputArea + kernel * filters;
    }

    /// <summary>
    /// <c>y[b, f, :] = bias[f] + Σ_k W[f, k] · columns_b[k, :]</c> for <paramref name="batch"/> samples: per sample, the
    /// bias, then the product <c>W [F, K] · columns [K, P]</c>. <paramref name="scratch"/> holds <see cref="ForwardScratch"/> values.
    /// </summary>
    public static void Forward(ReadOnlySpan<float> input, ReadOnlySpan<float> weights, ReadOnlySpan<float> bias, Span<float> output,
        int batch, int filters, Span<float> scratch, in WindowGeometry g)
    {
        int inputSize = g.Input.Size, area = g.OutputArea, kernel = g.Input.Channels * g.KernelArea;
        var columns = scratch[..(kernel * area)];
        for (int b = 0; b < batch; b++)
        {
            Unfold(input.Slice(b * inputSize, inputSize), columns, g);
            var sample = output.Slice(b * filters * area, filters * area);
            for (int f = 0; f < filters; f++) sample.Slice(f * area, area).Fill(bias[f]);
            Gemm.MultiplyAdd(weights, columns, sample, filters, kernel, area);
        }
    }

    /// <summary>
    /// The weight and bias gradients summed over the batch (written, not accumulated), and, unless
    /// <paramref name="inputGradient"/> is empty, the input gradient. Per sample: <c>dW += delta [F, P] · columnsᵀ [P, K]</c>,
    /// and <c>dColumns = Wᵀ [K, F] · delta [F, P]</c> folded back onto the input. <paramref name="scratch"/> holds
    /// <see cref="BackwardScratch"/> values.
    /// </summary>
    public static void Backward(ReadOnlySpan<float> delta, ReadOnlySpan<float> input, ReadOnlySpan<float> weights,
        Span<float> weightGradient, Span<float> biasGradient, Span<float> inputGradient, int batch, int filters, Span<float> scratch, in WindowGeometry g)
    {
        int inputSize = g.Input.Size, area = g.OutputArea, kernel = g.Input.Channels * g.KernelArea;
        var columns = scratch[..(kernel * area)];
        var second = scratch.Slice(kernel * area, kernel * area); // the transposed columns, then the column gradients
        var weightsTransposed = scratch.Slice(2 * kernel * area, kernel * filters);
        weightGradient = weightGradient[..(filters * kernel)];
        weightGradient.Clear();
        biasGradient[..filters].Clear();
        if (!inputGradient.IsEmpty) Transpose(weights, weightsTransposed, filters, kernel);
        for (int b = 0; b < batch; b++)
        {
            var sampleDelta = delta.Slice(b * filters * area, filters * area);
            for (int f = 0; f < filters; f++) biasGradient[f] += TensorPrimitives.Sum(sampleDelta.Slice(f * area, area));
            Unfold(input.Slice(b * inputSize, inputSize), columns, g);
            Transpose(columns, second, kernel, area);
            Gemm.MultiplyAdd(sampleDelta, second, weightGradient, filters, area, kernel);
            if (inputGradient.IsEmpty) continue;

            second.Clear();
            Gemm.MultiplyAdd(weightsTransposed, sampleDelta, second, kernel, filters, area);
            var sampleGradient = inputGradient.Slice(b * inputSize, inputSize);
            sampleGradient.Clear();
            FoldAdd(second, sampleGradient, g);
        }
        // The generated kernels flush as they store: the same values reach the optimizer and the layer below.
        Kernels.Subnormals.FlushToZero(weightGradient);
        if (!inputGradient.IsEmpty) Kernels.Subnormals.FlushToZero(inputGradient[..(batch * inputSize)]);
    }

    /// <summary><c>destination [columns, rows]</c> = <c>source [rows, columns]</c>ᵀ.</summary>
    private static void Transpose(ReadOnlySpan<float> source, Span<float> destination, int rows, int columns)
    {
        for (int r = 0; r < rows; r++)
        {
            var row = source.Slice(r * columns, columns);
            for (int c = 0; c < columns; c++) destination[c * rows + r] = row[c];
        }
    }
}
