namespace CompiledNets;

/// <summary>
/// Max and average pooling over each channel of <c>[channels, height, width]</c> samples, forward and backward. Windows
/// are placed by <see cref="WindowGeometry"/>; only their cells inside the input count:
/// <list type="bullet">
/// <item>max: the padding never wins; the winner is the FIRST maximum in row-major window order (top-left first), and
/// the backward pass gives the whole gradient to it;</item>
/// <item>average: the mean of the cells inside the input (PyTorch's <c>count_include_pad=False</c>, Keras's Same).</item>
/// </list>
/// </summary>
internal static class PoolMath
{
    /// <summary>
    /// Max pooling; when <paramref name="winners"/> is not empty it receives, per output, the index within its sample of
    /// the input cell that won (for <see cref="MaxBackward"/>).
    /// </summary>
    public static void MaxForward(ReadOnlySpan<float> input, Span<float> output, Span<int> winners, int batch, in WindowGeometry g)
    {
        int channels = g.Input.Channels, height = g.Input.Height, width = g.Input.Width;
        int inputSize = g.Input.Size, outputArea = g.OutputArea;
        bool keep = !winners.IsEmpty;
        for (int b = 0; b < batch; b++)
        {
            var sample = input.Slice(b * inputSize, inputSize);
            for (int c = 0; c < channels; c++)
            {
                int channelStart = c * height * width;
                int outStart = (b * channels + c) * outputArea;
                for (int oy = 0; oy < g.OutputHeight; oy++)
                {
                    var (y0, y1) = WindowRows(oy, g);
                    for (int ox = 0; ox < g.OutputWidth; ox++)
                    {
                        var (x0, x1) = WindowColumns(ox, g);
                        int best = channelStart + y0 * width + x0;
                        float bestValue = sample[best];
                        for (int y = y0; y < y1; y++)
                        {
                            int rowStart = channelStart + y * width;
                            for (int x = x0; x < x1; x++)
                            {
                                float v = sample[rowStart + x];
                                // Strictly greater: the first maximum keeps the window. A NaN wins (and propagates) like in PyTorch.
                                if (v > bestValue || (float.IsNaN(v) && !float.IsNaN(bestValue)))
                                {
                                    bestValue = v;
                                    best = rowStart + x;
                                }
                            }
                        }
                        int o = outStart + oy * g.OutputWidth + ox;
                        output[o] = bestValue;
                        if (keep) winners[o] = best;
                    }
                }
            }
        }
    }

    /// <summary>Max-pool backward: each output's gradient goes to the input cell that won its window (written, not accumulated across calls).</summary>
    public static void MaxBackward(ReadOnlySpan<float> delta, ReadOnlySpan<int> winners, Span<float> inputGradient, int batch, in WindowGeometry g)
    {
        int inputSize = g.Input.Size, outputSize = g.Input.Channels * g.OutputArea;
        inputGradient[..(batch * inputSize)].Clear();
        for (int b = 0; b < batch; b++)
        {
            var sampleGradient = inputGradient.Slice(b * inputSize, inputSize);
            for (int o = b * outputSize; o < (b + 1) * outputSize; o++) sampleGradient[winners[o]] += delta[o];
        }
    }

    /// <summary>Average pooling: the mean of each window's cells inside the input.</summary>
    public static void AverageForward(ReadOnlySpan<float> input, Span<float> output, int batch, in WindowGeometry g)
    {
        int channels = g.Input.Channels, height = g.Input.Height, width = g.Input.Width;
        int inputSize = g.Input.Size, outputArea = g.OutputArea;
        for (int b = 0; b < batch; b++)
        {
            var sample = input.Slice(b * inputSize, inputSize);
            for (int c = 0; c < channels; c++)
            {
                int channelStart = c * height * width;
                int outStart = (b * channels + c) * outputArea;
                for (int oy = 0; oy < g.OutputHeight; oy++)
                {
                    var (y0, y1) = WindowRows(oy, g);
                    for (int ox = 0; ox < g.OutputWidth; ox++)
                    {
                        var (x0, x1) = WindowColumns(ox, g);
                        float sum = 0f;
                        for (int y = y0; y < y1; y++)
                        {
                            int rowStart = channelStart + y * width;
                            for (int x = x0; x < x1; x++) sum += sample[rowStart + x];
                        }
                        output[outStart + oy * g.OutputWidth + ox] = sum / ((y1 - y0) * (x1 - x0));
                    }
                }
            }
        }
    }

    /// <summary>Average-pool backward: each output's gradient, divided by its window's cell count, added to those cells.</summary>
    public static void AverageBackward(ReadOnlySpan<float> delta, Span<float> inputGradient, int batch, in WindowGeometry g)
    {
        int channels = g.Input.Channels, height = g.Input.Height, width = g.Input.Width;
        int inputSize = g.Input.Size, outputArea = g.OutputArea;
        inputGradient[..(batch * inputSize)].Clear();
        for (int b = 0; b < batch; b++)
        {
            var sampleGradient = inputGradient.Slice(b * inputSize, inputSize);
            for (int c = 0; c < channels; c++)
            {
                int channelStart = c * height * width;
                int outStart = (b * channels + c) * outputArea;
                for (int oy = 0; oy < g.OutputHeight; oy++)
                {
                    var (y0, y1) = WindowRows(oy, g);
                    for (int ox = 0; ox < g.OutputWidth; ox++)
                    {
                        var (x0, x1) = WindowColumns(ox, g);
                        float share = delta[outStart + oy * g.OutputWidth + ox] / ((y1 - y0) * (x1 - x0));
                        for (int y = y0; y < y1; y++)
                        {
                            int rowStart = channelStart + y * width;
                            for (int x = x0; x < x1; x++) sampleGradient[rowStart + x] += share;
                        }
                    }
                }
            }
        }
    }

    /// <summary>The input rows of output row <paramref name="oy"/>'s window that lie inside the input: [start, end).</summary>
    private static (int Start, int End) WindowRows(int oy, in WindowGeometry g)
    {
        int start = oy * g.Stride - g.PadTop;
        return (Math.Max(start, 0), Math.Min(start + g.KernelHeight, g.Input.Height));
    }

    /// <summary>The input columns of output column <paramref name="ox"/>'s window that lie inside the input: [start, end).</summary>
    private static (int Start, int End) WindowColumns(int ox, in WindowGeometry g)
    {
        int start = ox * g.Stride - g.PadLeft;
        return (Math.Max(start, 0), Math.Min(start + g.KernelWidth, g.Input.Width));
    }
}
