namespace CompiledNets.Generator.Emit;

/// <summary>
/// The helpers of the kernels that hold four samples in the lanes of a <c>Vector128</c> (the sample-lane training and
/// predict kernels, the unrolled softmax kernels), written once into the kernel class.
/// </summary>
internal static class LaneHelpersEmitter
{
    private const int Lanes = 4;

    private const string V = "Vector128";

    public static void Emit(SourceWriter w)
    {
        w.Lines($$"""
            /// <summary>1 in the first <paramref name="valid"/> lanes, 0 in the rest.</summary>
            [MethodImpl(MethodImplOptions.AggressiveInlining)]
            internal static {{V}}<float> LaneMask(int valid) =>
                {{V}}.LessThan({{V}}.Create(0f, 1f, 2f, 3f), {{V}}.Create((float)valid)) & {{V}}<float>.One;

            /// <summary>Lane l from <c>source[l * stride]</c> for the first <paramref name="valid"/> lanes, 0 in the rest (nothing past the batch is read).</summary>
            [MethodImpl(MethodImplOptions.AggressiveInlining)]
            internal static {{V}}<float> LoadLanes(ref float source, int stride, int valid) => valid == {{Lanes}}
                ? {{V}}.Create(source, Unsafe.Add(ref source, stride), Unsafe.Add(ref source, 2 * stride), Unsafe.Add(ref source, 3 * stride))
                : {{V}}.Create(source, valid > 1 ? Unsafe.Add(ref source, stride) : 0f, valid > 2 ? Unsafe.Add(ref source, 2 * stride) : 0f, 0f);

            /// <summary>The lane sums of four vectors, as one vector (pairs first, then the pair sums).</summary>
            [MethodImpl(MethodImplOptions.AggressiveInlining)]
            internal static {{V}}<float> SumLanes({{V}}<float> a, {{V}}<float> b, {{V}}<float> c, {{V}}<float> d)
            {
                if (System.Runtime.Intrinsics.X86.Sse3.IsSupported)
                    return System.Runtime.Intrinsics.X86.Sse3.HorizontalAdd(System.Runtime.Intrinsics.X86.Sse3.HorizontalAdd(a, b), System.Runtime.Intrinsics.X86.Sse3.HorizontalAdd(c, d));
                if (System.Runtime.Intrinsics.Arm.AdvSimd.Arm64.IsSupported)
                    return System.Runtime.Intrinsics.Arm.AdvSimd.Arm64.AddPairwise(System.Runtime.Intrinsics.Arm.AdvSimd.Arm64.AddPairwise(a, b), System.Runtime.Intrinsics.Arm.AdvSimd.Arm64.AddPairwise(c, d));
                return {{V}}.Create((a[0] + a[1]) + (a[2] + a[3]), (b[0] + b[1]) + (b[2] + b[3]), (c[0] + c[1]) + (c[2] + c[3]), (d[0] + d[1]) + (d[2] + d[3]));
            }

            /// <summary>Writes the first <paramref name="valid"/> lanes to <c>destination[l * stride]</c>.</summary>
            [MethodImpl(MethodImplOptions.AggressiveInlining)]
            internal static void StoreLanes({{V}}<float> value, ref float destination, int stride, int valid)
            {
                destination = value.ToScalar();
                if (valid > 1) Unsafe.Add(ref destination, stride) = value.GetElement(1);
                if (valid > 2) Unsafe.Add(ref destination, 2 * stride) = value.GetElement(2);
                if (valid > 3) Unsafe.Add(ref destination, 3 * stride) = value.GetElement(3);
            }
            """);
        w.Line();
    }
}
