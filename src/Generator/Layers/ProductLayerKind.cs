using System.Collections.Generic;
using System.Linq;
using CompiledNets.Generator.Emit;
using CompiledNets.Generator.Model;
using static CompiledNets.Generator.Emit.Code;
using static CompiledNets.Generator.Names.RuntimeNames;

namespace CompiledNets.Generator.Layers;

/// <summary>
/// What the kinds built on a matrix product share: a weight <c>[linear outputs, inputs]</c> (PyTorch's layout) and a bias,
/// their initialisers and L2, the products of the training step and batch inference (forward split over outputs, weight and
/// input gradients split over input columns) run through the pool, and the product kernels they call.
/// </summary>
internal abstract class ProductLayerKind : LayerKind
{
    public override bool IsProduct => true;

    /// <summary>The declared weight and bias initialisers.</summary>
    protected abstract (InitKind Weight, InitKind Bias) DeclaredInitializers(LayerSpec spec);

    public override int RequiredInputRank => 1;

    public override long ParameterCount(LayerSpec spec, Shape input) => (input.Size + 1) * System.Math.Max(LinearUnits(spec), 0);

    // ------------------------------------------------------------------ where the product reads and writes

    /// <summary>The training buffer the forward product writes (before any element-wise step after it).</summary>
    protected abstract string TrainingTarget(LayerPlan layer);

    /// <summary>The gradient the backward products read: d loss / d (product output).</summary>
    protected virtual string ProductDelta(LayerPlan layer) => layer.Delta;

    /// <summary>
    /// Where the row tiles of <see cref="ProductDelta"/> go (<see cref="KernelPlan.WeightGradientPacksDelta"/>): the delta
    /// buffer that is free until the input gradient writes it, after the weight gradient is done. Both delta buffers hold
    /// MaxBatchSize × Widest floats, Widest counting Maxout's pieces.
    /// </summary>
    protected virtual string DeltaTiles(LayerPlan layer) => layer.OtherDelta;

    /// <summary>Where the input gradient goes.</summary>
    protected virtual string InputGradientTarget(LayerPlan layer) => layer.OtherDelta;

    // ------------------------------------------------------------------ class half

    public override string LayoutComment(LayerPlan layer) =>
        $"; weight [{layer.LinearUnits}, {layer.Inputs}] at {layer.WeightOffset}, bias [{layer.LinearUnits}] at {layer.BiasOffset}";

    public override void EmitConstants(SourceWriter w, NetworkPlan plan, LayerPlan layer)
    {
        w.Line($"private const int {layer.Prefix}Inputs = {layer.Inputs};");
        EmitProductConstants(w, layer);
        w.Line($"private const int {layer.Prefix}Weight = {layer.WeightOffset};");
        w.Line($"private const int {layer.Prefix}Bias = {layer.BiasOffset};");
        if (layer.InfersInBFloat16)
            w.Line($"private const int {layer.Prefix}WeightBFloat16 = {layer.BFloat16WeightOffset}; // in the bfloat16 copy predictions read");
        if (layer.PredictsFromInterleavedWeights)
            w.Line($"private const int {layer.Prefix}WeightInterleaved = {layer.InterleavedWeightOffset}; // in the interleaved copy Predict reads");
    }

    /// <summary>Constants between <c>Inputs</c> and the offsets (Maxout's pieces).</summary>
    protected virtual void EmitProductConstants(SourceWriter w, LayerPlan layer)
    {
    }

    public override IEnumerable<string> TensorEntries(LayerPlan layer)
    {
        string p = layer.Prefix, rows = layer.LinearConstant;
        yield return $"new(\"{layer.Name}.weight\", new[] {{ {rows}, {p}Inputs }}, {Runtime}.TensorStorage.Parameters, {p}Weight)";
        yield return $"new(\"{layer.Name}.bias\", new[] {{ {rows} }}, {Runtime}.TensorStorage.Parameters, {p}Bias)";
    }

    protected override IEnumerable<ScratchBuffer> InferenceScratch(NetworkPlan plan, LayerPlan layer)
    {
        if (KernelPlan.BatchForwardIsBroadcast(layer)) yield return TransposedWeights(layer);
    }

    protected override IEnumerable<ScratchBuffer> TrainingScratch(NetworkPlan plan, LayerPlan layer)
    {
        if (KernelPlan.BatchForwardIsBroadcast(layer)) yield return TransposedWeights(layer);
    }

    private static ScratchBuffer TransposedWeights(LayerPlan layer) =>
        new($"_{layer.Field}WeightTransposed", $"{layer.LinearConstant} * {layer.Prefix}Inputs", $"[{layer.Inputs}, {layer.LinearUnits}] the weights transposed for the batch forward, refreshed every batch");

    public override void EmitInitialization(SourceWriter w, LayerPlan layer)
    {
        string p = layer.Prefix, rows = layer.LinearConstant;
        w.Line($"{Initializers}.Fill({Runtime}.Init.{ResolvedWeightInit(layer)}, _parameters.AsSpan({p}Weight, {rows} * {p}Inputs), {p}Inputs, {rows}, ref random);");
        w.Line($"{Initializers}.Fill({Runtime}.Init.{ResolvedBiasInit(layer)}, _parameters.AsSpan({p}Bias, {rows}), {p}Inputs, {rows}, ref random);");
    }

    /// <summary>He-uniform for the ReLU family and Glorot-uniform otherwise, unless declared.</summary>
    private string ResolvedWeightInit(LayerPlan layer)
    {
        var declared = DeclaredInitializers(layer.Spec).Weight;
        return (declared == InitKind.Default
            ? layer.Activation is ActivationKind.ReLU or ActivationKind.LeakyReLU or ActivationKind.ELU or ActivationKind.GELU or ActivationKind.SiLU ? InitKind.HeUniform : InitKind.GlorotUniform
            : declared).ToString();
    }

    private string ResolvedBiasInit(LayerPlan layer)
    {
        var declared = DeclaredInitializers(layer.Spec).Bias;
        return (declared == InitKind.Default ? InitKind.Zeros : declared).ToString();
    }

    /// <summary>The statement that adds the L2 penalty of the layer's weights to the loss and their gradient.</summary>
    public override string? L2PenaltyStatement(LayerPlan layer)
    {
        string length = $"{layer.LinearConstant} * {layer.Prefix}Inputs";
        return $"loss += {LayerKernels}.L2Penalty(_parameters.AsSpan({layer.Prefix}Weight, {length}), _gradients.AsSpan({layer.Prefix}Weight, {length}), {Literal.Float(layer.L2)});";
    }

    /// <summary>The narrow layers' transposed weights, refreshed once per batch before the forward pass.</summary>
    public override string? PerBatchStatement(LayerPlan layer) => KernelPlan.BatchForwardIsBroadcast(layer)
        ? $"{GeneratedKernels}.{DenseKernelEmitter.TransposeName(layer.Inputs, layer.LinearUnits)}(ref _parameters[{layer.Prefix}Weight], ref _{layer.Field}WeightTransposed[0]);"
        : null;

    // ------------------------------------------------------------------ passes

    /// <summary>The backward products: the weight gradient (after dy's row tiles when it reads them) and the input gradient.</summary>
    protected void EmitBackwardProducts(SourceWriter w, NetworkPlan plan, LayerPlan layer)
    {
        if (KernelPlan.WeightGradientPacksDelta(layer))
        {
            // On this thread and before the product is split: every part reads the whole copy.
            w.Line($"{GeneratedKernels}.{DenseKernelEmitter.PackDeltaTilesName(layer.LinearUnits)}(ref {ProductDelta(layer)}[0], ref {DeltaTiles(layer)}[0], rows);");
        }
        w.Line(Product(layer, "WeightGradient"));
        if (plan.NeedsInputGradient(layer)) w.Line(Product(layer, "InputGradient"));
    }

    public override bool InferenceUsesRows(LayerPlan layer) => !layer.PredictsFromInterleavedWeights;

    public override long ForwardFlopsPerSample(LayerPlan layer) => 2L * layer.Inputs * layer.LinearUnits;

    /// <summary>
    /// A product call: its kernel directly on this thread (no delegate, no partition), or split across the pool when
    /// it is large enough.
    /// </summary>
    protected static string Product(LayerPlan layer, string kind)
    {
        var job = JobFor(layer, kind);
        return $"if (SplitsAcrossCores({2L * layer.Inputs * layer.LinearUnits}L * rows)) RunAcrossCores({job.Field}); else {job.Method}(0, {job.Count});";
    }

    // ------------------------------------------------------------------ jobs

    public override IEnumerable<Job> Jobs(NetworkPlan plan, LayerPlan layer)
    {
        if (KernelPlan.PredictsAcrossCores(plan) && KernelPlan.SplitsPredict(plan, layer)) yield return JobFor(layer, "ForwardPredict");
        if (!plan.TrainsPerLayer) yield break;
        yield return JobFor(layer, "ForwardTraining");
        yield return JobFor(layer, "WeightGradient");
        if (plan.NeedsInputGradient(layer)) yield return JobFor(layer, "InputGradient");
    }

    /// <summary>The job of one product: forward products split over outputs, backward over inputs.</summary>
    private static Job JobFor(LayerPlan layer, string kind) => kind.StartsWith("Forward", System.StringComparison.Ordinal)
        ? new Job($"_{layer.Field}{kind}", layer.Prefix + kind, layer.LinearConstant, ForwardGranularity(layer, kind))
        : new Job($"_{layer.Field}{kind}", layer.Prefix + kind, $"{layer.Prefix}Inputs", DenseKernelEmitter.ColumnGranularity);

    /// <summary>Where a forward product's outputs may be split: the broadcast kernel's column tile, or the dot form's output tile (Predict's parts are dot form).</summary>
    private static int ForwardGranularity(LayerPlan layer, string kind) =>
        KernelPlan.BatchForwardIsBroadcast(layer) && kind != "ForwardPredict" ? DenseKernelEmitter.ColumnGranularity : DenseKernelEmitter.OutputGranularity;

    public override void EmitJobMethods(SourceWriter w, NetworkPlan plan, LayerPlan layer)
    {
        string p = layer.Prefix;
        string input = $"{plan.TrainingInput(layer.Index)}[0]";
        string productDelta = ProductDelta(layer);
        w.Line($"// {layer.Name}: forward split over outputs (multiples of {ForwardGranularity(layer, "ForwardTraining")}), backward over input columns (multiples of {DenseKernelEmitter.ColumnGranularity}).");
        if (KernelPlan.PredictsAcrossCores(plan) && KernelPlan.SplitsPredict(plan, layer))
        {
            var (from, to) = PredictRows.Offsets(plan)[layer.Index];
            using (w.Block($"private void {p}ForwardPredict(int first, int last)"))
            {
                w.Line(InferenceProduct(layer, layer.Activation, $"_predictRows[{from}]", $"_predictRows[{to}]", "1", "first", "last"));
            }
        }
        if (plan.TrainsPerLayer)
        {
            using (w.Block($"private void {p}ForwardTraining(int first, int last)"))
            {
                w.Line(ForwardKernelCall(layer, KernelPlan.TrainingForward(layer), input, TrainingTarget(layer)));
            }
            using (w.Block($"private void {p}WeightGradient(int first, int last)"))
            {
                string deltaTiles = KernelPlan.WeightGradientPacksDelta(layer) ? $"ref {DeltaTiles(layer)}[0], " : "";
                w.Line($"{GeneratedKernels}.{DenseKernelEmitter.WeightGradientName(layer.Inputs, layer.LinearUnits)}(ref {productDelta}[0], {deltaTiles}ref {input}, ref _gradients[{p}Weight], ref _gradients[{p}Bias], _rows, first, last);");
            }
            if (plan.NeedsInputGradient(layer))
            {
                var previous = plan.SourceLayer(layer)!;
                var (derivative, alpha) = KernelPlan.InputGradientDerivative(plan, layer);
                using (w.Block($"private void {p}InputGradient(int first, int last)"))
                {
                    w.Line($"{GeneratedKernels}.{DenseKernelEmitter.InputGradientName(layer.Inputs, layer.LinearUnits, derivative, previous.Alpha)}(ref {productDelta}[0], ref _parameters[{p}Weight], ref {InputGradientTarget(layer)}[0], ref {plan.TrainingInput(layer.Index)}[0], _rows, first, last);");
                }
            }
        }
        w.Line();
    }

    /// <summary>
    /// The dot-form forward product of a prediction, <paramref name="rows"/> samples and outputs [first, last) of the
    /// linear outputs: over the bfloat16 copy of the weights when the network predicts from it, else over the parameters.
    /// </summary>
    protected static string InferenceProduct(LayerPlan layer, ActivationKind activation, string input, string output, string rows, string first, string last)
    {
        string p = layer.Prefix;
        return layer.InfersInBFloat16
            ? $"{GeneratedKernels}.{DenseKernelEmitter.ForwardBFloat16Name(layer.Inputs, layer.LinearUnits, activation, layer.Alpha)}(ref {input}, ref {NetworkEmitter.InferenceWeightsField}[{p}WeightBFloat16], ref _parameters[{p}Bias], ref {output}, {rows}, {first}, {last});"
            : $"{GeneratedKernels}.{DenseKernelEmitter.ForwardName(layer.Inputs, layer.LinearUnits, activation, layer.Alpha)}(ref {input}, ref _parameters[{p}Weight], ref _parameters[{p}Bias], ref {output}, {rows}, {first}, {last});";
    }

    /// <summary>
    /// The batch forward kernel call of a layer's product (dot form, or broadcast form over the transposed weights):
    /// by default a training job's, over <c>_rows</c> samples and outputs [first, last).
    /// </summary>
    protected static string ForwardKernelCall(LayerPlan layer, ActivationKind activation, string input, string target, string rows = "_rows", string first = "first", string last = "last") =>
        KernelPlan.BatchForwardIsBroadcast(layer)
            ? $"{GeneratedKernels}.{DenseKernelEmitter.ForwardBroadcastName(layer.Inputs, layer.LinearUnits, activation, layer.Alpha)}(ref {input}, ref _{layer.Field}WeightTransposed[0], ref _parameters[{layer.Prefix}Bias], ref {target}, {rows}, {first}, {last});"
            : $"{GeneratedKernels}.{DenseKernelEmitter.ForwardName(layer.Inputs, layer.LinearUnits, activation, layer.Alpha)}(ref {input}, ref _parameters[{layer.Prefix}Weight], ref _parameters[{layer.Prefix}Bias], ref {target}, {rows}, {first}, {last});";

    // ------------------------------------------------------------------ kernels

    /// <summary>The alpha a kernel fusing <paramref name="activation"/> is specialised to: the layer's for LeakyReLU and ELU, else 0 (one kernel for any alpha).</summary>
    internal static float KernelAlpha(ActivationKind activation, LayerPlan layer) =>
        activation is ActivationKind.LeakyReLU or ActivationKind.ELU ? layer.Alpha : 0f;

    public override IEnumerable<KernelRequest> Kernels(NetworkPlan plan, LayerPlan layer)
    {
        int k = layer.Inputs, n = layer.LinearUnits;
        foreach (var activation in KernelPlan.ForwardActivations(layer, plan.TrainsPerLayer))
        {
            float alpha = KernelAlpha(activation, layer);
            yield return new ForwardKernel(k, n, activation, alpha);
            if (KernelPlan.BatchForwardIsBroadcast(layer)) yield return new ForwardBroadcastKernel(k, n, activation, alpha);
        }
        if (KernelPlan.BatchForwardIsBroadcast(layer)) yield return new TransposeKernel(k, n);
        if (layer.PredictsFromInterleavedWeights)
        {
            var activation = KernelPlan.InferenceForward(layer);
            yield return new PredictInterleavedKernel(k, n, activation, KernelAlpha(activation, layer));
        }
        if (layer.InfersInBFloat16)
        {
            var activation = KernelPlan.ForwardActivations(layer, trainable: false).First();
            yield return new ForwardBFloat16Kernel(k, n, activation, KernelAlpha(activation, layer));
        }
        if (LaneBlockKernelEmitter.Applies(plan))
        {
            int blockRows = KernelPlan.PredictBlockRows(plan);
            var activation = LaneBlockKernelEmitter.ProductActivation(layer);
            var chain = LaneBlockKernelEmitter.InferenceLayers(plan);
            bool first = layer == chain[0];
            yield return new DensePredictLanesKernel(k, n, activation, KernelAlpha(activation, layer), blockRows, Prefetches: first);
            if (first) yield return new LanesFromRowsKernel(plan.Spec.Inputs, blockRows);
            if (layer == chain[chain.Count - 1]) yield return new RowsFromLanesKernel(layer.Units, blockRows);
        }
        if (!plan.TrainsPerLayer) yield break;
        bool packsDelta = KernelPlan.WeightGradientPacksDelta(layer);
        if (packsDelta) yield return new PackDeltaTilesKernel(n);
        yield return new WeightGradientKernel(k, n, packsDelta);
        if (plan.NeedsInputGradient(layer))
        {
            var (derivative, alpha) = KernelPlan.InputGradientDerivative(plan, layer);
            yield return new InputGradientKernel(k, n, derivative, alpha);
        }
    }
}
