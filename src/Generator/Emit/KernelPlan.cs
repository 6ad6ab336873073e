using System.Collections.Generic;
using CompiledNets.Generator.Model;

namespace CompiledNets.Generator.Emit;

/// <summary>Which kernel variant each use of a layer calls: what is fused into which epilogue.</summary>
internal static class KernelPlan
{
    /// <summary>
    /// Below this many FLOPs (about 200 µs on one core) a product runs on the calling thread: splitting a smaller one
    /// saves less than the hand-off and the cross-core cache traffic cost (measured: MNIST's 784-128-10 at batch 32,
    /// whose 6.4 MFLOP products ran slower on two cores than on one).
    /// </summary>
    public const long ParallelThreshold = 16_000_000;

    /// <summary>
    /// The activation fused into the forward kernel during training: none when the layer keeps its
    /// pre-activation (the activation is then applied to a copy).
    /// </summary>
    public static ActivationKind TrainingForward(LayerPlan layer) =>
        layer.StoresPreActivation ? ActivationKind.Linear : layer.Activation;

    /// <summary>The activation fused into the forward kernel at inference: every element-wise one.</summary>
    public static ActivationKind InferenceForward(LayerPlan layer) =>
        ActivationExpressions.IsElementWise(layer.Activation) ? layer.Activation : ActivationKind.Linear;

    public static IEnumerable<ActivationKind> ForwardActivations(LayerPlan layer, bool trainable)
    {
        if (layer.Kind == LayerKind.Maxout)
        {
            yield return ActivationKind.Linear;
            yield break;
        }
        yield return InferenceForward(layer);
        if (trainable && InferenceForward(layer) != TrainingForward(layer)) yield return TrainingForward(layer);
    }

    /// <summary>True when layer <paramref name="index"/>'s activation derivative is applied by the next layer's input-gradient kernel.</summary>
    public static bool DerivativeFusedByNext(NetworkPlan plan, int index)
    {
        if (index + 1 >= plan.Layers.Count) return false;
        var layer = plan.Layers[index];
        return layer.Kind == LayerKind.Dense && plan.Layers[index + 1].IsDenseLike && FusedDerivative(layer) != ActivationKind.Linear;
    }

    /// <summary>The derivative of <paramref name="previous"/> (a hidden layer) fused into the next layer's input-gradient kernel.</summary>
    public static ActivationKind FusedDerivative(LayerPlan previous) =>
        ActivationExpressions.HasFusedDerivative(previous.Activation) ? previous.Activation : ActivationKind.Linear;
}
