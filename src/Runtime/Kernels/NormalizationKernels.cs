using System.ComponentModel;

namespace CompiledNets.Kernels;

/// <summary>
/// Batch and layer normalisation, forward and backward, as PyTorch defines them (<c>BatchNorm1d</c>,
/// <c>LayerNorm</c>): <c>y = gamma · (x - mean) / sqrt(var + eps) + beta</c> with the biased variance.
/// Batch norm normalises each feature over the batch (running statistics for inference, updated with
/// the unbiased variance); layer norm normalises each sample over its features. Sums are in double.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Advanced)]
public static class NormalizationKernels
{
    /// <summary>
    /// Training-mode batch norm over <c>[rows, features]</c>: writes <paramref name="output"/>, keeps the normalised
    /// input <paramref name="normalized"/> and per-feature <paramref name="inverseStd"/> for the backward pass, and moves
    /// the running statistics: <c>running = (1 - momentum)·running + momentum·batch</c>.
    /// </summary>
    public static void BatchNormTraining(ReadOnlySpan<float> input, Span<float> output, Span<float> normalized, Span<float> inverseStd,
        ReadOnlySpan<float> gamma, ReadOnlySpan<float> beta, Span<float> runningMean, Span<float> runningVariance,
        int rows, int features, float momentum, float epsilon)
    {
        for (int f = 0; f < features; f++)
        {
            double sum = 0;
            for (int r = 0; r < rows; r++) sum += input[r * features + f];
            double mean = sum / rows;
            double squares = 0;
            for (int r = 0; r < rows; r++)
            {
                double d = input[r * features + f] - mean;
                squares += d * d;
            }
            double variance = squares / rows;
            float invStd = (float)(1.0 / Math.Sqrt(variance + epsilon));
            inverseStd[f] = invStd;
            float g = gamma[f], b = beta[f], m = (float)mean;
            for (int r = 0; r < rows; r++)
            {
                int i = r * features + f;
                float xHat = (input[i] - m) * invStd;
                normalized[i] = xHat;
                output[i] = g * xHat + b;
            }
            double unbiased = rows > 1 ? squares / (rows - 1) : variance;
            runningMean[f] = (1 - momentum) * runningMean[f] + momentum * m;
            runningVariance[f] = (1 - momentum) * runningVariance[f] + momentum * (float)unbiased;
        }
    }

    /// <summary>Inference-mode batch norm with the running statistics.</summary>
    public static void BatchNormInference(ReadOnlySpan<float> input, Span<float> output, ReadOnlySpan<float> gamma, ReadOnlySpan<float> beta,
        ReadOnlySpan<float> runningMean, ReadOnlySpan<float> runningVariance, int rows, int features, float epsilon)
    {
        for (int f = 0; f < features; f++)
        {
            float scale = gamma[f] / MathF.Sqrt(runningVariance[f] + epsilon);
            float shift = beta[f] - runningMean[f] * scale;
            for (int r = 0; r < rows; r++) output[r * features + f] = input[r * features + f] * scale + shift;
        }
    }

    /// <summary>
    /// Batch-norm backward, in place: <paramref name="delta"/> holds d loss / d output on entry and d loss / d input on
    /// return; gamma and beta gradients are written (overwritten).
    /// </summary>
    public static void BatchNormBackward(Span<float> delta, ReadOnlySpan<float> normalized, ReadOnlySpan<float> inverseStd, ReadOnlySpan<float> gamma,
        Span<float> gammaGradient, Span<float> betaGradient, int rows, int features)
    {
        for (int f = 0; f < features; f++)
        {
            double sumDelta = 0, sumDeltaXHat = 0;
            for (int r = 0; r < rows; r++)
            {
                int i = r * features + f;
                sumDelta += delta[i];
                sumDeltaXHat += (double)delta[i] * normalized[i];
            }
            gammaGradient[f] = (float)sumDeltaXHat;
            betaGradient[f] = (float)sumDelta;
            float scale = gamma[f] * inverseStd[f] / rows;
            float meanDelta = (float)sumDelta, meanDeltaXHat = (float)sumDeltaXHat;
            for (int r = 0; r < rows; r++)
            {
                int i = r * features + f;
                delta[i] = scale * (rows * delta[i] - meanDelta - normalized[i] * meanDeltaXHat);
            }
        }
    }

    /// <summary>
    /// Training-mode batch norm per channel of <c>[batch, channels, spatial]</c> images (PyTorch's <c>BatchNorm2d</c>): each
    /// channel's statistics over its <c>n = batch · spatial</c> values; the running variance moves with the unbiased
    /// variance over those n. With <paramref name="spatial"/> = 1 this is <see cref="BatchNormTraining"/>.
    /// </summary>
    public static void BatchNorm2DTraining(ReadOnlySpan<float> input, Span<float> output, Span<float> normalized, Span<float> inverseStd,
        ReadOnlySpan<float> gamma, ReadOnlySpan<float> beta, Span<float> runningMean, Span<float> runningVariance,
        int batch, int channels, int spatial, float momentum, float epsilon)
    {
        int sample = channels * spatial;
        long count = (long)batch * spatial;
        for (int c = 0; c < channels; c++)
        {
            double sum = 0;
            for (int b = 0; b < batch; b++)
                foreach (float v in input.Slice(b * sample + c * spatial, spatial)) sum += v;
            double mean = sum / count;
            double squares = 0;
            for (int b = 0; b < batch; b++)
            {
                foreach (float v in input.Slice(b * sample + c * spatial, spatial))
                {
                    double d = v - mean;
                    squares += d * d;
                }
            }
            double variance = squares / count;
            float invStd = (float)(1.0 / Math.Sqrt(variance + epsilon));
            inverseStd[c] = invStd;
            float g = gamma[c], bias = beta[c], m = (float)mean;
            for (int b = 0; b < batch; b++)
            {
                int start = b * sample + c * spatial;
                for (int i = start; i < start + spatial; i++)
                {
                    float xHat = (input[i] - m) * invStd;
                    normalized[i] = xHat;
                    output[i] = g * xHat + bias;
                }
            }
            double unbiased = count > 1 ? squares / (count - 1) : variance;
            runningMean[c] = (1 - momentum) * runningMean[c] + momentum * m;
            runningVariance[c] = (1 - momentum) * runningVariance[c] + momentum * (float)unbiased;
        }
    }

    /// <summary>Inference-mode batch norm per channel of <c>[batch, channels, spatial]</c> images, with the running statistics.</summary>
    public static void BatchNorm2DInference(ReadOnlySpan<float> input, Span<float> output, ReadOnlySpan<float> gamma, ReadOnlySpan<float> beta,
        ReadOnlySpan<float> runningMean, ReadOnlySpan<float> runningVariance, int batch, int channels, int spatial, float epsilon)
    {
        int sample = channels * spatial;
        for (int c = 0; c < channels; c++)
        {
            float scale = gamma[c] / MathF.Sqrt(runningVariance[c] + epsilon);
            float shift = beta[c] - runningMean[c] * scale;
            for (int b = 0; b < batch; b++)
            {
                int start = b * sample + c * spatial;
                for (int i = start; i < start + spatial; i++) output[i] = input[i] * scale + shift;
            }
        }
    }

    /// <summary>
    /// Per-channel batch-norm backward over <c>[batch, channels, spatial]</c> images, in place on <paramref name="delta"/>;
    /// gamma and beta gradients are written (overwritten).
    /// </summary>
    public static void BatchNorm2DBackward(Span<float> delta, ReadOnlySpan<float> normalized, ReadOnlySpan<float> inverseStd, ReadOnlySpan<float> gamma,
        Span<float> gammaGradient, Span<float> betaGradient, int batch, int channels, int spatial)
    {
        int sample = channels * spatial;
        int count = batch * spatial;
        for (int c = 0; c < channels; c++)
        {
            double sumDelta = 0, sumDeltaXHat = 0;
            for (int b = 0; b < batch; b++)
            {
                int start = b * sample + c * spatial;
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
            for (int b = 0; b < batch; b++)
            {
                int start = b * sample + c * spatial;
                for (int i = start; i < start + spatial; i++)
                    delta[i] = scale * (count * delta[i] - meanDelta - normalized[i] * meanDeltaXHat);
            }
        }
    }

    /// <summary>
    /// Layer norm over each row of <paramref name="features"/> values; keeps <paramref name="normalized"/> and per-row
    /// <paramref name="inverseStd"/> when they are not empty (training).
    /// </summary>
    public static void LayerNormForward(ReadOnlySpan<float> input, Span<float> output, Span<float> normalized, Span<float> inverseStd,
        ReadOnlySpan<float> gamma, ReadOnlySpan<float> beta, int rows, int features, float epsilon)
    {
        bool keep = !normalized.IsEmpty;
        for (int r = 0; r < rows; r++)
        {
            var x = input.Slice(r * features, features);
            double sum = 0;
            foreach (float v in x) sum += v;
            double mean = sum / features;
            double squares = 0;
            foreach (float v in x) squares += (v - mean) * (v - mean);
            float invStd = (float)(1.0 / Math.Sqrt(squares / features + epsilon));
            float m = (float)mean;
            var y = output.Slice(r * features, features);
            for (int f = 0; f < features; f++)
            {
                float xHat = (x[f] - m) * invStd;
                if (keep) normalized[r * features + f] = xHat;
                y[f] = gamma[f] * xHat + beta[f];
            }
            if (keep) inverseStd[r] = invStd;
        }
    }

    /// <summary>Layer-norm backward, in place on <paramref name="delta"/>; gamma and beta gradients are overwritten.</summary>
    public static void LayerNormBackward(Span<float> delta, ReadOnlySpan<float> normalized, ReadOnlySpan<float> inverseStd, ReadOnlySpan<float> gamma,
        Span<float> gammaGradient, Span<float> betaGradient, int rows, int features)
    {
        gammaGradient[..features].Clear();
        betaGradient[..features].Clear();
        for (int r = 0; r < rows; r++)
        {
            var d = delta.Slice(r * features, features);
            var xHat = normalized.Slice(r * features, features);
            double sumG = 0, sumGXHat = 0;
            for (int f = 0; f < features; f++)
            {
                gammaGradient[f] += d[f] * xHat[f];
                betaGradient[f] += d[f];
                double g = (double)d[f] * gamma[f];
                sumG += g;
                sumGXHat += g * xHat[f];
            }
            float scale = inverseStd[r] / features;
            float a = (float)sumG, b = (float)sumGXHat;
            for (int f = 0; f < features; f++)
                d[f] = scale * (features * d[f] * gamma[f] - a - xHat[f] * b);
        }
    }
}
