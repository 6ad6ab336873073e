using System.ComponentModel;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace CompiledNets.Kernels;

/// <summary>
/// Flush-to-zero for the gradients that flow backwards between layers, shared by generated and interpreted networks.
/// </summary>
/// <remarks>
/// A network that fits its data drives some probabilities towards 0, and their gradients with them, into the
/// subnormal range below 2^-126. x64 computes with subnormal operands or results through a slow path, many times
/// slower than normal arithmetic, so a converged network's backward pass would slow down tenfold. .NET cannot set
/// the processor's flush-to-zero mode (the CPU default of TensorFlow does), so the backward pass flushes in software
/// where gradients are stored: the loss gradient below <see cref="NegligibleLossGradient"/> (with a margin, so that its
/// products with weights further back stay normal), every stored backward product below <see cref="SmallestNormal"/>.
/// Both are far below anything an optimizer step can resolve. NaN and infinity pass unchanged.
/// </remarks>
[EditorBrowsable(EditorBrowsableState.Advanced)]
public static class Subnormals
{
    /// <summary>The smallest positive normal float, 2^-126 (<see cref="float.Epsilon"/> is the smallest subnormal).</summary>
    public const float SmallestNormal = 1.17549435E-38f;

    /// <summary>
    /// Loss gradients below this magnitude (2^-64, about 5.4e-20) are set to 0. No optimizer step can resolve them
    /// (SGD moves a weight by lr·g; Adam by about lr·g/ε for gradients far below ε), and the margin keeps their
    /// products with weights and activations, layers further back, out of the subnormal range.
    /// </summary>
    public const float NegligibleLossGradient = 5.42101086E-20f;

    /// <summary><paramref name="value"/>, or 0 when it is subnormal.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float FlushToZero(float value) => Below(value, SmallestNormal);

    /// <summary>Each lane of <paramref name="value"/>, or 0 where it is subnormal.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> FlushToZero(Vector128<float> value) => Below(value, SmallestNormal);

    /// <inheritdoc cref="FlushToZero(Vector128{float})"/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> FlushToZero(Vector256<float> value) => Below(value, SmallestNormal);

    /// <inheritdoc cref="FlushToZero(Vector128{float})"/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> FlushToZero(Vector512<float> value) => Below(value, SmallestNormal);

    /// <inheritdoc cref="FlushToZero(Vector128{float})"/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector<float> FlushToZero(Vector<float> value) => Below(value, SmallestNormal);

    /// <summary>Each lane of <paramref name="value"/>, or 0 where its magnitude is below <see cref="NegligibleLossGradient"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> FlushNegligible(Vector128<float> value) => Below(value, NegligibleLossGradient);

    /// <summary>Sets every subnormal value of <paramref name="values"/> to 0, in place.</summary>
    public static void FlushToZero(Span<float> values) => Flush(values, SmallestNormal);

    /// <summary>Sets every value of <paramref name="values"/> whose magnitude is below <see cref="NegligibleLossGradient"/> to 0, in place.</summary>
    public static void FlushNegligible(Span<float> values) => Flush(values, NegligibleLossGradient);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float Below(float value, float threshold) => MathF.Abs(value) < threshold ? 0f : value;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<float> Below(Vector128<float> value, float threshold) =>
        Vector128.ConditionalSelect(Vector128.LessThan(Vector128.Abs(value), Vector128.Create(threshold)), Vector128<float>.Zero, value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> Below(Vector256<float> value, float threshold) =>
        Vector256.ConditionalSelect(Vector256.LessThan(Vector256.Abs(value), Vector256.Create(threshold)), Vector256<float>.Zero, value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> Below(Vector512<float> value, float threshold) =>
        Vector512.ConditionalSelect(Vector512.LessThan(Vector512.Abs(value), Vector512.Create(threshold)), Vector512<float>.Zero, value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector<float> Below(Vector<float> value, float threshold) =>
        Vector.ConditionalSelect(Vector.LessThan(Vector.Abs(value), new Vector<float>(threshold)), Vector<float>.Zero, value);

    /// <summary>Every value of <paramref name="values"/> below <paramref name="threshold"/> in magnitude set to 0 (NaN compares false and stays).</summary>
    private static void Flush(Span<float> values, float threshold)
    {
        ref float v = ref MemoryMarshal.GetReference(values);
        int n = values.Length, i = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            for (; i <= n - 16; i += 16) Below(Vector512.LoadUnsafe(ref v, (nuint)i), threshold).StoreUnsafe(ref v, (nuint)i);
        }
        for (; i <= n - 4; i += 4) Below(Vector128.LoadUnsafe(ref v, (nuint)i), threshold).StoreUnsafe(ref v, (nuint)i);
        for (; i < n; i++) Unsafe.Add(ref v, i) = Below(Unsafe.Add(ref v, i), threshold);
    }
}
