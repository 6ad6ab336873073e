using System.Runtime.InteropServices;

namespace CompiledNets.Cluster;

/// <summary>
/// Tensors travel as raw float32 bytes: the Orleans serializer copies a byte array in one block, where a float array
/// would be encoded element by element.
/// </summary>
internal static class TensorBytes
{
    public static byte[] From(ReadOnlySpan<float> values) => MemoryMarshal.AsBytes(values).ToArray();

    public static void CopyTo(byte[] bytes, Span<float> destination, string what)
    {
        if (bytes.Length != destination.Length * sizeof(float))
            throw new InvalidDataException($"Received {bytes.Length} bytes of {what}; the network holds {destination.Length} floats ({destination.Length * sizeof(float)} bytes).");
        MemoryMarshal.Cast<byte, float>(bytes).CopyTo(destination);
    }

    public static ReadOnlySpan<float> AsFloats(byte[] bytes) => MemoryMarshal.Cast<byte, float>(bytes);
}
