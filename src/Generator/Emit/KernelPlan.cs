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
        layer.Kind.IsProduct && layer.Inputs < BroadcastForwardMaxInputs && (layer.LinearUnits >= 8 || layer.LinearUnits % 4 == 0);

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
    public static bool WeightGradientPacksDelta(LayerPlan layer) => layer.Kind.IsProduct && layer.LinearUnits % L1SetPeriodFloats == 0;

    /// <summary>
    /// Single-sample <c>Predict</c> splits a Dense layer's outputs across the pool when its weights are at least this many
    /// floats (1 MB): streaming them is memory-bound, and two cores draw about twice one core's bandwidth from L3.
    /// Smaller layers split only in networks this large (<see cref="PredictSplitStreamedWeights"/>).
    /// </summary>
    public const long PredictSplitWeights = 256 * 1024;

    /// <summary>
    /// Single-sample <c>Predict</c> also splits a Dense layer of at least this many weights (512 KB) when the network's
    /// parameters reach <see cref="PredictSplitWeights"/>: they no longer stay in a core's L2 between calls, so this layer
    /// streams from L3 too. Measured on deep (784-1024-512-256-10), whose 512 × 256 layer is this size: two threads'
    /// <c>Predict</c> was faster with the layer split than on one core in each of seven alternating pairs, by 1–8 % (median 4.5 %). While a
    /// network's weights fit in L2 the layer stays on one core, whose L2 keeps it between calls (split into parts that
    /// either core may claim, it would move between the cores' caches); that case was not measured.
    /// </summary>
    public const long PredictSplitStreamedWeights = 128 * 1024;

    /// <summary>True when single-sample <c>Predict</c> splits this layer across cores (element-wise activation fused, no pieces).</summary>
    public static bool SplitsPredict(NetworkPlan plan, LayerPlan layer)
    {
        if (!layer.Kind.ActivatesInProduct || InferenceForward(layer) != layer.Activation) return false;
        long weights = (long)layer.Inputs * layer.Units;
        return weights >= PredictSplitWeights
            || (weights >= PredictSplitStreamedWeights && plan.ParameterCount >= PredictSplitWeights);
    }

    /// <summary>
    /// Single-sample <c>Predict</c> reads a Dense layer's weights from a copy whose tiles of 4 rows are interleaved by
    /// vector (<c>InterleavedWeights</c>) when they are more than this many floats (32 KB): then they no longer stay in
    /// L1 between calls, and a core pulls the tile's four row streams from L2 at about two thirds of the rate it pulls
    /// the copy's one (784 × 128: 3.6–3.8 µs against 2.6 µs a product). From <see cref="PredictSplitWeights"/> on they
    /// come from L3, where the layout made no difference (784 × 1024: 37–39 µs either way, 34 µs for a plain read of
    /// the same bytes), so no copy is made.
    /// </summary>
    public const long InterleaveWeights = 8 * 1024;

    /// <summary>
    /// True when <c>Predict</c> reads <paramref name="layer"/>'s weights interleaved by tile (see <see cref="InterleaveWeights"/>):
    /// a Dense layer of a float32 network with rows of 16 inputs or more and at least one tile of 4 outputs.
    /// </summary>
    public static bool PredictsFromInterleavedWeights(NetworkPlan plan, LayerPlan layer) =>
        plan.Spec.InferenceWeights != WeightPrecisionKind.BFloat16
        && layer.Kind is Layers.DenseLayer
        && layer.Inputs >= 16 && layer.Units >= DenseKernelEmitter.ForwardTile
        && layer.WeightCount > InterleaveWeights && layer.WeightCount < PredictSplitWeights;

    /// <summary>
    /// A 3 × 3, stride-1 convolution predicts by Winograd's F(4 × 4, 3 × 3)
    /// (<see cref="WinogradKernelEmitter"/>) from this many input channels: its 36 products of [tiles × channels] ·
    /// [channels × filters] then fill whole vectors of channels and keep the FMA units busy; its filters must also fill
    /// whole vectors (<see cref="WinogradKernelEmitter.FilterStep"/>). The Keras convnet's second layer (32 → 64) takes
    /// it, its first (one channel) does not.
    /// </summary>
    public const int WinogradMinChannels = WinogradKernelEmitter.ChannelStep;

    /// <summary>True when <paramref name="layer"/> predicts by Winograd (<see cref="WinogradMinChannels"/>).</summary>
    public static bool PredictsByWinograd(LayerPlan layer)
    {
        if (layer.Kind is not Layers.Conv2DLayer) return false;
        var g = Layers.Conv2DLayer.Geometry(layer);
        return g.Rows.Size == 3 && g.Columns.Size == 3 && g.Rows.Stride == 1 && g.Columns.Stride == 1
            && g.Channels % WinogradMinChannels == 0 && g.Filters % WinogradKernelEmitter.FilterStep == 0;
    }

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

    /// <summary>True when <c>Predict</c> has a multi-core path: some layer splits, and no layer needs a scratch of its own.</summary>
    public static bool PredictsAcrossCores(NetworkPlan plan) =>
        plan.Graph is null && plan.Layers.Any(l => SplitsPredict(plan, l)) && plan.WidestScratch == 0;

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
        if (layer.Kind.HasPieces)
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
        var layer = plan.Layers[index];
        return layer.Kind.ActivatesInProduct && plan.OnlyReader(layer) is { Kind.IsProduct: true } && FusedDerivative(layer) != ActivationKind.Linear;
    }

    /// <summary>The derivative (and its alpha) the input-gradient kernel of product layer <paramref name="layer"/> applies for the layer before it.</summary>
    public static (ActivationKind Derivative, float Alpha) InputGradientDerivative(NetworkPlan plan, LayerPlan layer)
    {
        var previous = plan.SourceLayer(layer);
        if (previous is null) return (ActivationKind.Linear, 0f);
        var derivative = DerivativeFusedByNext(plan, previous.Index) ? FusedDerivative(previous) : ActivationKind.Linear;
        return (derivative, derivative is ActivationKind.LeakyReLU or ActivationKind.ELU ? previous.Alpha : 0f);
    }

    /// <summary>Weights above which the sample-lane kernel would grow past what is worth emitting (one line per weight and pass).</summary>
    public const int SampleLaneMaxWeights = 256;

    /// <summary>
    /// True when training runs in the sample-lane kernel (<see cref="SampleLaneEmitter"/>): trainable stacks of layers with
    /// their activation in the product, at most <see cref="SampleLaneMaxWeights"/> weights, hidden activations with a
    /// vector form there, no L2, and a loss that path computes: BCE on Sigmoid, cross-entropy on Softmax, MSE.
    /// </summary>
    public static bool TrainsInSampleLanes(NetworkPlan plan)
    {
        if (!plan.Trainable || plan.Graph is not null) return false;
        if (plan.Layers.Any(l => !l.Kind.ActivatesInProduct || l.L2 > 0)) return false;
        if (plan.Layers.Sum(l => (long)l.Inputs * l.Units) > SampleLaneMaxWeights) return false;
        if (plan.Layers.Take(plan.Layers.Count - 1).Any(l => !HasLaneForm(l.Activation))) return false;
        var output = plan.Last.Activation;
        return plan.Spec.Loss switch
        {
            LossKind.BinaryCrossEntropy => output == ActivationKind.Sigmoid,
            LossKind.CrossEntropy => output == ActivationKind.Softmax,
            LossKind.MeanSquaredError => HasLaneForm(output),
            _ => false,
        };
    }

    /// <summary>
    /// True when single-sample <c>Predict</c> runs the lane kernel's forward pass (one sample in lane 0): layers with their
    /// activation in the product, at most <see cref="SampleLaneMaxWeights"/> weights, hidden activations with a lane
    /// form, a Softmax or lane-form output. A question of the layers alone (every network that trains in lanes is one), so
    /// the same layers predict with the same code, bit for bit, whether declared with Adam, another optimizer or
    /// InferenceOnly: a checkpoint moved between such declarations predicts alike. Networks that predict from bfloat16
    /// weights take the per-layer kernels instead, which read them.
    /// </summary>
    public static bool PredictsInSampleLanes(NetworkPlan plan) =>
        plan.Graph is null
        && !plan.InfersInBFloat16
        && plan.Layers.All(l => l.Kind.ActivatesInProduct)
        && plan.Layers.Sum(l => (long)l.Inputs * l.Units) <= SampleLaneMaxWeights
        && plan.Layers.Take(plan.Layers.Count - 1).All(l => HasLaneForm(l.Activation))
        && (plan.Last.Activation == ActivationKind.Softmax || HasLaneForm(plan.Last.Activation));

    private static bool HasLaneForm(ActivationKind activation) =>
        activation is ActivationKind.Linear or ActivationKind.ReLU or ActivationKind.LeakyReLU or ActivationKind.Sigmoid;

    /// <summary>
    /// True when the sample-lane kernel also takes the optimizer step: plain SGD, <c>p -= lr·g</c>, needs nothing but the
    /// gradient, so the kernel applies it from the registers that hold each gradient sum. The step is then no longer a
    /// second pass that reloads the gradients just stored, on the critical path of a step that depends on the one before it.
    /// </summary>
    public static bool StepsSgdInSampleLanes(NetworkPlan plan) =>
        plan.TrainsInSampleLanes && plan.Spec.Optimizer.Kind == OptimizerKind.Sgd && plan.Spec.Optimizer.Momentum == 0;

    /// <summary>Classes up to which softmax rows run in the unrolled kernels (two lines per class and step).</summary>
    public const int SoftmaxMaxClasses = 16;

    /// <summary>True when <paramref name="layer"/>'s softmax runs in the unrolled kernel (<see cref="SoftmaxEmitter"/>).</summary>
    public static bool UsesUnrolledSoftmax(LayerPlan layer) =>
        layer.Kind.ActivatesInProduct && layer.Activation == ActivationKind.Softmax && layer.Units <= SoftmaxMaxClasses;

    /// <summary>True when the loss is the unrolled softmax + cross-entropy kernel.</summary>
    public static bool FusesSoftmaxLoss(NetworkPlan plan) =>
        plan.TrainsPerLayer && plan.Spec.Loss == LossKind.CrossEntropy && UsesUnrolledSoftmax(plan.Last);

    /// <summary>The derivative of <paramref name="previous"/> (a hidden layer) fused into the next layer's input-gradient kernel.</summary>
    public static ActivationKind FusedDerivative(LayerPlan previous) =>
        ActivationExpressions.HasFusedDerivative(previous.Activation) ? previous.Activation : ActivationKind.Linear;

    /// <summary>
    /// Bytes of weights a forward kernel may re-read from L2 for every tile of samples: well under a 1 MB L2, which also
    /// holds the tile's inputs and the outputs being written.
    /// </summary>
    public const long L2WeightBudget = 384 * 1024;

    /// <summary>
    /// True when a forward product's loop over outputs is the outer one. Weights within <see cref="L2WeightBudget"/> are
    /// re-read from L2 for every tile of samples (samples outer, the tile's inputs stay in L1); larger ones would stream
    /// from L3 for every tile of samples, so outputs go outer and a tile of weight rows stays in L1 while the samples pass.
    /// </summary>
    public static bool ForwardOutputsOuter(int inputs, int outputs, int bytesPerWeight = sizeof(float)) => (long)inputs * outputs * bytesPerWeight > L2WeightBudget;

    /// <summary>Rows of B per reduction block of a blocked backward product: 64 rows × 64 floats is a 16 KB panel, half of a 32 KB L1.</summary>
    public const int ReductionBlock = 64;

    /// <summary>Inputs from which the weight gradient packs panels of x: rows of x that far apart share L1 sets.</summary>
    public const int PackedRowFloats = 256;

    /// <summary>Outputs from which a packed panel of x is read by enough row tiles (four, of four outputs each) to repay the copy.</summary>
    public const int WeightGradientPackedMinOutputs = 16;

    /// <summary>
    /// True when the input gradient's reduction over a layer's outputs runs in blocks over packed panels of W: with more
    /// outputs than two blocks, its panel of W (outputs × tile columns) would not stay in L1 for the next row tile.
    /// </summary>
    public static bool InputGradientBlocksReduction(int outputs) => outputs > 2 * ReductionBlock;

    /// <summary>True when the weight gradient's reduction over the batch runs in blocks over packed panels of x.</summary>
    public static bool WeightGradientBlocksReduction(int inputs, int outputs) => inputs >= PackedRowFloats && outputs >= WeightGradientPackedMinOutputs;

    /// <summary>Floats of single-sample scratch that <c>Predict</c> keeps on the stack (64 KB); wider networks use a per-thread buffer.</summary>
    public const int PredictStackScratchFloats = 16 * 1024;

    /// <summary>Floats of intermediate rows one <c>Predict</c> call needs: two hidden rows, and the widest layer scratch.</summary>
    public static int PredictScratch(NetworkPlan plan) =>
        (plan.Graph is not null ? plan.Graph.PredictRowFloats : plan.Layers.Count > 1 ? 2 * plan.WidestHidden : 0) + plan.WidestScratch;

    /// <summary>True when single-sample <c>Predict</c> keeps its rows on the stack.</summary>
    public static bool PredictScratchOnStack(NetworkPlan plan) => PredictScratch(plan) <= PredictStackScratchFloats;

    /// <summary>
    /// Floats of rows one block of <c>PredictBatch</c> may keep (768 KB, within the smallest L2 seen on these cores, 1 MB),
    /// so a block's rows stay in L2 from one layer to the next. Measured on deep (784-1024-512-256-10), whose weights
    /// stream from L3 once per block: 64-sample blocks ran its batch about 5 % faster than the 44 that 512 KB allows.
    /// </summary>
    public const int PredictBlockBudgetFloats = 192 * 1024;

    /// <summary>Samples per block of <c>PredictBatch</c> at most: enough rows for the products' tiles to reuse each weight row many times.</summary>
    public const int PredictBlockMaxRows = 64;

    /// <summary>Samples per block at least, however wide the network: one forward tile of the products.</summary>
    public const int PredictBlockMinRows = DenseKernelEmitter.ForwardTile;

    /// <summary>Floats of one sample's rows in a block: its inputs (copied in), and as single-sample <c>Predict</c>'s.</summary>
    private static long PredictBlockFloatsPerRow(NetworkPlan plan) => (long)plan.Spec.Inputs + PredictScratch(plan);

    /// <summary>
    /// Samples per block of <c>PredictBatch</c>: as many as fit <see cref="PredictBlockBudgetFloats"/>, a multiple of the
    /// forward tile between <see cref="PredictBlockMinRows"/> and <see cref="PredictBlockMaxRows"/>. A constant of the
    /// network, never of the thread count, so results do not depend on the pool.
    /// </summary>
    public static int PredictBlockRows(NetworkPlan plan)
    {
        long perRow = System.Math.Max(1, PredictBlockFloatsPerRow(plan));
        long rows = PredictBlockBudgetFloats / perRow / PredictBlockMinRows * PredictBlockMinRows;
        rows = System.Math.Min(PredictBlockMaxRows, System.Math.Max(PredictBlockMinRows, rows));
        // A chain that predicts its blocks in lanes takes whole sample tiles when it can have one.
        int tile = LaneBlockKernelEmitter.SampleTile;
        if (rows >= tile && LaneBlockKernelEmitter.Qualifies(plan)) rows = rows / tile * tile;
        return (int)rows;
    }

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
        new SizeThreshold(nameof(PredictSplitStreamedWeights), SizeMeasure.LayerWeights, PredictSplitStreamedWeights),
        new SizeThreshold(nameof(InterleaveWeights), SizeMeasure.LayerWeights, InterleaveWeights),
        new SizeThreshold(nameof(SplitStepBytes), SizeMeasure.OptimizerStepBytes, SplitStepBytes),
        new SizeThreshold(nameof(SampleLaneMaxWeights), SizeMeasure.NetworkWeights, SampleLaneMaxWeights),
        new SizeThreshold(nameof(SoftmaxMaxClasses), SizeMeasure.LayerOutputs, SoftmaxMaxClasses),
        new SizeThreshold(nameof(PredictStackScratchFloats), SizeMeasure.PredictScratchFloats, PredictStackScratchFloats),
        new SizeThreshold("PredictBlockBelowMaxRows", SizeMeasure.PredictBlockRowFloats, PredictBlockBudgetFloats / PredictBlockMaxRows + 1),
        new SizeThreshold("PredictBlockAtMinRows", SizeMeasure.PredictBlockRowFloats, PredictBlockBudgetFloats / PredictBlockMinRows + 1),
        new SizeThreshold("LaneBlockSampleTile", SizeMeasure.PredictBlockRowFloats, PredictBlockBudgetFloats / LaneBlockKernelEmitter.SampleTile + 1),
        new SizeThreshold("LaneBlockOutputTile", SizeMeasure.LayerOutputs, LaneBlockKernelEmitter.OutputTile),
        new SizeThreshold("LaneBlockTransposedFeatures", SizeMeasure.LayerInputs, LaneBlockKernelEmitter.Lanes),
        new SizeThreshold(nameof(L2WeightBudget), SizeMeasure.LayerWeights, L2WeightBudget / sizeof(float)),
        new SizeThreshold("ForwardTile", SizeMeasure.LayerOutputs, DenseKernelEmitter.ForwardTile),
        new SizeThreshold(nameof(PackedRowFloats), SizeMeasure.LayerInputs, PackedRowFloats),
        new SizeThreshold(nameof(WeightGradientPackedMinOutputs), SizeMeasure.LayerOutputs, WeightGradientPackedMinOutputs),
        new SizeThreshold("InputGradientBlockedOutputs", SizeMeasure.LayerOutputs, 2 * ReductionBlock + 1),
        new SizeThreshold(nameof(ReductionBlock), SizeMeasure.LayerOutputs, ReductionBlock),
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

    /// <summary>Floats of one sample's rows in a <c>PredictBatch</c> block: its inputs, and the single-sample scratch.</summary>
    PredictBlockRowFloats,
}

/// <summary>A size at which generated code takes another path: below <see cref="Value"/> one way, at or above it another.</summary>
internal sealed record SizeThreshold(string Name, SizeMeasure Measure, long Value);
