using System.Linq;
using CompiledNets.Generator.Model;
using CompiledNets.Generator.Names;
using static CompiledNets.Generator.Emit.Code;

namespace CompiledNets.Generator.Emit;

/// <summary>
/// <c>PredictBatch</c>: the batch in fixed blocks of samples (<see cref="KernelPlan.PredictBlockRows"/>), each block run
/// through every layer on one thread in buffers of that thread's own, the blocks shared across the pool by the runtime's
/// <c>SampleBlocks</c>. Not the training forward pass in chunks: no shared buffers, one hand-off per batch instead of one
/// per layer, and a block's activations stay in its core's cache from layer to layer.
/// </summary>
internal static partial class NetworkEmitter
{
    private static void EmitPredictBatch(SourceWriter w, NetworkPlan plan)
    {
        int blockRows = KernelPlan.PredictBlockRows(plan);
        w.Line($"/// <summary>Samples per block of <see cref=\"PredictBatch\"/>: fixed, so that every sample is computed alike whatever the thread count.</summary>");
        w.Line($"private const int PredictBlockRows = {blockRows};");
        w.Line();
        w.Line("[global::System.ThreadStatic]");
        w.Line($"private static {AlignedFloats}? t_predictBlock;");
        w.Line();
        w.Line($"private {RuntimeNames.Kernels}.SampleBlocks? _predictBlocks;");
        w.Line();
        w.Line("/// <inheritdoc/>");
        using (w.Block("public void PredictBatch(global::System.ReadOnlySpan<float> inputs, global::System.Span<float> outputs, int batchSize)"))
        {
            w.Line("if (batchSize < 0) throw new global::System.ArgumentOutOfRangeException(nameof(batchSize), batchSize, \"The batch size must not be negative.\");");
            w.Line("if (inputs.Length != batchSize * InputSize) ThrowLength(nameof(inputs), batchSize * InputSize, inputs.Length, $\"{batchSize} samples × {InputSize} features\");");
            w.Line("if (outputs.Length != batchSize * OutputSize) ThrowLength(nameof(outputs), batchSize * OutputSize, outputs.Length, $\"{batchSize} samples × {OutputSize} outputs\");");
            if (InferenceWeightsRefresh(plan, singleSample: false) is { } refresh) w.Line(refresh);
            var transposes = plan.Layers.Select(l => l.Kind.PerBatchStatement(l)).OfType<string>().ToList();
            if (transposes.Count > 0)
            {
                w.Line("// Narrow layers multiply by their transposed weights: refreshed once for the whole call.");
                foreach (var transpose in transposes) w.Line(transpose);
            }
            long flops = plan.Layers.Sum(l => l.Kind.ForwardFlopsPerSample(l));
            w.Line($"// Across the pool only when the batch is worth a hand-off ({Literal.Grouped(flops)} FLOPs of products per sample).");
            w.Line($"var pool = {flops}L * batchSize >= ParallelThreshold ? _pool : null;");
            w.Line($"(_predictBlocks ??= new {RuntimeNames.Kernels}.SampleBlocks(PredictBlock, InputSize, OutputSize, PredictBlockRows)).Run(pool, inputs, outputs, batchSize);");
        }
        w.Line();
        // The layers first, to a writer of their own: the buffer's size is known once they have taken their regions.
        var layout = new BlockLayout(plan, blockRows);
        var body = new SourceWriter();
        if (plan.Graph is not null) EmitGraphBlock(body, plan, plan.Graph, layout);
        else EmitChainBlock(body, plan, layout);
        w.Line($"/// <summary>One block of <c>rows</c> samples (at most {blockRows}) through every layer, in this thread's buffer of {Literal.Grouped(layout.Floats)} floats.</summary>");
        using (w.Block("private void PredictBlock(global::System.ReadOnlySpan<float> inputs, global::System.Span<float> outputs, int rows, global::System.ReadOnlySpan<float> ahead)"))
        {
            w.Line($"{AlignedFloats} block = t_predictBlock ??= new {AlignedFloats}({Literal.Int(layout.Floats)});");
            w.Lines(body.ToString().TrimEnd('\n'));
        }
        w.Line();
    }

    /// <summary>
    /// Where a block's rows go in the per-thread buffer: regions of <c>PredictBlockRows</c> rows each, in the order asked for,
    /// each starting on a 64-byte boundary so that rows of whole vectors are read without splitting cache lines.
    /// </summary>
    private sealed class BlockLayout(NetworkPlan plan, int blockRows)
    {
        private const int AlignmentFloats = 16;

        /// <summary>Floats of the buffer the regions taken so far need.</summary>
        public int Floats { get; private set; }

        /// <summary>Takes a region of <paramref name="floatsPerRow"/> floats per sample; returns the span of <c>rows</c> of them.</summary>
        public string Take(int floatsPerRow, string perRow)
        {
            int offset = Floats;
            Floats = (offset + blockRows * floatsPerRow + AlignmentFloats - 1) / AlignmentFloats * AlignmentFloats;
            return $"block.AsSpan({Literal.Int(offset)}, rows * {perRow})";
        }

        /// <summary>Takes a region of <paramref name="floats"/> floats for the whole block, whatever its rows; returns its span.</summary>
        public string TakeWhole(int floats)
        {
            int offset = Floats;
            Floats = (offset + floats + AlignmentFloats - 1) / AlignmentFloats * AlignmentFloats;
            return $"block.AsSpan({Literal.Int(offset)}, {Literal.Int(floats)})";
        }

        /// <summary>
        /// The block's inputs, copied into the buffer: the caller's rows sit wherever its array starts, so every vector
        /// load of them would split a cache line, and the first layer would read them from memory in its first pass
        /// instead of from L2 after one streaming copy.
        /// </summary>
        public string CopiedInputs(SourceWriter w)
        {
            string span = Take(plan.Spec.Inputs, "InputSize");
            w.Line($"global::System.Span<float> inputRows = {span};");
            w.Line("inputs.CopyTo(inputRows);");
            return "inputRows";
        }
    }

    /// <summary>A chain's block: its inputs, two rows of the widest layer in turn, and the widest layer scratch.</summary>
    private static void EmitChainBlock(SourceWriter w, NetworkPlan plan, BlockLayout layout)
    {
        if (LaneBlockKernelEmitter.Applies(plan)) EmitLaneBlock(w, plan, layout);
        string input = layout.CopiedInputs(w);
        if (plan.Layers.Count > 1)
        {
            w.Line($"global::System.Span<float> rowsA = {layout.Take(plan.WidestHidden, "WidestHidden")};");
            w.Line($"global::System.Span<float> rowsB = {layout.Take(plan.WidestHidden, "WidestHidden")};");
        }
        if (plan.WidestScratch > 0)
            w.Line($"global::System.Span<float> layerScratch = {layout.Take(plan.WidestScratch, Literal.Int(plan.WidestScratch))};");
        int pingPong = 0;
        foreach (var layer in plan.Layers)
        {
            if (layer.Kind.IdentityAtInference)
            {
                w.Line($"// {layer.Name}: identity at inference");
                if (layer.IsLast) w.Line($"{input}.CopyTo(outputs);");
                continue;
            }
            if (PoolFusion.EmitPooledInWinograd(w, layer)) continue;
            var written = PoolFusion.InferenceOutputLayer(layer);
            string destination = written.IsLast ? "outputs" : $"{(pingPong++ % 2 == 0 ? "rowsA" : "rowsB")}.Slice(0, rows * {written.Prefix}Units)";
            w.Line($"// {layer.Name}: {layer.Describe()}");
            layer.Kind.EmitBlockInference(w, layer, new[] { input }, destination, "layerScratch");
            input = destination;
        }
    }

    /// <summary>
    /// A chain of Dense layers with the block's samples in the vector lanes (<see cref="LaneBlockKernelEmitter"/>): the
    /// inputs transposed once, every layer from one lane buffer to the other, the outputs transposed back to rows.
    /// </summary>
    private static void EmitLaneBlock(SourceWriter w, NetworkPlan plan, BlockLayout layout)
    {
        int blockRows = KernelPlan.PredictBlockRows(plan);
        var layers = LaneBlockKernelEmitter.InferenceLayers(plan);
        int widest = System.Math.Max(plan.Spec.Inputs, layers.Max(l => l.Units));
        string first = layout.TakeWhole(widest * blockRows), second = layout.TakeWhole(widest * blockRows);
        using (w.Block("if (global::System.Runtime.Intrinsics.Vector512.IsHardwareAccelerated)"))
        {
            w.Line("// The block's samples in the vector lanes: [features, PredictBlockRows] from layer to layer, rows only at the ends.");
            w.Line($"global::System.Span<float> lanesA = {first}, lanesB = {second};");
            // The transposition reads the caller's rows in place: the first layer prefetched them into L2 while the
            // previous block computed (the first block of a call reads them from memory).
            w.Line($"{RuntimeNames.GeneratedKernels}.{LaneBlockKernelEmitter.ToLanesName(plan.Spec.Inputs, blockRows)}(ref {Ref("inputs")}, ref lanesA[0], rows);");
            string from = "lanesA", to = "lanesB";
            foreach (var layer in layers)
            {
                var fused = LaneBlockKernelEmitter.ProductActivation(layer);
                float alpha = Layers.ProductLayerKind.KernelAlpha(fused, layer);
                bool isFirst = layer == layers[0];
                // A line of 64 bytes per 16 floats, and one more for rows that do not start on a line.
                string ahead = isFirst ? $", in {Ref("ahead")}, ahead.IsEmpty ? 0 : ahead.Length / 16 + 1" : "";
                w.Line($"// {layer.Name}: {layer.Describe()}");
                w.Line($"{RuntimeNames.GeneratedKernels}.{LaneBlockKernelEmitter.ProductName(layer.Inputs, layer.Units, fused, alpha, blockRows, isFirst)}(ref {from}[0], ref _parameters[{layer.Prefix}Weight], ref _parameters[{layer.Prefix}Bias], ref {to}[0]{ahead});");
                // An element-wise activation without a vector form, over every lane (the same call whatever the rows).
                if (fused != layer.Activation && ActivationExpressions.IsElementWise(layer.Activation))
                    w.Line(ActivationCalls.Forward(layer, $"{to}.Slice(0, {Literal.Int(layer.Units * blockRows)})")!);
                (from, to) = (to, from);
            }
            var last = layers[layers.Count - 1];
            w.Line($"{RuntimeNames.GeneratedKernels}.{LaneBlockKernelEmitter.FromLanesName(last.Units, blockRows)}(ref {from}[0], ref {Ref("outputs")}, rows);");
            if (!ActivationExpressions.IsElementWise(last.Activation)) w.Line(ActivationCalls.Forward(last, "outputs")!);
            w.Line("return;");
        }
    }

    /// <summary>A graph's block: every value it computes keeps rows of its own, since any later layer may read it; several inputs are first split into a dense block each.</summary>
    private static void EmitGraphBlock(SourceWriter w, NetworkPlan plan, GraphPlan graph, BlockLayout layout)
    {
        if (plan.WidestScratch > 0)
            w.Line($"global::System.Span<float> layerScratch = {layout.Take(plan.WidestScratch, Literal.Int(plan.WidestScratch))};");
        string inputRows = "";
        if (graph.SplitsInputs)
        {
            for (int k = 0; k < graph.Inputs.Count; k++)
            {
                string size = graph.InputSizeConstant(k);
                w.Line($"global::System.Span<float> input_{graph.Inputs[k].Name} = {layout.Take((int)graph.Inputs[k].Shape.Size, size)};");
                w.Line($"{RuntimeNames.MergeKernels}.CopyColumns(inputs, InputSize, {Literal.Int(graph.InputOffsets[k])}, input_{graph.Inputs[k].Name}, {size}, 0, {size}, rows);");
            }
        }
        else inputRows = layout.CopiedInputs(w);
        string Value(int value)
        {
            value = graph.InferenceValue(value);
            if (!ValueRef.IsInput(value)) return $"{plan.Layers[value].Field}Rows";
            return graph.SplitsInputs ? $"input_{graph.Inputs[ValueRef.InputIndex(value)].Name}" : inputRows;
        }
        foreach (var layer in plan.Layers)
        {
            if (!graph.Predicts(layer)) continue;
            string destination = "outputs";
            if (!layer.IsLast)
            {
                destination = $"{layer.Field}Rows";
                w.Line($"global::System.Span<float> {destination} = {layout.Take(layer.Units, $"{layer.Prefix}Units")};");
            }
            w.Line($"// {layer.Name}: {layer.Describe()}");
            layer.Kind.EmitBlockInference(w, layer, layer.Sources.Select(Value).ToList(), destination, "layerScratch");
        }
        if (!graph.Predicts(plan.Last))
            w.Line($"{Value(plan.Last.Index)}.CopyTo(outputs); // {plan.Last.Name} is the identity at inference");
    }
}
