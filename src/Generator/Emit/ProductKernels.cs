using CompiledNets.Generator.Model;

namespace CompiledNets.Generator.Emit;

// The product kernels a layer can ask for, each identified by what specialises it; DenseKernelEmitter writes them.

/// <summary><c>y = activation(x·Wᵀ + b)</c> in dot-product form.</summary>
internal sealed record ForwardKernel(int K, int N, ActivationKind Activation, float Alpha) : KernelRequest
{
    public override bool NeedsDotSums => true;

    public override void Emit(SourceWriter w) => DenseKernelEmitter.EmitForward(w, K, N, Activation, Alpha);
}

/// <summary>The dot-form product over bfloat16 weights, which predictions of a bfloat16-inference network call.</summary>
internal sealed record ForwardBFloat16Kernel(int K, int N, ActivationKind Activation, float Alpha) : KernelRequest
{
    public override bool NeedsDotSums => true;

    public override void Emit(SourceWriter w) => DenseKernelEmitter.EmitForward(w, K, N, Activation, Alpha, bfloat16: true);
}

/// <summary>One sample's product over the interleaved copy of the weights, which single-sample Predict of a large Dense layer calls.</summary>
internal sealed record PredictInterleavedKernel(int K, int N, ActivationKind Activation, float Alpha) : KernelRequest
{
    public override bool NeedsDotSums => true;

    public override void Emit(SourceWriter w) => DenseKernelEmitter.EmitPredictInterleaved(w, K, N, Activation, Alpha);
}

/// <summary>The same product in broadcast form over transposed weights (narrow layers' batches).</summary>
internal sealed record ForwardBroadcastKernel(int K, int N, ActivationKind Activation, float Alpha) : KernelRequest
{
    public override void Emit(SourceWriter w) => DenseKernelEmitter.EmitForwardBroadcast(w, K, N, Activation, Alpha);
}

/// <summary>The transposed copy of a weight matrix the broadcast form reads.</summary>
internal sealed record TransposeKernel(int K, int N) : KernelRequest
{
    public override void Emit(SourceWriter w) => DenseKernelEmitter.EmitTranspose(w, K, N);
}

/// <summary>The row-tile copy of dy a weight gradient reads when <see cref="KernelPlan.WeightGradientPacksDelta"/>.</summary>
internal sealed record PackDeltaTilesKernel(int N) : KernelRequest
{
    public override void Emit(SourceWriter w) => DenseKernelEmitter.EmitPackDeltaTiles(w, N);
}

/// <summary><c>dW = dyᵀ·x</c> and <c>db = Σ dy</c>.</summary>
internal sealed record WeightGradientKernel(int K, int N, bool PacksDelta) : KernelRequest
{
    public override void Emit(SourceWriter w) => DenseKernelEmitter.EmitWeightGradient(w, K, N, PacksDelta);
}

/// <summary><c>dx = dy·W</c>, times the previous layer's derivative when it is fused.</summary>
internal sealed record InputGradientKernel(int K, int N, ActivationKind Derivative, float Alpha) : KernelRequest
{
    public override void Emit(SourceWriter w) => DenseKernelEmitter.EmitInputGradient(w, K, N, Derivative, Alpha);
}
