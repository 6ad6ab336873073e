using System.ComponentModel;

namespace CompiledNets.Kernels;

/// <summary>
/// Loss values and their gradients with respect to the last layer's pre-activation, shared by generated and
/// interpreted networks. Softmax + cross-entropy and sigmoid + binary cross-entropy are fused into their
/// numerically stable forms (computed from the logits; the gradient is <c>(a - t) / n</c>).
/// </summary>
[EditorBrowsable(EditorBrowsableState.Advanced)]
public static class LossKernels
{
    /// <summary>Probabilities are clamped to [1e-7, 1 - 1e-7] where an unfused loss takes their logarithm.</summary>
    public const float ProbabilityClamp = 1e-7f;

    /// <summary>True when <paramref name="loss"/> and the output <paramref name="activation"/> are computed fused from the logits.</summary>
    public static bool IsFused(LossFunction loss, Activation activation) =>
        (loss == LossFunction.CrossEntropy && activation == Activation.Softmax) ||
        (loss == LossFunction.BinaryCrossEntropy && activation == Activation.Sigmoid);

    /// <summary>
    /// Returns the mean loss of a batch and writes d(mean loss)/d(pre-activation) into <paramref name="delta"/>, with
    /// negligible values flushed to zero (<see cref="Subnormals.NegligibleLossGradient"/>).
    /// <paramref name="output"/> holds the activated outputs <c>[batch, outputSize]</c>, <paramref name="preActivation"/> the logits.
    /// </summary>
    public static float LossAndGradient(LossFunction loss, Activation activation, float alpha,
        ReadOnlySpan<float> output, ReadOnlySpan<float> preActivation, ReadOnlySpan<float> targets, Span<float> delta, int batch, int outputSize)
    {
        int n = batch * outputSize;
        output = output[..n];
        preActivation = preActivation[..n];
        targets = targets[..n];
        delta = delta[..n];
        float mean = LossAndUnflushedGradient(loss, activation, alpha, output, preActivation, targets, delta, batch, outputSize);
        Subnormals.FlushNegligible(delta);
        return mean;
    }

    private static float LossAndUnflushedGradient(LossFunction loss, Activation activation, float alpha,
        ReadOnlySpan<float> output, ReadOnlySpan<float> preActivation, ReadOnlySpan<float> targets, Span<float> delta, int batch, int outputSize)
    {
        int n = batch * outputSize;
        if (loss == LossFunction.CrossEntropy && activation == Activation.Softmax) return SoftmaxCrossEntropy(output, preActivation, targets, delta, batch, outputSize);
        if (loss == LossFunction.BinaryCrossEntropy && activation == Activation.Sigmoid) return SigmoidBinaryCrossEntropy(output, preActivation, targets, delta);

        double sum = 0;
        switch (loss)
        {
            case LossFunction.MeanSquaredError:
            {
                float scale = 2f / n;
                for (int i = 0; i < n; i++)
                {
                    float d = output[i] - targets[i];
                    sum += (double)d * d;
                    delta[i] = scale * d;
                }
                sum /= n;
                break;
            }
            case LossFunction.BinaryCrossEntropy:
            {
                float scale = 1f / n;
                for (int i = 0; i < n; i++)
                {
                    float p = Math.Clamp(output[i], ProbabilityClamp, 1 - ProbabilityClamp);
                    float t = targets[i];
                    sum -= t * Math.Log(p) + (1 - t) * Math.Log(1 - p);
                    delta[i] = scale * (p - t) / (p * (1 - p));
                }
                sum /= n;
                break;
            }
            case LossFunction.CrossEntropy:
            {
                float scale = 1f / batch;
                for (int i = 0; i < n; i++)
                {
                    float p = Math.Clamp(output[i], ProbabilityClamp, 1 - ProbabilityClamp);
                    float t = targets[i];
                    if (t != 0) sum -= t * Math.Log(p);
                    delta[i] = -scale * t / p;
                }
                sum /= batch;
                break;
            }
            default:
                throw new ArgumentOutOfRangeException(nameof(loss), loss, null);
        }
        ActivationKernels.Backward(activation, alpha, output, preActivation, delta, outputSize);
        return (float)sum;
    }

    private static float SoftmaxCrossEntropy(ReadOnlySpan<float> probabilities, ReadOnlySpan<float> logits, ReadOnlySpan<float> targets, Span<float> delta, int batch, int classes)
    {
        double sum = 0;
        float scale = 1f / batch;
        for (int r = 0; r < batch; r++)
        {
            var z = logits.Slice(r * classes, classes);
            var t = targets.Slice(r * classes, classes);
            var p = probabilities.Slice(r * classes, classes);
            // log Σ e^z = max + log Σ e^(z - max), and the largest logit's probability is e^0 / Σ e^(z - max): one log
            // per row from the softmax already computed, and it is at least 1/classes, so the log is well conditioned.
            int top = 0;
            for (int j = 1; j < classes; j++) if (z[j] > z[top]) top = j;
            double logSumExp = z[top] - Math.Log(p[top]);
            if (float.IsNaN(z[top]) || !(p[top] > 0f)) logSumExp = LogSumExp(z);
            for (int j = 0; j < classes; j++) if (t[j] != 0) sum += t[j] * (logSumExp - z[j]);
        }
        for (int i = 0; i < delta.Length; i++) delta[i] = scale * (probabilities[i] - targets[i]);
        return (float)(sum / batch);
    }

    /// <summary>log Σ e^z by exponentials, for rows whose softmax cannot give it (NaN logits, an underflowed probability).</summary>
    private static double LogSumExp(ReadOnlySpan<float> z)
    {
        float max = z[0];
        for (int j = 1; j < z.Length; j++) max = MathF.Max(max, z[j]);
        double expSum = 0;
        for (int j = 0; j < z.Length; j++) expSum += Math.Exp(z[j] - max);
        return max + Math.Log(expSum);
    }

    private static float SigmoidBinaryCrossEntropy(ReadOnlySpan<float> probabilities, ReadOnlySpan<float> logits, ReadOnlySpan<float> targets, Span<float> delta)
    {
        int n = delta.Length;
        double sum = 0;
        float scale = 1f / n;
        for (int i = 0; i < n; i++)
        {
            double z = logits[i];
            sum += Math.Max(z, 0) - z * targets[i] + Math.Log(1 + Math.Exp(-Math.Abs(z)));
            delta[i] = scale * (probabilities[i] - targets[i]);
        }
        return (float)(sum / n);
    }
}
