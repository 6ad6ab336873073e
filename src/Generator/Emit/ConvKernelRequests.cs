using CompiledNets.Generator.Model;

namespace CompiledNets.Generator.Emit;

// The kernels a convolution can ask for, each identified by its geometry (and the forward pass by its fused
// activation); ConvKernelEmitter writes them.

internal sealed record ConvPadKernel(ConvGeometry Geometry) : KernelRequest
{
    public override void Emit(SourceWriter w) => ConvKernelEmitter.EmitPad(w, Geometry);
}

internal sealed record ConvForwardKernel(ConvGeometry Geometry, ActivationKind Activation, float Alpha) : KernelRequest
{
    public override void Emit(SourceWriter w) => ConvKernelEmitter.EmitForward(w, Geometry, Activation, Alpha);
}

internal sealed record ConvCompactKernel(ConvGeometry Geometry) : KernelRequest
{
    public override void Emit(SourceWriter w) => ConvKernelEmitter.EmitCompact(w, Geometry);
}

internal sealed record ConvExtendGradientKernel(ConvGeometry Geometry) : KernelRequest
{
    public override void Emit(SourceWriter w) => ConvKernelEmitter.EmitExtendGradient(w, Geometry);
}

internal sealed record ConvWeightGradientKernel(ConvGeometry Geometry) : KernelRequest
{
    public override bool NeedsDotSums => true;

    public override void Emit(SourceWriter w) => ConvKernelEmitter.EmitWeightGradient(w, Geometry);
}

internal sealed record ConvInputGradientKernel(ConvGeometry Geometry) : KernelRequest
{
    public override void Emit(SourceWriter w) => ConvKernelEmitter.EmitInputGradient(w, Geometry);
}

internal sealed record ConvGradientRowsKernel(ConvGeometry Geometry) : KernelRequest
{
    public override void Emit(SourceWriter w) => ConvWeightGradientRowsEmitter.EmitGradientRows(w, Geometry);
}

internal sealed record ConvWeightGradientRowsKernel(ConvGeometry Geometry) : KernelRequest
{
    public override void Emit(SourceWriter w) => ConvWeightGradientRowsEmitter.EmitWeightGradient(w, Geometry);
}
