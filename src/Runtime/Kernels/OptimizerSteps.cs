using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace CompiledNets.Kernels;

/// <summary>
/// Optimizer updates as single vectorised passes over the contiguous parameter, gradient and state
/// buffers. The formulas are PyTorch's, so a step can be checked against <c>torch.optim</c> by hand.
/// </summary>
public static class OptimizerSteps
{
    /// <summary>Plain SGD: <c>p -= lr * g</c>.</summary>
    public static void Sgd(Span<float> parameters, ReadOnlySpan<float> gradients, float learningRate)
    {
        CheckLengths(parameters, gradients);
        ref float p = ref MemoryMarshal.GetReference(parameters);
        ref float g = ref MemoryMarshal.GetReference(gradients);
        int n = parameters.Length, i = 0;
        var rate = new Vector<float>(learningRate);
        for (; i <= n - Vector<float>.Count; i += Vector<float>.Count)
        {
            var pv = Vector.LoadUnsafe(ref p, (nuint)i);
            var gv = Vector.LoadUnsafe(ref g, (nuint)i);
            (pv - rate * gv).StoreUnsafe(ref p, (nuint)i);
        }
        for (; i < n; i++) Unsafe.Add(ref p, i) -= learningRate * Unsafe.Add(ref g, i);
    }

    /// <summary>
    /// Adam with bias correction, as <c>torch.optim.Adam</c>: <c>m = b1 m + (1-b1) g</c>, <c>v = b2 v + (1-b2) g²</c>,
    /// <c>p -= (lr / (1 - b1^t)) * m / (sqrt(v) / sqrt(1 - b2^t) + eps)</c>, where <paramref name="step"/> is t (1 on the first step).
    /// </summary>
    public static void Adam(Span<float> parameters, ReadOnlySpan<float> gradients, Span<float> firstMoment, Span<float> secondMoment,
        float learningRate, float beta1, float beta2, float epsilon, long step)
    {
        CheckLengths(parameters, gradients);
        CheckLengths(parameters, firstMoment);
        CheckLengths(parameters, secondMoment);
        if (step < 1) throw new ArgumentOutOfRangeException(nameof(step), step, "Adam steps count from 1.");
        float correction1 = 1f - MathF.Pow(beta1, step);
        float correction2Root = MathF.Sqrt(1f - MathF.Pow(beta2, step));
        float stepSize = learningRate / correction1;
        float inverseCorrection2Root = 1f / correction2Root;

        ref float p = ref MemoryMarshal.GetReference(parameters);
        ref float g = ref MemoryMarshal.GetReference(gradients);
        ref float m = ref MemoryMarshal.GetReference(firstMoment);
        ref float v = ref MemoryMarshal.GetReference(secondMoment);
        int n = parameters.Length, i = 0;
        var b1 = new Vector<float>(beta1);
        var b2 = new Vector<float>(beta2);
        var oneMinusB1 = new Vector<float>(1f - beta1);
        var oneMinusB2 = new Vector<float>(1f - beta2);
        var eps = new Vector<float>(epsilon);
        var size = new Vector<float>(stepSize);
        var invRoot = new Vector<float>(inverseCorrection2Root);
        for (; i <= n - Vector<float>.Count; i += Vector<float>.Count)
        {
            var gv = Vector.LoadUnsafe(ref g, (nuint)i);
            var mv = b1 * Vector.LoadUnsafe(ref m, (nuint)i) + oneMinusB1 * gv;
            var vv = b2 * Vector.LoadUnsafe(ref v, (nuint)i) + oneMinusB2 * gv * gv;
            mv.StoreUnsafe(ref m, (nuint)i);
            vv.StoreUnsafe(ref v, (nuint)i);
            var denominator = Vector.SquareRoot(vv) * invRoot + eps;
            (Vector.LoadUnsafe(ref p, (nuint)i) - size * mv / denominator).StoreUnsafe(ref p, (nuint)i);
        }
        for (; i < n; i++)
        {
            float gi = Unsafe.Add(ref g, i);
            float mi = beta1 * Unsafe.Add(ref m, i) + (1f - beta1) * gi;
            float vi = beta2 * Unsafe.Add(ref v, i) + (1f - beta2) * gi * gi;
            Unsafe.Add(ref m, i) = mi;
            Unsafe.Add(ref v, i) = vi;
            Unsafe.Add(ref p, i) -= stepSize * mi / (MathF.Sqrt(vi) * inverseCorrection2Root + epsilon);
        }
    }

    private static void CheckLengths(ReadOnlySpan<float> parameters, ReadOnlySpan<float> other)
    {
        if (parameters.Length != other.Length)
            throw new ArgumentException($"Optimizer buffers disagree: {parameters.Length} parameters but {other.Length} values.");
    }
}
