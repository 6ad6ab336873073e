using System.Collections.Generic;
using System.Linq;
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
    /// Batch forward products of layers with fewer inputs than this use the broadcast form over transposed weights:
    /// a dot product this short costs less than the horizontal sum that ends it.
    /// </summary>
    public const int BroadcastForwardMaxInputs = 64;

    /// <summary>
    /// True when the layer's batch forward (training and <c>PredictBatch</c>) runs in broadcast form over a transposed copy
    /// of its weights, refreshed at the start of every batch. Needs at least one 8-float vector of outputs, or a whole
    /// number of 4-float vectors (below 8 outputs, a scalar edge column was measured to push a normalised case past the
    /// engines' tolerance); single-sample <c>Predict</c> keeps the dot form (one pass over the weights, no copy).
    /// </summary>
    public static bool BatchForwardIsBroadcast(LayerPlan layer) =>
        layer.IsDenseLike && layer.Inputs < BroadcastForwardMaxInputs && (layer.LinearUnits >= 8 || layer.LinearUnits % 4 == 0);

    /// <summary>
    /// Rows of a layer's output gradient <c>dy</c> that are a multiple of this many floats (4 KB) apart map to one L1 set
    /// on x64 cores (64 sets of 64-byte lines), whatever the L1's size or associativity.
    /// </summary>
    public const int L1SetPeriodFloats = 1024;

    /// <summary>
    /// True when the layer's weight gradient reads <c>dy</c> from a copy in row tiles (<c>PackDeltaTiles</c>): its row tiles
    /// read a quarter line of every sample's row of <c>dy</c>, and rows that share one L1 set evict each other before the
    /// next tiles reuse their lines. The threshold is measured, not derived: deep's 784 × 1024 weight gradient ran about
    /// 8 % faster with the copy (6–11 %), while at 512 and 256 units, whose rows spread over 2 and 4 sets (still more
    /// lines than ways), the copy made it 2–9 % slower. Implies a multiple of 16 outputs, which the tiled kernel needs.
    /// </summary>
    public static bool WeightGradientPacksDelta(LayerPlan layer) => layer.IsDenseLike && layer.LinearUnits % L1SetPeriodFloats == 0;

    /// <summary>
    /// Single-sample <c>Predict</c> splits a Dense layer's outputs across the pool when its weights are at least this many
    /// floats (1 MB): streaming them is memory-bound, and two cores draw about twice one core's bandwidth from L3.
    /// Smaller layers take less time than the hand-off.
    /// </summary>
    public const long PredictSplitWeights = 256 * 1024;

    /// <summary>True when single-sample <c>Predict</c> splits this layer across cores (element-wise activation fused, no Maxout pieces).</summary>
    public static bool SplitsPredict(LayerPlan layer) =>
        layer.Kind == LayerKind.Dense && (long)layer.Inputs * layer.Units >= PredictSplitWeights && InferenceForward(layer) == layer.Activation;

    /// <summary>
    /// The optimizer step is split across the pool from this many bytes of buffers it streams (parameters, gradients and
    /// the optimizer state: 262,144 parameters at Adam, 524,288 at plain SGD). They then exceed a core's L2 and stream from
    /// L3, and two cores draw about twice the bandwidth. Below it the step stays on one core, whose L2 still holds the
    /// buffers from the backward pass: the other core would pull half of them across, and the next forward pass pull them back.
    /// </summary>
    public const long SplitStepBytes = 4L * 1024 * 1024;

    /// <summary>True when the optimizer step runs in ranges across the pool (when there is one).</summary>
    public static bool SplitsOptimizerStep(NetworkPlan plan) =>
        plan.Trainable && (2L * plan.ParameterCount + plan.OptimizerStateCount) * sizeof(float) >= SplitStepBytes;

    /// <summary>True when <c>Predict</c> has a multi-core path: some layer splits, and no Maxout needs its piece scratch.</summary>
    public static bool PredictsAcrossCores(NetworkPlan plan) =>
        plan.Layers.Any(SplitsPredict) && !plan.Layers.Any(l => l.Kind == LayerKind.Maxout);

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

    /// <summary>
    /// Every size at which generated code changes path, with what it measures: the place to add a new one, so that the
    /// property tests, which draw sizes on both sides of each, cover it without being edited.
    /// </summary>
    public static IReadOnlyList<SizeThreshold> Thresholds { get; } = new[]
    {
        new SizeThreshold(nameof(ParallelThreshold), SizeMeasure.ProductFlops, ParallelThreshold),
        new SizeThreshold(nameof(BroadcastForwardMaxInputs), SizeMeasure.LayerInputs, BroadcastForwardMaxInputs),
        new SizeThreshold("BroadcastForwardMinOutputs", SizeMeasure.LayerOutputs, 8),
        new SizeThreshold(nameof(L1SetPeriodFloats), SizeMeasure.LayerOutputsMultiple, L1SetPeriodFloats),
        new SizeThreshold(nameof(PredictSplitWeights), SizeMeasure.LayerWeights, PredictSplitWeights),
        new SizeThreshold(nameof(SplitStepBytes), SizeMeasure.OptimizerStepBytes, SplitStepBytes),
        new SizeThreshold("SampleLaneMaxWeights", SizeMeasure.NetworkWeights, SampleLaneEmitter.MaxWeights),
        new SizeThreshold("SoftmaxMaxClasses", SizeMeasure.LayerOutputs, SoftmaxEmitter.MaxClasses),
        new SizeThreshold("PredictStackScratchFloats", SizeMeasure.PredictScratchFloats, NetworkEmitter.StackScratchLimit),
        new SizeThreshold("ForwardL2WeightBudget", SizeMeasure.LayerWeights, DenseKernelEmitter.L2WeightBudget / sizeof(float)),
        new SizeThreshold("ForwardTile", SizeMeasure.LayerOutputs, DenseKernelEmitter.ForwardTile),
        new SizeThreshold("WeightGradientPackedRowFloats", SizeMeasure.LayerInputs, DenseKernelEmitter.PackedRowFloats),
        new SizeThreshold("WeightGradientPackedMinOutputs", SizeMeasure.LayerOutputs, 4 * DenseKernelEmitter.BroadcastRows),
        new SizeThreshold("InputGradientBlockedOutputs", SizeMeasure.LayerOutputs, 2 * DenseKernelEmitter.ReductionBlock + 1),
        new SizeThreshold("InputGradientReductionBlock", SizeMeasure.LayerOutputs, DenseKernelEmitter.ReductionBlock),
    };
}

/// <summary>What a <see cref="SizeThreshold"/> is compared with.</summary>
internal enum SizeMeasure
{
    /// <summary>Inputs of one Dense or Maxout layer.</summary>
    LayerInputs,

    /// <summary>Linear outputs of one Dense or Maxout layer (units × pieces for Maxout).</summary>
    LayerOutputs,

    /// <summary>Linear outputs of one layer being a multiple of the value.</summary>
    LayerOutputsMultiple,

    /// <summary>Weights of one layer: inputs × linear outputs.</summary>
    LayerWeights,

    /// <summary>Weights of the whole network.</summary>
    NetworkWeights,

    /// <summary>Bytes the optimizer step streams: parameters, gradients and optimizer state.</summary>
    OptimizerStepBytes,

    /// <summary>FLOPs of one product of a training step or batch prediction: 2 · batch · inputs · linear outputs.</summary>
    ProductFlops,

    /// <summary>Floats of single-sample <c>Predict</c> scratch: two rows of the widest hidden layer, plus Maxout's pieces.</summary>
    PredictScratchFloats,
}

/// <summary>A size at which generated code takes another path: below <see cref="Value"/> one way, at or above it another.</summary>
internal sealed record SizeThreshold(string Name, SizeMeasure Measure, long Value);
