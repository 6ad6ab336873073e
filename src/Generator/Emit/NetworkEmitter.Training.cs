using System.Collections.Generic;
using System.Linq;
using CompiledNets.Generator.Model;
using CompiledNets.Generator.Names;
using static CompiledNets.Generator.Emit.Code;

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
            EmitBatchInputCopy(w, plan, "inputs");
            var transposes = plan.Layers.Select(l => l.Kind.PerBatchStatement(l)).Where(t => t is not null).ToList();
            if (transposes.Count > 0)
            {
                // All at once, ahead of the forward pass: by the time a layer's kernel reads its transposed weights the
                // stores have reached the cache, so its wide loads do not stall on narrower stores still in flight.
                w.Line("// The narrow layers' transposed weights, refreshed for this batch.");
                foreach (var transpose in transposes) w.Line(transpose!);
            }
            w.Line();
            var schedule = Schedule(plan);
            w.Line("// Forward pass, training mode: keep what the backward pass needs.");
            EmitPass(w, schedule.Forward, ForwardComment);
            w.Line("_trainingRows = rows;");
            w.Line();
            var outputActivation = plan.OutputActivation;
            bool fused = (plan.Spec.Loss == LossKind.CrossEntropy && outputActivation == ActivationKind.Softmax)
                || (plan.Spec.Loss == LossKind.BinaryCrossEntropy && outputActivation == ActivationKind.Sigmoid);
            w.Line(fused
                ? $"// Loss: {plan.Spec.Loss} fused with {outputActivation}, from the logits; d loss / d logits = (output - target) / n."
                : $"// Loss: {plan.Spec.Loss}, then the {outputActivation} derivative.");
            float alpha = last.Kind.HasActivation ? last.Alpha : 0f;
            if (KernelPlan.FusesSoftmaxLoss(plan))
                SoftmaxEmitter.EmitLossCall(w, plan, BufferSpan(plan.LossPreActivation, "rows * OutputSize"), BufferSpan($"_{last.Field}Output", "rows * OutputSize"), "_deltaA");
            else
            {
                w.Line($"float loss = {RuntimeNames.LossKernels}.LossAndGradient({Runtime}.LossFunction.{plan.Spec.Loss}, {Runtime}.Activation.{outputActivation}, {Literal.Float(alpha)},");
                w.Line($"    {BufferSpan($"_{last.Field}Output", "rows * OutputSize")}, {BufferSpan(plan.LossPreActivation, "rows * OutputSize")}, targets, _deltaA, rows, OutputSize);");
            }
            w.Line();
            w.Line("// Backward pass, last layer first; comments name the buffer holding d loss / d (layer output).");
            EmitPass(w, schedule.Backward, BackwardComment);
            var decayed = plan.Layers.Where(l => l.L2 > 0).ToList();
            if (decayed.Count > 0)
            {
                w.Line();
                w.Line("// L2 weight decay on the weights: λ/2 Σ w² added to the loss, λ w to the gradient.");
                foreach (var layer in decayed) w.Line(layer.Kind.L2PenaltyStatement(layer)!);
            }
            w.Line("return loss;");
        }
        w.Line();
    }

    private static string ForwardComment(LayerPlan layer) => $"// {layer.Name}: {layer.Describe()}";

    private static string BackwardComment(LayerPlan layer) => $"// {layer.Name} ({layer.Delta})";

    /// <summary>The layers' training steps, forward then backward (the latter with a graph's gradient routes), in segments: built once per plan.</summary>
    private static TrainingSchedule Schedule(NetworkPlan plan) => plan.TrainingSchedule ??= BuildSchedule(plan);

    private static TrainingSchedule BuildSchedule(NetworkPlan plan)
    {
        var backward = Enumerable.Range(0, plan.Layers.Count).Reverse().Select(i => plan.Layers[i]).Where(plan.HasBackward);
        return TrainingSchedule.Build(
            plan.Layers.Select(layer => (layer, layer.Kind.TrainingForwardSteps(plan, layer))),
            backward.Select(layer => (layer, BackwardSteps(plan, layer))));
    }

    private static IEnumerable<TrainingStep> BackwardSteps(NetworkPlan plan, LayerPlan layer)
    {
        foreach (var step in layer.Kind.BackwardSteps(plan, layer)) yield return step;
        if (plan.Graph is { } graph && !layer.Kind.IsMerge && InputGradientRoute(graph, layer) is { } route)
            yield return TrainingStep.WholeBatch(w => w.Line(route));
    }

    /// <summary>
    /// A pass in ComputeGradients: whole-batch steps in place, each segment as one call (across the pool when it is large
    /// enough); a layer's comment comes before its first statements.
    /// </summary>
    private static void EmitPass(SourceWriter w, IReadOnlyList<ScheduledPart> parts, System.Func<LayerPlan, string> comment)
    {
        LayerPlan? commented = null;
        foreach (var part in parts)
        {
            if (part is WholeBatchPart whole)
            {
                if (whole.Layer != commented) w.Line(comment(commented = whole.Layer));
                whole.Step.Emit(w);
                continue;
            }
            var segment = (TrainingSegment)part;
            if (!segment.HasMethod)
            {
                EmitSteps(w, segment, new SampleRange("0", "rows", "0"), comment, ref commented);
                continue;
            }
            commented = null;
            w.Line($"// {segment.LayerNames}: sample by sample, in {segment.Method}");
            w.Line($"if (SplitsAcrossCores({segment.CostPerSample}L * rows)) RunAcrossCores({segment.JobField}); else {segment.Method}(0, rows);");
        }
    }

    /// <summary>A segment's steps over <paramref name="range"/>, each layer's comment before its first step.</summary>
    private static void EmitSteps(SourceWriter w, TrainingSegment segment, SampleRange range, System.Func<LayerPlan, string> comment, ref LayerPlan? commented)
    {
        foreach (var (layer, step) in segment.Steps)
        {
            if (layer != commented) w.Line(comment(commented = layer));
            step.Emit(w, range);
        }
    }

    /// <summary>The segments' methods: their steps for samples [first, last), one block of samples at a time.</summary>
    private static void EmitSegmentMethods(SourceWriter w, NetworkPlan plan)
    {
        var schedule = Schedule(plan);
        foreach (var (parts, comment) in new[] { (schedule.Forward, (System.Func<LayerPlan, string>)ForwardComment), (schedule.Backward, BackwardComment) })
        {
            foreach (var segment in parts.OfType<TrainingSegment>().Where(s => s.HasMethod))
            {
                int block = segment.BlockRows;
                w.Line($"/// <summary>{segment.LayerNames} for samples [first, last), {block} at a time: a block's values are still in cache for the next step.</summary>");
                using (w.Block($"private void {segment.Method}(int first, int last)"))
                using (w.Block($"for (int start = first; start < last; start += {block})"))
                {
                    w.Line($"int end = global::System.Math.Min(last, start + {block});");
                    LayerPlan? commented = null;
                    EmitSteps(w, segment, new SampleRange("start", "end", "first"), comment, ref commented);
                }
                w.Line();
            }
        }
    }

    /// <summary>
    /// In a graph, the statement handing the value a layer reads its input gradient, unless the layer wrote it there
    /// already (a product writing the value's buffer) or shares that buffer: copied when this reader is the first the
    /// backward pass visits, added to the other readers' part otherwise.
    /// </summary>
    private static string? InputGradientRoute(GraphPlan graph, LayerPlan layer)
    {
        var route = graph.Route(layer, 0);
        bool inOtherBuffer = layer.Kind.WritesInputGradientToOtherBuffer;
        string computed = BufferSpan(inOtherBuffer ? layer.OtherDelta : layer.Delta, $"rows * {graph.SizeConstant(layer.Sources[0])}");
        string target = graph.GradientSpan(route, layer, 0);
        if (route.Mode == RouteMode.Write && !inOtherBuffer)
            return $"{computed}.CopyTo({target}); // {graph.ValueName(layer.Sources[0])} is read by other layers too";
        if (route.Mode == RouteMode.Accumulate)
            return $"{RuntimeNames.MergeKernels}.Accumulate({target}, {computed}); // added to what the later readers of {graph.ValueName(layer.Sources[0])} gave";
        return null;
    }

    /// <summary>
    /// Copies <c>rows</c> samples from <paramref name="source"/> into the batch buffers: as they are, or, for several
    /// inputs, each input's columns into its own buffer, so every layer reads a dense [rows, size] block.
    /// </summary>
    private static void EmitBatchInputCopy(SourceWriter w, NetworkPlan plan, string source)
    {
        if (plan.Graph is not { SplitsInputs: true } graph)
        {
            w.Line($"{source}.CopyTo(_input);");
            return;
        }
        for (int k = 0; k < graph.Inputs.Count; k++)
        {
            string size = graph.InputSizeConstant(k);
            w.Line($"{RuntimeNames.MergeKernels}.CopyColumns({source}, InputSize, {Literal.Int(graph.InputOffsets[k])}, {BufferSpan(graph.InputBuffer(k), $"rows * {size}")}, {size}, 0, {size}, rows);");
        }
    }

    // ------------------------------------------------------------------ parallel jobs (the layers' products, the optimizer step)

    private static IEnumerable<Job> Jobs(NetworkPlan plan)
    {
        foreach (var layer in plan.Layers)
            foreach (var job in layer.Kind.Jobs(plan, layer)) yield return job;
        if (plan.TrainsPerLayer)
            foreach (var segment in Schedule(plan).Segments) yield return new Job(segment.JobField, segment.Method, "_rows", 1);
        if (KernelPlan.SplitsOptimizerStep(plan))
            yield return new Job(OptimizerEmitter.StepJobField, OptimizerEmitter.StepRangeMethod, "ParameterCount", OptimizerEmitter.StepGranularity);
    }

    private static void EmitJobs(SourceWriter w, NetworkPlan plan)
    {
        if (!Jobs(plan).Any()) return;
        w.Lines($$"""
            /// <summary>Whether a product of this many FLOPs is split across the pool: worth it only for large ones.</summary>
            private bool SplitsAcrossCores(long flops) => _pool is not null && flops >= ParallelThreshold;

            /// <summary>
            /// Runs one product across the pool, in more parts than threads (part 0 on this thread, the rest taken by
            /// whichever thread is free), so a core slowed by other work runs fewer of them.
            /// </summary>
            private void RunAcrossCores(global::System.Action<int> job) => _pool!.Run(job, _pool.BalancedParts);

            private (int First, int Last) PartitionOf(int count, int granularity, int part) =>
                {{RuntimeNames.WorkerPool}}.Partition(count, granularity, part, _pool!.BalancedParts);
            """);
        w.Line();
        foreach (var layer in plan.Layers) layer.Kind.EmitJobMethods(w, plan, layer);
        if (plan.TrainsPerLayer) EmitSegmentMethods(w, plan);
    }
}
