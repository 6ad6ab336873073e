using System.Numerics.Tensors;

namespace CompiledNets;

/// <summary>Gradient clipping, applied between <see cref="INetwork.ComputeGradients"/> and <see cref="INetwork.ApplyGradients"/>.</summary>
public static class GradientClipping
{
    /// <summary>The L2 norm of all values, treated as one vector (vectorised).</summary>
    public static float GlobalNorm(ReadOnlySpan<float> gradients) => TensorPrimitives.Norm(gradients);

    /// <summary>
    /// Rescales <paramref name="gradients"/> in place so that their global L2 norm is at most
    /// <paramref name="maxNorm"/>, keeping their direction (<c>tf.clip_by_global_norm</c>:
    /// <c>g * maxNorm / max(norm, maxNorm)</c>), and returns the norm before clipping. Gradients whose norm is
    /// already within the bound are left untouched. A non-finite norm leaves the gradients untouched too (there is
    /// no direction to keep); the caller sees it in the returned value.
    /// </summary>
    /// <param name="gradients">All gradients as one contiguous buffer, for example <see cref="INetwork.Gradients"/>.</param>
    /// <param name="maxNorm">The largest allowed global norm; positive and finite.</param>
    public static float ClipByGlobalNorm(Span<float> gradients, float maxNorm)
    {
        if (!(maxNorm > 0) || float.IsInfinity(maxNorm))
            throw new ArgumentOutOfRangeException(nameof(maxNorm), maxNorm, "The maximum norm must be positive and finite.");
        float norm = TensorPrimitives.Norm(gradients);
        if (norm > maxNorm && float.IsFinite(norm))
            TensorPrimitives.Multiply(gradients, maxNorm / norm, gradients);
        return norm;
    }
}
