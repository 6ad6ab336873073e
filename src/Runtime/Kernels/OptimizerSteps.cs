using System.Runtime.Intrinsics;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace CompiledNets.Kernels;

/// <summary>
/// Optimizer updates as single vectorised passes over the contiguous parameter, gradient and state
/// buffers. The formulas are PyTorch's, so a step can be checked against <c>torch.optim</c> by hand.
/// </summary>
/// <remarks>
/// Moments and velocities decay geometrically where a gradient stays zero (a dead ReLU unit), until they turn subnormal,
/// and arithmetic on subnormal floats takes a slow microcode path on x64: the same step then runs several times slower.
/// Such values are flushed to zero (<see cref="Subnormals.FlushToZero(float)"/>), as flush-to-zero hardware modes
/// (torch.set_flush_denormal) would: an update of the order of lr · 1e-38 is below any parameter's resolution, so
/// training is unchanged.
/// </remarks>
public static class OptimizerSteps
{
    /// <summary>Parameter counts below which a step runs four floats at a time (networks small enough for the sample-lane kernels).</summary>
    private const int SmallStep = 256;

    /// <summary>Plain SGD: <c>p -= lr * g</c>.</summary>
    public static void Sgd(Span<float> parameters, ReadOnlySpan<float> gradients, float learningRate)
    {
        CheckLengths(parameters, gradients);
        ref float p = ref MemoryMarshal.GetReference(parameters);
        ref float g = ref MemoryMarshal.GetReference(gradients);
        int n = parameters.Length, i = 0;
        if (n < SmallStep)
        {
            // Gradients written moments ago by four-float stores: loads of the same width take them straight from the
            // store buffer, where a wider load would wait for the stores to reach the cache.
            var rate4 = Vector128.Create(learningRate);
            for (; i <= n - 4; i += 4)
                (Vector128.LoadUnsafe(ref p, (nuint)i) - rate4 * Vector128.LoadUnsafe(ref g, (nuint)i)).StoreUnsafe(ref p, (nuint)i);
        }
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
        float correction1 = BiasCorrection(beta1, step);
        float correction2Root = MathF.Sqrt(BiasCorrection(beta2, step));
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
        if (Vector512.IsHardwareAccelerated)
        {
            // Vector<float> stays 256 bits wide; the widest vectors halve the loop (same operations per lane, same results).
            var b1Wide = Vector512.Create(beta1);
            var b2Wide = Vector512.Create(beta2);
            var oneMinusB1Wide = Vector512.Create(1f - beta1);
            var oneMinusB2Wide = Vector512.Create(1f - beta2);
            var epsWide = Vector512.Create(epsilon);
            var sizeWide = Vector512.Create(stepSize);
            var invRootWide = Vector512.Create(inverseCorrection2Root);
            for (; i <= n - Vector512<float>.Count; i += Vector512<float>.Count)
            {
                var gv = Vector512.LoadUnsafe(ref g, (nuint)i);
                var mv = Subnormals.FlushToZero(b1Wide * Vector512.LoadUnsafe(ref m, (nuint)i) + oneMinusB1Wide * gv);
                var vv = Subnormals.FlushToZero(b2Wide * Vector512.LoadUnsafe(ref v, (nuint)i) + oneMinusB2Wide * gv * gv);
                mv.StoreUnsafe(ref m, (nuint)i);
                vv.StoreUnsafe(ref v, (nuint)i);
                var denominator = Vector512.Sqrt(vv) * invRootWide + epsWide;
                (Vector512.LoadUnsafe(ref p, (nuint)i) - sizeWide * mv / denominator).StoreUnsafe(ref p, (nuint)i);
            }
        }
        for (; i <= n - Vector<float>.Count; i += Vector<float>.Count)
        {
            var gv = Vector.LoadUnsafe(ref g, (nuint)i);
            var mv = Subnormals.FlushToZero(b1 * Vector.LoadUnsafe(ref m, (nuint)i) + oneMinusB1 * gv);
            var vv = Subnormals.FlushToZero(b2 * Vector.LoadUnsafe(ref v, (nuint)i) + oneMinusB2 * gv * gv);
            mv.StoreUnsafe(ref m, (nuint)i);
            vv.StoreUnsafe(ref v, (nuint)i);
            var denominator = Vector.SquareRoot(vv) * invRoot + eps;
            (Vector.LoadUnsafe(ref p, (nuint)i) - size * mv / denominator).StoreUnsafe(ref p, (nuint)i);
        }
        for (; i < n; i++)
        {
            float gi = Unsafe.Add(ref g, i);
            float mi = Subnormals.FlushToZero(beta1 * Unsafe.Add(ref m, i) + (1f - beta1) * gi);
            float vi = Subnormals.FlushToZero(beta2 * Unsafe.Add(ref v, i) + (1f - beta2) * gi * gi);
            Unsafe.Add(ref m, i) = mi;
            Unsafe.Add(ref v, i) = vi;
            Unsafe.Add(ref p, i) -= stepSize * mi / (MathF.Sqrt(vi) * inverseCorrection2Root + epsilon);
        }
    }

    /// <summary>
    /// Adam's <c>1 - β^t</c>. Once β^t is below 2^-30 the difference rounds to exactly 1 in float, so the power is skipped:
    /// long runs would otherwise take the C library's underflow path (it sets errno) twice per step.
    /// </summary>
    private static float BiasCorrection(float beta, long step) =>
        step * Math.Log2(beta) < -30 ? 1f : 1f - MathF.Pow(beta, step);

    /// <summary>
    /// SGD with momentum, as <c>torch.optim.SGD(momentum=μ, nesterov=...)</c> with no dampening:
    /// <c>v = μ v + g</c>, then <c>p -= lr · (g + μ v)</c> (Nesterov) or <c>p -= lr · v</c>.
    /// </summary>
    public static void SgdMomentum(Span<float> parameters, ReadOnlySpan<float> gradients, Span<float> velocity, float learningRate, float momentum, bool nesterov)
    {
        CheckLengths(parameters, gradients);
        CheckLengths(parameters, velocity);
        ref float p = ref MemoryMarshal.GetReference(parameters);
        ref float g = ref MemoryMarshal.GetReference(gradients);
        ref float v = ref MemoryMarshal.GetReference(velocity);
        int n = parameters.Length, i = 0;
        var mu = new Vector<float>(momentum);
        var rate = new Vector<float>(learningRate);
        for (; i <= n - Vector<float>.Count; i += Vector<float>.Count)
        {
            var gv = Vector.LoadUnsafe(ref g, (nuint)i);
            var vv = Subnormals.FlushToZero(mu * Vector.LoadUnsafe(ref v, (nuint)i) + gv);
            vv.StoreUnsafe(ref v, (nuint)i);
            var update = nesterov ? gv + mu * vv : vv;
            (Vector.LoadUnsafe(ref p, (nuint)i) - rate * update).StoreUnsafe(ref p, (nuint)i);
        }
        for (; i < n; i++)
        {
            float gi = Unsafe.Add(ref g, i);
            float vi = Subnormals.FlushToZero(momentum * Unsafe.Add(ref v, i) + gi);
            Unsafe.Add(ref v, i) = vi;
            Unsafe.Add(ref p, i) -= learningRate * (nesterov ? gi + momentum * vi : vi);
        }
    }

    /// <summary>AdaGrad, as <c>torch.optim.Adagrad</c>: <c>s += g²</c>, <c>p -= lr · g / (sqrt(s) + eps)</c>.</summary>
    public static void AdaGrad(Span<float> parameters, ReadOnlySpan<float> gradients, Span<float> sumOfSquares, float learningRate, float epsilon)
    {
        CheckLengths(parameters, gradients);
        CheckLengths(parameters, sumOfSquares);
        ref float p = ref MemoryMarshal.GetReference(parameters);
        ref float g = ref MemoryMarshal.GetReference(gradients);
        ref float s = ref MemoryMarshal.GetReference(sumOfSquares);
        int n = parameters.Length, i = 0;
        var rate = new Vector<float>(learningRate);
        var eps = new Vector<float>(epsilon);
        for (; i <= n - Vector<float>.Count; i += Vector<float>.Count)
        {
            var gv = Vector.LoadUnsafe(ref g, (nuint)i);
            var sv = Vector.LoadUnsafe(ref s, (nuint)i) + gv * gv;
            sv.StoreUnsafe(ref s, (nuint)i);
            (Vector.LoadUnsafe(ref p, (nuint)i) - rate * gv / (Vector.SquareRoot(sv) + eps)).StoreUnsafe(ref p, (nuint)i);
        }
        for (; i < n; i++)
        {
            float gi = Unsafe.Add(ref g, i);
            float si = Unsafe.Add(ref s, i) + gi * gi;
            Unsafe.Add(ref s, i) = si;
            Unsafe.Add(ref p, i) -= learningRate * gi / (MathF.Sqrt(si) + epsilon);
        }
    }

    /// <summary>
    /// RMSprop, as <c>torch.optim.RMSprop</c> (not centred): <c>a = α a + (1-α) g²</c>; without momentum
    /// <c>p -= lr · g / (sqrt(a) + eps)</c>, with momentum <c>b = μ b + g / (sqrt(a) + eps)</c>, <c>p -= lr · b</c>.
    /// <paramref name="momentumBuffer"/> is ignored (may be empty) when <paramref name="momentum"/> is 0.
    /// </summary>
    public static void RmsProp(Span<float> parameters, ReadOnlySpan<float> gradients, Span<float> squareAverage, Span<float> momentumBuffer,
        float learningRate, float alpha, float epsilon, float momentum)
    {
        CheckLengths(parameters, gradients);
        CheckLengths(parameters, squareAverage);
        bool useMomentum = momentum > 0;
        if (useMomentum) CheckLengths(parameters, momentumBuffer);
        for (int i = 0; i < parameters.Length; i++)
        {
            float gi = gradients[i];
            float ai = Subnormals.FlushToZero(alpha * squareAverage[i] + (1f - alpha) * gi * gi);
            squareAverage[i] = ai;
            float scaled = gi / (MathF.Sqrt(ai) + epsilon);
            if (useMomentum)
            {
                float bi = Subnormals.FlushToZero(momentum * momentumBuffer[i] + scaled);
                momentumBuffer[i] = bi;
                parameters[i] -= learningRate * bi;
            }
            else
            {
                parameters[i] -= learningRate * scaled;
            }
        }
    }

    /// <summary>
    /// AdamW, as <c>torch.optim.AdamW</c>: decoupled weight decay <c>p -= lr · λ · p</c> first, then the Adam step.
    /// </summary>
    public static void AdamW(Span<float> parameters, ReadOnlySpan<float> gradients, Span<float> firstMoment, Span<float> secondMoment,
        float learningRate, float beta1, float beta2, float epsilon, float weightDecay, long step)
    {
        if (weightDecay != 0)
        {
            float keep = 1f - learningRate * weightDecay;
            System.Numerics.Tensors.TensorPrimitives.Multiply(parameters, keep, parameters);
        }
        Adam(parameters, gradients, firstMoment, secondMoment, learningRate, beta1, beta2, epsilon, step);
    }

    private static void CheckLengths(ReadOnlySpan<float> parameters, ReadOnlySpan<float> other)
    {
        if (parameters.Length != other.Length)
            throw new ArgumentException($"Optimizer buffers disagree: {parameters.Length} parameters but {other.Length} values.");
    }
}
