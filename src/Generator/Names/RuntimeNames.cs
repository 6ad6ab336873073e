namespace CompiledNets.Generator.Names;

/// <summary>
/// The runtime's symbols as generated code names them (always <c>global::</c>-qualified), and the aliases the kernel
/// file declares. One place, so that a rename in the runtime is one edit here.
/// </summary>
internal static class RuntimeNames
{
    /// <summary>The runtime's namespace: <c>INetwork</c>, <c>TensorInfo</c>, <c>NetworkSummary</c>, the attribute enums.</summary>
    public const string Runtime = "global::CompiledNets";

    /// <summary>The runtime's shared kernels.</summary>
    public const string Kernels = "global::CompiledNets.Kernels";

    /// <summary>The type of every float buffer a network holds: 64-byte aligned, so 512-bit loads never split a cache line.</summary>
    public const string AlignedFloats = Kernels + ".AlignedFloats";

    public const string ActivationKernels = Kernels + ".ActivationKernels";

    public const string LayerKernels = Kernels + ".LayerKernels";

    public const string NormalizationKernels = Kernels + ".NormalizationKernels";

    public const string LossKernels = Kernels + ".LossKernels";

    public const string OptimizerSteps = Kernels + ".OptimizerSteps";

    /// <summary>Per-channel and whole-plane kernels of image layers (global pooling, batch norm over channels).</summary>
    public const string ImageKernels = Kernels + ".ImageKernels";

    /// <summary>Element-wise merges, summed gradients and column blocks of graphs.</summary>
    public const string MergeKernels = Kernels + ".MergeKernels";

    public const string Initializers = Kernels + ".Initializers";

    /// <summary>bfloat16 conversions and the widening loads of the bfloat16 kernels.</summary>
    public const string BFloat16 = Kernels + ".BFloat16";

    /// <summary>The alias of <see cref="BFloat16"/> in the kernel file of a network that predicts from bfloat16 weights.</summary>
    public const string BFloat16Alias = "BFloat16";

    /// <summary>The bfloat16 copy of the weights predictions read, and when it is current.</summary>
    public const string BFloat16Weights = Kernels + ".BFloat16Weights";

    /// <summary>The float32 copy of the weights single-sample predictions read, each tile of rows interleaved by vector.</summary>
    public const string InterleavedWeights = Kernels + ".InterleavedWeights";

    public const string WinogradWeights = Kernels + ".WinogradWeights";

    public const string SeededRandom = Kernels + ".SeededRandom";

    public const string WorkerPool = Kernels + ".WorkerPool";

    /// <summary>Inlinable exp and log for the lane kernels: a call would spill every register-resident vector.</summary>
    public const string LaneMath = Kernels + ".LaneMath";

    /// <summary>Flush-to-zero of stored gradients, so a converged network's backward pass stays off x64's slow subnormal path.</summary>
    public const string FlushToZero = Kernels + ".Subnormals.FlushToZero";

    /// <summary>Loss gradients too small for any optimizer step set to zero (their products would turn subnormal).</summary>
    public const string FlushNegligible = Kernels + ".Subnormals.FlushNegligible";

    /// <summary>The file-local class that holds a network's kernels.</summary>
    public const string GeneratedKernels = "global::CompiledNets.Generated.Kernels";

    /// <summary>The alias the kernel file declares for <c>System.Runtime.Intrinsics.X86.Sse3</c>.</summary>
    public const string Sse3 = "Sse3";

    /// <summary>The alias the kernel file declares for <c>System.Runtime.Intrinsics.X86.Avx512F</c> when a kernel transposes in registers.</summary>
    public const string Avx512F = "Avx512F";

    public const string MemoryMarshal = "global::System.Runtime.InteropServices.MemoryMarshal";
}
