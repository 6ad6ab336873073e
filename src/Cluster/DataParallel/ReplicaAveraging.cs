using System.Numerics.Tensors;

namespace CompiledNets.Cluster;

/// <summary>
/// Averages the workers' tensors in rank order: rank 0's values, plus rank 1's, plus rank 2's, ..., times 1/K. Float
/// addition is not associative, so a fixed order is what makes a run bitwise reproducible whatever order the replies
/// arrive in.
/// </summary>
public static class ReplicaAveraging
{
    /// <summary>Writes the rank-ordered mean of <paramref name="parts"/> (float32 bytes, one per worker) into <paramref name="destination"/>.</summary>
    /// <exception cref="InvalidDataException">A part does not hold exactly <c>destination.Length</c> floats.</exception>
    public static void Average(IReadOnlyList<byte[]> parts, Span<float> destination, string what)
    {
        ArgumentNullException.ThrowIfNull(parts);
        if (parts.Count == 0) throw new ArgumentException("Nothing to average.", nameof(parts));
        TensorBytes.CopyTo(parts[0], destination, what);
        for (int rank = 1; rank < parts.Count; rank++)
        {
            if (parts[rank].Length != destination.Length * sizeof(float))
                throw new InvalidDataException($"Worker {rank} sent {parts[rank].Length} bytes of {what}; expected {destination.Length * sizeof(float)}.");
            TensorPrimitives.Add(destination, TensorBytes.AsFloats(parts[rank]), destination);
        }
        if (parts.Count > 1) TensorPrimitives.Multiply(destination, 1f / parts.Count, destination);
    }
}
