using System.Collections.Generic;
using CompiledNets.Generator.Layers;
using CompiledNets.Generator.Model;

namespace CompiledNets.Generator.Emit;

/// <summary>
/// A convolution whose only reader is a 2 × 2, stride-2 max pooling takes that pooling into its own training steps. The
/// forward pass pools each sample's outputs as soon as they are computed, recording each window's chosen input
/// (<see cref="PoolArgmaxEmitter"/>); the backward pass routes the gradient by that record and applies the ReLU's
/// derivative there, where the input's value is the pooled maximum. Nothing then reads the convolution's outputs or
/// their gradient across the batch: a block's live in places its thread reuses and stay in cache, where the batch's
/// would stream through memory three times (the Keras convnet's conv1: 11 MB each time).
/// </summary>
internal static class PoolFusion
{
    /// <summary>The max pooling that convolution <paramref name="layer"/> runs in its own steps, or null.</summary>
    public static LayerPlan? FusedPool(NetworkPlan plan, LayerPlan layer)
    {
        // A chain only: a graph's value may have several readers and gradient routes of its own.
        if (!plan.TrainsPerLayer || plan.Graph is not null || layer.Kind is not Conv2DLayer || layer.IsLast) return null;
        // The derivative must follow from the pooled maximum alone, and the activation be applied in the forward kernel.
        if (layer.Activation is not (ActivationKind.ReLU or ActivationKind.Linear) || layer.StoresPreActivation) return null;
        var next = plan.Layers[layer.Index + 1];
        return next.Kind is MaxPool2DLayer pool && PoolKernelEmitter.PairsInVectors(pool.Kernel(next)) ? next : null;
    }

    /// <summary>
    /// The fused pooling's forward kernel. At stride 1 it reads the convolution's extended rows as they are (output
    /// <c>(y, x)</c> at <c>y·Wp + x</c>), so the outputs are never compacted; a stride leaves gaps, so it reads them compacted.
    /// </summary>
    public static PoolArgmaxKernel ForwardKernel(LayerPlan convolution, LayerPlan pool)
    {
        var g = Conv2DLayer.Geometry(convolution);
        var kernel = MaxPool2DLayer.Instance.Kernel(pool);
        return UsesExtendedRows(convolution)
            ? new PoolArgmaxKernel(kernel, g.PaddedWidth, g.ExtendedPlane)
            : new PoolArgmaxKernel(kernel, kernel.Width, kernel.Height * kernel.Width);
    }

    /// <summary>
    /// The fused pooling's gradient kernel, with the convolution's activation derivative: at stride 1 straight into the
    /// extended rows the weight and input gradients read, otherwise compacted (then extended as usual).
    /// </summary>
    public static PoolArgmaxBackwardKernel BackwardKernel(LayerPlan convolution, LayerPlan pool)
    {
        var g = Conv2DLayer.Geometry(convolution);
        var kernel = MaxPool2DLayer.Instance.Kernel(pool);
        return UsesExtendedRows(convolution)
            ? new PoolArgmaxBackwardKernel(kernel, convolution.Activation, g.PaddedWidth, g.ExtendedPlane)
            : new PoolArgmaxBackwardKernel(kernel, convolution.Activation, kernel.Width, kernel.Height * kernel.Width);
    }

    /// <summary>Whether the fused pooling reads and writes the convolution's extended rows (stride 1) rather than its compacted outputs.</summary>
    public static bool UsesExtendedRows(LayerPlan convolution)
    {
        var g = Conv2DLayer.Geometry(convolution);
        return g.Rows.Stride == 1 && g.Columns.Stride == 1;
    }

    /// <summary>
    /// At inference, pairs each stride-1 convolution of a chain with a pooling right after it. By the direct convolution
    /// (any window, max or average), the convolution leaves its outputs in the extended rows it computed them in, and the
    /// pooling reads them there, the same values the compaction would have copied out (the Keras convnet's
    /// <c>Predict</c>: 1.8 of 34 µs spent compacting). By Winograd, for 2 × 2 windows at stride 2, the output kernel pools
    /// as it writes (<see cref="WinogradOutputEmitter"/>), and falls back to the extended rows without AVX-512. The
    /// convolution's activation must be applied in its kernel, since nothing else touches those outputs. A chain only:
    /// there the pooling runs right after the convolution, before anything else uses the scratch.
    /// </summary>
    public static void PairAtInference(IReadOnlyList<LayerPlan> chain)
    {
        foreach (var convolution in chain)
        {
            if (convolution.Kind is not Conv2DLayer || convolution.IsLast || !UsesExtendedRows(convolution)) continue;
            if (Conv2DLayer.InferenceActivation(convolution) != convolution.Activation) continue;
            var next = chain[convolution.Index + 1];
            if (next.Kind is not Pool2DLayerKind pooling) continue;
            if (convolution.PredictsByWinograd && !WinogradOutputEmitter.Pools(pooling.Kernel(next))) continue;
            convolution.InferencePool = next;
            next.InferenceSource = convolution;
        }
    }

    /// <summary>
    /// Whether pooling <paramref name="pool"/> runs inside the Winograd output kernel of the convolution before it at
    /// inference; then a chain's inference code for it is only a comment, written here.
    /// </summary>
    public static bool EmitPooledInWinograd(SourceWriter w, LayerPlan pool)
    {
        if (pool.InferenceSource is not { PredictsByWinograd: true } convolution) return false;
        w.Line($"// {pool.Name}: pooled by {convolution.Name} as it writes its outputs");
        return true;
    }

    /// <summary>The layer whose outputs <paramref name="layer"/>'s inference code writes: the pooling that its Winograd outputs are pooled into, or itself.</summary>
    public static LayerPlan InferenceOutputLayer(LayerPlan layer) =>
        layer.PredictsByWinograd && layer.InferencePool is { } pool ? pool : layer;

    /// <summary>
    /// The forward kernel of a pooling that reads a convolution's extended rows at inference; when they have no gaps (a
    /// 1 × 1 kernel over planes of whole vectors) it is the compacted inputs' own kernel, the same request.
    /// </summary>
    public static PoolForwardKernel InferenceKernel(LayerPlan pool)
    {
        var g = Conv2DLayer.Geometry(pool.InferenceSource!);
        return new PoolForwardKernel(((Pool2DLayerKind)pool.Kind).Kernel(pool), g.PaddedWidth, g.ExtendedPlane);
    }

    /// <summary>Whether max pooling <paramref name="pool"/> runs inside the training steps of the convolution before it.</summary>
    public static bool IsFused(NetworkPlan plan, LayerPlan pool) =>
        pool.Index > 0 && FusedPool(plan, plan.Layers[pool.Index - 1]) == pool;
}
