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
            for (int i = plan.Layers.Count - 1; i >= 0; i--)
                if (plan.HasBackward(plan.Layers[i])) EmitBackward(w, plan, plan.Layers[i]);
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

    private static void EmitTrainingForward(SourceWriter w, NetworkPlan plan, LayerPlan layer)
    {
        w.Line($"// {layer.Name}: {layer.Describe()}");
        layer.Kind.EmitTrainingForward(w, plan, layer);
    }

    private static void EmitBackward(SourceWriter w, NetworkPlan plan, LayerPlan layer)
    {
        w.Line($"// {layer.Name} ({layer.Delta})");
        layer.Kind.EmitBackward(w, plan, layer);
        if (plan.Graph is not null && !layer.Kind.IsMerge) EmitInputGradientRoute(w, plan.Graph, layer);
    }

    /// <summary>
    /// In a graph, hands the value a layer reads its input gradient, unless the layer wrote it there already (a product
    /// writing the value's buffer) or shares that buffer: copied when this reader is the first the backward pass visits,
    /// added to the other readers' part otherwise.
    /// </summary>
    private static void EmitInputGradientRoute(SourceWriter w, GraphPlan graph, LayerPlan layer)
    {
        var route = graph.Route(layer, 0);
        bool inOtherBuffer = layer.Kind.WritesInputGradientToOtherBuffer;
        string computed = BufferSpan(inOtherBuffer ? layer.OtherDelta : layer.Delta, $"rows * {graph.SizeConstant(layer.Sources[0])}");
        string target = graph.GradientSpan(route, layer, 0);
        if (route.Mode == RouteMode.Write && !inOtherBuffer)
            w.Line($"{computed}.CopyTo({target}); // {graph.ValueName(layer.Sources[0])} is read by other layers too");
        else if (route.Mode == RouteMode.Accumulate)
            w.Line($"{RuntimeNames.MergeKernels}.Accumulate({target}, {computed}); // added to what the later readers of {graph.ValueName(layer.Sources[0])} gave");
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
    }
}
