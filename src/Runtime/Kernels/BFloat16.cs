using System.ComponentModel;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace CompiledNets.Kernels;

/// <summary>
/// bfloat16 values held as <see cref="ushort"/>: the top 16 bits of a float32 (sign, 8 exponent bits, 7 mantissa bits).
/// Narrowing rounds to nearest even; widening is exact, a zero-extend and a 16-bit left shift, so it needs no BF16
/// instructions and runs on any vector width. The loads are what the generated bfloat16 kernels call per step.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Advanced)]
public static class BFloat16
{
    /// <summary>The largest relative error of one narrowed value (half a unit in the last of bfloat16's 8 significant bits), normal values.</summary>
    public const float RelativeRounding = 1f / 256;

    /// <summary><paramref name="value"/> rounded to the nearest bfloat16 (ties to even); a NaN stays a (quiet) NaN of the same sign.</summary>
    public static ushort FromSingle(float value)
    {
        uint bits = BitConverter.SingleToUInt32Bits(value);
        // Rounding a NaN's payload could carry into the exponent and make it infinite: keep its top bits, set the quiet bit.
        if ((bits & 0x7FFF_FFFF) > 0x7F80_0000) return (ushort)((bits >> 16) | 0x0040);
        return (ushort)((bits + 0x7FFF + ((bits >> 16) & 1)) >> 16);
    }

    /// <summary>The float32 equal to bfloat16 <paramref name="value"/> (exact).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float ToSingle(ushort value) => BitConverter.UInt32BitsToSingle((uint)value << 16);

    /// <summary>Narrows every value of <paramref name="source"/> into <paramref name="destination"/> (<see cref="FromSingle"/>, a vector at a time).</summary>
    public static void Narrow(ReadOnlySpan<float> source, Span<ushort> destination)
    {
        if (destination.Length < source.Length) throw new ArgumentException($"The destination holds {destination.Length} values; the source has {source.Length}.", nameof(destination));
        ref uint from = ref Unsafe.As<float, uint>(ref MemoryMarshal.GetReference(source));
        ref ushort to = ref MemoryMarshal.GetReference(destination);
        int length = source.Length, i = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            for (; i <= length - 16; i += 16)
                Vector256.Narrow(Round(Vector256.LoadUnsafe(ref from, (nuint)i)), Round(Vector256.LoadUnsafe(ref from, (nuint)i + 8))).StoreUnsafe(ref to, (nuint)i);
        }
        else if (Vector128.IsHardwareAccelerated)
        {
            for (; i <= length - 8; i += 8)
                Vector128.Narrow(Round(Vector128.LoadUnsafe(ref from, (nuint)i)), Round(Vector128.LoadUnsafe(ref from, (nuint)i + 4))).StoreUnsafe(ref to, (nuint)i);
        }
        for (; i < length; i++) Unsafe.Add(ref to, i) = FromSingle(BitConverter.UInt32BitsToSingle(Unsafe.Add(ref from, i)));
    }

    /// <summary><see cref="FromSingle"/> on 8 values, left in the low halves of their lanes.</summary>
    private static Vector256<uint> Round(Vector256<uint> bits)
    {
        var rounded = (bits + Vector256.Create(0x7FFFu) + ((bits >> 16) & Vector256<uint>.One)) >> 16;
        var nan = Vector256.GreaterThan(bits & Vector256.Create(0x7FFF_FFFFu), Vector256.Create(0x7F80_0000u));
        return Vector256.ConditionalSelect(nan, (bits >> 16) | Vector256.Create(0x0040u), rounded);
    }

    /// <summary><see cref="FromSingle"/> on 4 values, left in the low halves of their lanes.</summary>
    private static Vector128<uint> Round(Vector128<uint> bits)
    {
        var rounded = (bits + Vector128.Create(0x7FFFu) + ((bits >> 16) & Vector128<uint>.One)) >> 16;
        var nan = Vector128.GreaterThan(bits & Vector128.Create(0x7FFF_FFFFu), Vector128.Create(0x7F80_0000u));
        return Vector128.ConditionalSelect(nan, (bits >> 16) | Vector128.Create(0x0040u), rounded);
    }

    /// <summary>16 bfloat16 values from <paramref name="index"/>, widened to float32 (a <c>vpmovzxwd</c> from memory and a shift on AVX-512).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> LoadVector512(ref ushort source, nuint index) =>
        Vector512.ShiftLeft(Vector512.WidenLower(Vector256.LoadUnsafe(ref source, index).ToVector512Unsafe()), 16).AsSingle();

    /// <summary>8 bfloat16 values from <paramref name="index"/>, widened to float32.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> LoadVector256(ref ushort source, nuint index) =>
        Vector256.ShiftLeft(Vector256.WidenLower(Vector128.LoadUnsafe(ref source, index).ToVector256Unsafe()), 16).AsSingle();

    /// <summary>4 bfloat16 values from <paramref name="index"/> (one 64-bit read), widened to float32.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> LoadVector128(ref ushort source, nuint index) =>
        Vector128.ShiftLeft(Vector128.WidenLower(Vector128.CreateScalarUnsafe(Unsafe.ReadUnaligned<ulong>(ref Unsafe.As<ushort, byte>(ref Unsafe.Add(ref source, index)))).AsUInt16()), 16).AsSingle();
}
