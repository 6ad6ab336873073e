using System.ComponentModel;
using System.Numerics.Tensors;

namespace CompiledNets.Kernels;

/// <summary>
/// Kernels over <c>[rows, channels, spatial]</c> image batches (NCHW, <c>spatial</c> = height · width) that generated
/// networks call with their sizes: batch normalisation per channel, as PyTorch's <c>BatchNorm2d</c> (the formulas of
/// <see cref="NormalizationKernels"/> with each channel's statistics over every sample and position), and global average
/// pooling. Sums are in double, as in <see cref="NormalizationKernels"/>.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Advanced)]
public static class ImageKernels
{
    /// <summary>
    /// Training-mode batch norm per channel: writes <paramref name="output"/>, keeps <paramref name="normalized"/> and
    /// per-channel <paramref name="inverseStd"/> for the backward pass, and moves the running statistics (the variance
    /// unbiased over the <c>rows · spatial</c> values of a channel).
    /// </summary>
    public static void BatchNormTraining(ReadOnlySpan<float> input, Span<float> output, Span<float> normalized, Span<float> inverseStd,
        ReadOnlySpan<float> gamma, ReadOnlySpan<float> beta, Span<float> runningMean, Span<float> runningVariance,
        int rows, int channels, int spatial, float momentum, float epsilon)
    {
        long count = (long)rows * spatial;
        for (int c = 0; c < channels; c++)
        {
            double sum = 0;
            for (int r = 0; r < rows; r++)
                foreach (float v in input.Slice((r * channels + c) * spatial, spatial)) sum += v;
            double mean = sum / count;
            double squares = 0;
            for (int r = 0; r < rows; r++)
            {
                foreach (float v in input.Slice((r * channels + c) * spatial, spatial))
                {
                    double d = v - mean;
                    squares += d * d;
                }
            }
            double variance = squares / count;
            float invStd = (float)(1.0 / Math.Sqrt(variance + epsilon));
            inverseStd[c] = invStd;
            float g = gamma[c], b = beta[c], m = (float)mean;
            for (int r = 0; r < rows; r++)
            {
                int start = (r * channels + c) * spatial;
                for (int i = start; i < start + spatial; i++)
                {
                    float xHat = (input[i] - m) * invStd;
                    normalized[i] = xHat;
                    output[i] = g * xHat + b;
                }
            }
            double unbiased = count > 1 ? squares / (count - 1) : variance;
            runningMean[c] = (1 - momentum) * runningMean[c] + momentum * m;
            runningVariance[c] = (1 - momentum) * runningVariance[c] + momentum * (float)unbiased;
        }
    }

    /// <summary>Inference-mode batch norm per channel with the running statistics.</summary>
    public static void BatchNormInference(ReadOnlySpan<float> input, Span<float> output, ReadOnlySpan<float> gamma, ReadOnlySpan<float> beta,
        ReadOnlySpan<float> runningMean, ReadOnlySpan<float> runningVariance, int rows, int channels, int spatial, float epsilon)
    {
        for (int c = 0; c < channels; c++)
        {
            float scale = gamma[c] / MathF.Sqrt(runningVariance[c] + epsilon);
            float shift = beta[c] - runningMean[c] * scale;
            for (int r = 0; r < rows; r++)
            {
                int start = (r * channels + c) * spatial;
                for (int i = start; i < start + spatial; i++) output[i] = input[i] * scale + shift;
            }
        }
    }

    /// <summary>
    /// Batch-norm backward per channel, in place: <paramref name="delta"/> holds d loss / d output on entry and d loss /
    /// d input on return; the gamma and beta gradients are written.
    /// </summary>
    public static void BatchNormBackward(Span<float> delta, ReadOnlySpan<float> normalized, ReadOnlySpan<float> inverseStd, ReadOnlySpan<float> gamma,
        Span<float> gammaGradient, Span<float> betaGradient, int rows, int channels, int spatial)
    {
        long count = (long)rows * spatial;
        for (int c = 0; c < channels; c++)
        {
            double sumDelta = 0, sumDeltaXHat = 0;
            for (int r = 0; r < rows; r++)
            {
                int start = (r * channels + c) * spatial;
                for (int i = start; i < start + spatial; i++)
                {
                    sumDelta += delta[i];
                    sumDeltaXHat += (double)delta[i] * normalized[i];
                }
            }
            gammaGradient[c] = (float)sumDeltaXHat;
            betaGradient[c] = (float)sumDelta;
            float scale = gamma[c] * inverseStd[c] / count;
            float meanDelta = (float)sumDelta, meanDeltaXHat = (float)sumDeltaXHat;
            for (int r = 0; r < rows; r++)
            {
                int start = (r * channels + c) * spatial;
                for (int i = start; i < start + spatial; i++)
                    delta[i] = scale * (count * delta[i] - meanDelta - normalized[i] * meanDeltaXHat);
            }
        }
    }

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
