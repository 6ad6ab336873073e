using System.Collections.Generic;
using System.Linq;
using CompiledNets.Generator.Model;

namespace CompiledNets.Generator.Emit;

/// <summary>Training: the forward pass that keeps what backward needs, the loss, the backward pass and the parallel product jobs.</summary>
internal static partial class NetworkEmitter
{
    // ------------------------------------------------------------------ training

    private static void EmitComputeGradients(SourceWriter w, NetworkPlan plan)
    {
        var last = plan.Last;
        if (!plan.Trainable)
        {
            w.Line("/// <summary>Not available: the network is declared InferenceOnly.</summary>");
            w.Line("public float ComputeGradients(global::System.ReadOnlySpan<float> inputs, global::System.ReadOnlySpan<float> targets, int batchSize) => throw InferenceOnly();");
            w.Line();
            w.Line($"private static global::System.InvalidOperationException InferenceOnly() => new({Literal.String($"'{plan.Spec.ClassName}' is declared [Network(InferenceOnly = true)]: it predicts but cannot train. Declare a loss and an optimizer and remove InferenceOnly to train it.")});");
            w.Line();
            return;
        }
        w.Line("/// <inheritdoc/>");
        using (w.Block("public float ComputeGradients(global::System.ReadOnlySpan<float> inputs, global::System.ReadOnlySpan<float> targets, int batchSize)"))
        {
            w.Line("CheckTrainingBatch(inputs.Length, targets.Length, batchSize);");
            if (plan.TrainsInSampleLanes)
            {
                SampleLaneEmitter.EmitTrainingCall(w, plan);
                return;
            }
            w.Line("int rows = batchSize;");
            w.Line("_rows = rows;");
            w.Line("inputs.CopyTo(_input);");
            var transposes = plan.Layers.Select(TransposeWeights).Where(t => t is not null).ToList();
            if (transposes.Count > 0)
            {
                // All at once, ahead of the forward pass: by the time a layer's kernel reads its transposed weights the
                // stores have reached the cache, so its wide loads do not stall on narrower stores still in flight.
                w.Line("// The narrow layers' transposed weights, refreshed for this batch.");
                foreach (var transpose in transposes) w.Line(transpose!);
            }
            w.Line();
            w.Line("// Forward pass, training mode: keep what the backward pass needs.");
            foreach (var layer in plan.Layers) EmitTrainingForward(w, plan, layer);
            w.Line("_trainingRows = rows;");
            w.Line();
            var outputActivation = plan.OutputActivation;
            bool fused = (plan.Spec.Loss == LossKind.CrossEntropy && outputActivation == ActivationKind.Softmax)
                || (plan.Spec.Loss == LossKind.BinaryCrossEntropy && outputActivation == ActivationKind.Sigmoid);
            w.Line(fused
                ? $"// Loss: {plan.Spec.Loss} fused with {outputActivation}, from the logits; d loss / d logits = (output - target) / n."
                : $"// Loss: {plan.Spec.Loss}, then the {outputActivation} derivative.");
            float alpha = last.Kind is LayerKind.Dense or LayerKind.Activation ? last.Spec.Alpha : 0f;
            if (SoftmaxEmitter.FusesLoss(plan))
                SoftmaxEmitter.EmitLossCall(w, plan, BufferSpan(plan.LossPreActivation, "rows * OutputSize"), BufferSpan($"_{last.Field}Output", "rows * OutputSize"), "_deltaA");
            else
            {
            w.Line($"float loss = {KernelsRuntime}.LossKernels.LossAndGradient({Runtime}.LossFunction.{plan.Spec.Loss}, {Runtime}.Activation.{outputActivation}, {Literal.Float(alpha)},");
            w.Line($"    {BufferSpan($"_{last.Field}Output", "rows * OutputSize")}, {BufferSpan(plan.LossPreActivation, "rows * OutputSize")}, targets, _deltaA, rows, OutputSize);");
            }
            w.Line();
            w.Line("// Backward pass, last layer first; comments name the buffer holding d loss / d (layer output).");
            for (int i = plan.Layers.Count - 1; i >= System.Math.Max(plan.FirstTrainable, 0); i--)
                EmitBackward(w, plan, plan.Layers[i]);
            var decayed = plan.Layers.Where(l => l.L2 > 0).ToList();
            if (decayed.Count > 0)
            {
                w.Line();
                w.Line("// L2 weight decay on the weights: λ/2 Σ w² added to the loss, λ w to the gradient.");
                foreach (var layer in decayed)
                {
                    string length = $"{layer.LinearConstant} * {layer.Prefix}Inputs";
                    w.Line($"loss += {KernelsRuntime}.LayerKernels.L2Penalty(_parameters.AsSpan({layer.Prefix}Weight, {length}), _gradients.AsSpan({layer.Prefix}Weight, {length}), {Literal.Float(layer.L2)});");
                }
            }
            w.Line("return loss;");
        }
        w.Line();
    }

    private static void EmitTrainingForward(SourceWriter w, NetworkPlan plan, LayerPlan layer)
    {
        string p = layer.Prefix;
        string input = BufferSpan(plan.TrainingInput(layer.Index), layer.Index == 0 ? "rows * InputSize" : Rows(plan.Layers[layer.Index - 1]));
        string output = BufferSpan($"_{layer.Field}Output", Rows(layer));
        w.Line($"// {layer.Name}: {layer.Describe()}");
        switch (layer.Kind)
        {
            case LayerKind.Dense:
                w.Line(Product(layer, "ForwardTraining"));
                // The fused softmax + cross-entropy kernel writes the probabilities itself, with the loss.
                if (layer.StoresPreActivation && !(layer.IsLast && SoftmaxEmitter.FusesLoss(plan)))
                {
                    w.Line($"{BufferSpan($"_{layer.Field}PreActivation", Rows(layer))}.CopyTo(_{layer.Field}Output);");
                    var activation = ActivationCalls.Forward(layer, output);
                    if (activation is not null) w.Line(activation);
                }
                break;
            case LayerKind.Maxout:
                w.Line(Product(layer, "ForwardTraining"));
                w.Line($"{KernelsRuntime}.LayerKernels.MaxoutForward({BufferSpan($"_{layer.Field}Pieces", Rows(layer, "Linear"))}, {output}, rows, {p}Units, {p}Pieces);");
                break;
            case LayerKind.Dropout:
                w.Line($"{KernelsRuntime}.LayerKernels.DropoutTraining({input}, {output}, {BufferSpan($"_{layer.Field}Mask", Rows(layer))}, {p}Rate, ref _dropoutRandom);");
                break;
            case LayerKind.Activation:
            {
                w.Line($"{input}.CopyTo(_{layer.Field}Output);");
                var activation = ActivationCalls.Forward(layer, output);
                if (activation is not null) w.Line(activation);
                break;
            }
            case LayerKind.BatchNorm:
                w.Line($"{KernelsRuntime}.NormalizationKernels.BatchNormTraining({input}, {output}, {BufferSpan($"_{layer.Field}Normalized", Rows(layer))}, _{layer.Field}InverseStd,");
                w.Line($"    {Param(p, "Gamma", "Units")}, {Param(p, "Beta", "Units")}, {Buffer(p, "RunningMean")}, {Buffer(p, "RunningVariance")}, rows, {p}Units, {p}Momentum, {p}Epsilon);");
                break;
            case LayerKind.LayerNorm:
                w.Line($"{KernelsRuntime}.NormalizationKernels.LayerNormForward({input}, {output}, {BufferSpan($"_{layer.Field}Normalized", Rows(layer))}, _{layer.Field}InverseStd,");
                w.Line($"    {Param(p, "Gamma", "Units")}, {Param(p, "Beta", "Units")}, rows, {p}Units, {p}Epsilon);");
                break;
        }
    }

    private static void EmitBackward(SourceWriter w, NetworkPlan plan, LayerPlan layer)
    {
        string p = layer.Prefix;
        string delta = BufferSpan(layer.Delta, Rows(layer));
        bool computesInputGradient = layer.Index > plan.FirstTrainable;
        w.Line($"// {layer.Name} ({layer.Delta})");
        switch (layer.Kind)
        {
            case LayerKind.Dense:
                if (!layer.IsLast && !KernelPlan.DerivativeFusedByNext(plan, layer.Index))
                {
                    var backward = ActivationCalls.Backward(layer, BufferSpan($"_{layer.Field}Output", Rows(layer)),
                        layer.StoresPreActivation ? BufferSpan($"_{layer.Field}PreActivation", Rows(layer)) : "default", delta);
                    if (backward is not null)
                    {
                        w.Line(backward);
                        // As the fused epilogues do: no subnormal gradient reaches the products (and the interpreted engine flushes here too).
                        w.Line($"{DenseKernelEmitter.FlushToZero}({delta});");
                    }
                }
                EmitPackDeltaTiles(w, layer);
                w.Line(Product(layer, "WeightGradient"));
                if (computesInputGradient) w.Line(Product(layer, "InputGradient"));
                break;
            case LayerKind.Maxout:
                w.Line($"{KernelsRuntime}.LayerKernels.MaxoutBackward({BufferSpan($"_{layer.Field}Pieces", Rows(layer, "Linear"))}, {BufferSpan($"_{layer.Field}Output", Rows(layer))}, {delta}, {BufferSpan(layer.OtherDelta, Rows(layer, "Linear"))}, rows, {p}Units, {p}Pieces);");
                EmitPackDeltaTiles(w, layer);
                w.Line(Product(layer, "WeightGradient"));
                if (computesInputGradient) w.Line(Product(layer, "InputGradient"));
                break;
            case LayerKind.Dropout:
                w.Line($"{KernelsRuntime}.LayerKernels.DropoutBackward({delta}, {BufferSpan($"_{layer.Field}Mask", Rows(layer))});");
                break;
            case LayerKind.Activation:
                if (layer.IsLast)
                {
                    w.Line("// The loss gradient is already with respect to this activation's input.");
                }
                else
                {
                    var backward = ActivationCalls.Backward(layer, BufferSpan($"_{layer.Field}Output", Rows(layer)),
                        BufferSpan(plan.TrainingInput(layer.Index), Rows(layer)), delta);
                    if (backward is not null) w.Line(backward);
                }
                break;
            case LayerKind.BatchNorm:
                w.Line($"{KernelsRuntime}.NormalizationKernels.BatchNormBackward({delta}, {BufferSpan($"_{layer.Field}Normalized", Rows(layer))}, _{layer.Field}InverseStd, {Param(p, "Gamma", "Units")},");
                w.Line($"    {Gradient(p, "Gamma", "Units")}, {Gradient(p, "Beta", "Units")}, rows, {p}Units);");
                break;
            case LayerKind.LayerNorm:
                w.Line($"{KernelsRuntime}.NormalizationKernels.LayerNormBackward({delta}, {BufferSpan($"_{layer.Field}Normalized", Rows(layer))}, _{layer.Field}InverseStd, {Param(p, "Gamma", "Units")},");
                w.Line($"    {Gradient(p, "Gamma", "Units")}, {Gradient(p, "Beta", "Units")}, rows, {p}Units);");
                break;
        }
    }

    /// <summary>
    /// Copies the output gradient into row tiles for a weight gradient that reads it so, on this thread and before the
    /// product is split: every part reads the whole copy.
    /// </summary>
    private static void EmitPackDeltaTiles(SourceWriter w, LayerPlan layer)
    {
        if (!KernelPlan.WeightGradientPacksDelta(layer)) return;
        w.Line($"{KernelClass}.{DenseKernelEmitter.PackDeltaTilesName(layer.LinearUnits)}(ref {ProductDelta(layer)}[0], ref {DeltaTiles(layer)}[0], rows);");
    }

    /// <summary>The gradient a layer's products work on: Maxout's piece gradients, which its backward step wrote to the other buffer.</summary>
    private static string ProductDelta(LayerPlan layer) => layer.Kind == LayerKind.Maxout ? layer.OtherDelta : layer.Delta;

    /// <summary>
    /// Where the row tiles of a layer's product gradient go: the delta buffer that is free until the input gradient writes
    /// it, after the weight gradient is done (the other buffer for Dense; for Maxout, its output gradient, already turned
    /// into piece gradients). Both buffers hold MaxBatchSize × Widest floats, Widest counting Maxout's pieces.
    /// </summary>
    private static string DeltaTiles(LayerPlan layer) => layer.Kind == LayerKind.Maxout ? layer.Delta : layer.OtherDelta;

    // ------------------------------------------------------------------ parallel jobs (Dense and Maxout products)

    /// <summary>
    /// One splittable product: the delegate field the pool runs, the method computing a range of it, and how the range
    /// is partitioned (the count and the granularity of the boundaries).
    /// </summary>
    private sealed record Job(string Field, string Method, string Count, int Granularity)
    {
        /// <summary>The delegate, created once in the constructor: part → its range → the product method.</summary>
        public string Delegate => $"part => {{ var (first, last) = PartitionOf({Count}, {Granularity}, part); {Method}(first, last); }}";
    }

    private static IEnumerable<Job> Jobs(NetworkPlan plan)
    {
        foreach (var layer in plan.Layers.Where(l => l.IsDenseLike))
        {
            yield return JobFor(layer, "ForwardInference");
            if (KernelPlan.PredictsAcrossCores(plan) && KernelPlan.SplitsPredict(layer)) yield return JobFor(layer, "ForwardPredict");
            if (!plan.TrainsPerLayer) continue;
            yield return JobFor(layer, "ForwardTraining");
            yield return JobFor(layer, "WeightGradient");
            if (layer.Index > plan.FirstTrainable) yield return JobFor(layer, "InputGradient");
        }
        if (KernelPlan.SplitsOptimizerStep(plan))
            yield return new Job(OptimizerEmitter.StepJobField, OptimizerEmitter.StepRangeMethod, "ParameterCount", OptimizerEmitter.StepGranularity);
    }

    /// <summary>The job of one product of a Dense or Maxout layer: forward products split over outputs, backward over inputs.</summary>
    private static Job JobFor(LayerPlan layer, string kind) => kind.StartsWith("Forward", System.StringComparison.Ordinal)
        ? new Job($"_{layer.Field}{kind}", layer.Prefix + kind, layer.LinearConstant, ForwardGranularity(layer, kind))
        : new Job($"_{layer.Field}{kind}", layer.Prefix + kind, $"{layer.Prefix}Inputs", DenseKernelEmitter.ColumnGranularity);

    /// <summary>Where a forward product's outputs may be split: the broadcast kernel's column tile, or the dot form's output tile (Predict's parts are dot form).</summary>
    private static int ForwardGranularity(LayerPlan layer, string kind) =>
        KernelPlan.BatchForwardIsBroadcast(layer) && kind != "ForwardPredict" ? DenseKernelEmitter.ColumnGranularity : DenseKernelEmitter.OutputGranularity;

    /// <summary>The statement refreshing a broadcast-forward layer's transposed weights, or null for a dot-form layer.</summary>
    private static string? TransposeWeights(LayerPlan layer) => KernelPlan.BatchForwardIsBroadcast(layer)
        ? $"{KernelClass}.{DenseKernelEmitter.TransposeName(layer.Inputs, layer.LinearUnits)}(ref _parameters[{layer.Prefix}Weight], ref _{layer.Field}WeightTransposed[0]);"
        : null;

    /// <summary>The forward kernel call of a layer's product job (dot form, or broadcast form over the transposed weights).</summary>
    private static string ForwardKernelCall(LayerPlan layer, ActivationKind activation, string input, string target) =>
        KernelPlan.BatchForwardIsBroadcast(layer)
            ? $"{KernelClass}.{DenseKernelEmitter.ForwardBroadcastName(layer.Inputs, layer.LinearUnits, activation, layer.Spec.Alpha)}(ref {input}, ref _{layer.Field}WeightTransposed[0], ref _parameters[{layer.Prefix}Bias], ref {target}, _rows, first, last);"
            : $"{KernelClass}.{DenseKernelEmitter.ForwardName(layer.Inputs, layer.LinearUnits, activation, layer.Spec.Alpha)}(ref {input}, ref _parameters[{layer.Prefix}Weight], ref _parameters[{layer.Prefix}Bias], ref {target}, _rows, first, last);";

    /// <summary>
    /// A product call: its kernel directly on this thread (no delegate, no partition), or split across the pool when
    /// it is large enough.
    /// </summary>
    private static string Product(LayerPlan layer, string kind)
    {
        var job = JobFor(layer, kind);
        return $"if (SplitsAcrossCores({Flops(layer)} * rows)) RunAcrossCores({job.Field}); else {job.Method}(0, {job.Count});";
    }

    private static void EmitJobs(SourceWriter w, NetworkPlan plan)
    {
        if (!Jobs(plan).Any()) return;
        w.Lines("""
            /// <summary>Whether a product of this many FLOPs is split across the pool: worth it only for large ones.</summary>
            private bool SplitsAcrossCores(long flops) => _pool is not null && flops >= ParallelThreshold;

            /// <summary>
            /// Runs one product across the pool, in more parts than threads (part 0 on this thread, the rest taken by
            /// whichever thread is free), so a core slowed by other work runs fewer of them.
            /// </summary>
            private void RunAcrossCores(global::System.Action<int> job) => _pool!.Run(job, _pool.BalancedParts);

            private (int First, int Last) PartitionOf(int count, int granularity, int part) =>
                global::CompiledNets.Kernels.WorkerPool.Partition(count, granularity, part, _pool!.BalancedParts);
            """);
        w.Line();
        foreach (var layer in plan.Layers.Where(l => l.IsDenseLike))
        {
            string p = layer.Prefix;
            string linear = layer.LinearConstant;
            string input = $"{plan.TrainingInput(layer.Index)}[0]";
            string trainingTarget = layer.Kind == LayerKind.Maxout ? $"_{layer.Field}Pieces[0]"
                : layer.StoresPreActivation ? $"_{layer.Field}PreActivation[0]" : $"_{layer.Field}Output[0]";
            string inferenceTarget = layer.Kind == LayerKind.Maxout ? $"_{layer.Field}Pieces[0]" : $"_{layer.Field}Output[0]";
            var trainingActivation = layer.Kind == LayerKind.Maxout ? ActivationKind.Linear : KernelPlan.TrainingForward(layer);
            var inferenceActivation = layer.Kind == LayerKind.Maxout ? ActivationKind.Linear : KernelPlan.InferenceForward(layer);
            string productDelta = ProductDelta(layer);
            string inferenceInput = InferenceInput(plan, layer.Index);
            w.Line($"// {layer.Name}: forward split over outputs (multiples of {ForwardGranularity(layer, "ForwardInference")}), backward over input columns (multiples of {DenseKernelEmitter.ColumnGranularity}).");
            using (w.Block($"private void {p}ForwardInference(int first, int last)"))
            {
                w.Line(ForwardKernelCall(layer, inferenceActivation, $"{inferenceInput}[0]", inferenceTarget));
            }
            if (KernelPlan.PredictsAcrossCores(plan) && KernelPlan.SplitsPredict(layer))
                EmitPredictPart(w, plan, layer);
            if (plan.TrainsPerLayer)
            {
                using (w.Block($"private void {p}ForwardTraining(int first, int last)"))
                {
                    w.Line(ForwardKernelCall(layer, trainingActivation, input, trainingTarget));
                }
                using (w.Block($"private void {p}WeightGradient(int first, int last)"))
                {
                    string deltaTiles = KernelPlan.WeightGradientPacksDelta(layer) ? $"ref {DeltaTiles(layer)}[0], " : "";
                    w.Line($"{KernelClass}.{DenseKernelEmitter.WeightGradientName(layer.Inputs, layer.LinearUnits)}(ref {productDelta}[0], {deltaTiles}ref {input}, ref _gradients[{p}Weight], ref _gradients[{p}Bias], _rows, first, last);");
                }
                if (layer.Index > plan.FirstTrainable)
                {
                    var previous = plan.Layers[layer.Index - 1];
                    var derivative = KernelPlan.DerivativeFusedByNext(plan, previous.Index) ? KernelPlan.FusedDerivative(previous) : ActivationKind.Linear;
                    string destination = layer.Kind == LayerKind.Maxout ? layer.Delta : layer.OtherDelta;
                    using (w.Block($"private void {p}InputGradient(int first, int last)"))
                    {
                        w.Line($"{KernelClass}.{DenseKernelEmitter.InputGradientName(layer.Inputs, layer.LinearUnits, derivative, previous.Spec.Alpha)}(ref {productDelta}[0], ref _parameters[{p}Weight], ref {destination}[0], ref {plan.TrainingInput(layer.Index)}[0], _rows, first, last);");
                    }
                }
            }
            w.Line();
        }
    }

    /// <summary>The array holding layer <paramref name="index"/>'s input during batch inference (dropout is skipped there).</summary>
    private static string InferenceInput(NetworkPlan plan, int index)
    {
        int source = index - 1;
        while (source >= 0 && plan.Layers[source].Kind == LayerKind.Dropout) source--;
        return source < 0 ? "_input" : $"_{plan.Layers[source].Field}Output";
    }
}
