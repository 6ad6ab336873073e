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
        int blockFloats = KernelPlan.PredictBlockFloats(plan);
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
            if (InferenceWeightsRefresh(plan) is { } refresh) w.Line(refresh);
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
        w.Line($"/// <summary>One block of <c>rows</c> samples (at most {blockRows}) through every layer, in this thread's buffer of {Literal.Grouped(blockFloats)} floats.</summary>");
        using (w.Block("private void PredictBlock(global::System.ReadOnlySpan<float> inputs, global::System.Span<float> outputs, int rows)"))
        {
            w.Line($"{AlignedFloats} block = t_predictBlock ??= new {AlignedFloats}({Literal.Int(blockFloats)});");
            if (plan.Graph is not null) EmitGraphBlock(w, plan, plan.Graph, blockRows);
            else EmitChainBlock(w, plan, blockRows);
        }
        w.Line();
    }

    /// <summary>A chain's block: two rows of the widest layer in turn, and the widest layer scratch.</summary>
    private static void EmitChainBlock(SourceWriter w, NetworkPlan plan, int blockRows)
    {
        int offset = 0;
        string Region(int floatsPerRow, string perRow)
        {
            string span = $"block.AsSpan({Literal.Int(offset)}, rows * {perRow})";
            offset += blockRows * floatsPerRow;
            return span;
        }
        if (plan.Layers.Count > 1)
        {
            w.Line($"global::System.Span<float> rowsA = {Region(plan.WidestHidden, "WidestHidden")};");
            w.Line($"global::System.Span<float> rowsB = {Region(plan.WidestHidden, "WidestHidden")};");
        }
        if (plan.WidestScratch > 0)
            w.Line($"global::System.Span<float> layerScratch = {Region(plan.WidestScratch, Literal.Int(plan.WidestScratch))};");
        string input = "inputs";
        int pingPong = 0;
        foreach (var layer in plan.Layers)
        {
            if (layer.Kind.IdentityAtInference)
            {
                w.Line($"// {layer.Name}: identity at inference");
                if (layer.IsLast) w.Line($"{input}.CopyTo(outputs);");
                continue;
            }
            string destination = layer.IsLast ? "outputs" : $"{(pingPong++ % 2 == 0 ? "rowsA" : "rowsB")}.Slice(0, rows * {layer.Prefix}Units)";
            w.Line($"// {layer.Name}: {layer.Describe()}");
            layer.Kind.EmitBlockInference(w, layer, new[] { input }, destination, "layerScratch");
            input = destination;
        }
    }

    /// <summary>A graph's block: every value it computes keeps rows of its own, since any later layer may read it; several inputs are first split into a dense block each.</summary>
    private static void EmitGraphBlock(SourceWriter w, NetworkPlan plan, GraphPlan graph, int blockRows)
    {
        int offset = 0;
        if (plan.WidestScratch > 0)
        {
            w.Line($"global::System.Span<float> layerScratch = block.AsSpan(0, rows * {Literal.Int(plan.WidestScratch)});");
            offset = blockRows * plan.WidestScratch;
        }
        if (graph.SplitsInputs)
        {
            for (int k = 0; k < graph.Inputs.Count; k++)
            {
                string size = graph.InputSizeConstant(k);
                w.Line($"global::System.Span<float> input_{graph.Inputs[k].Name} = block.AsSpan({Literal.Int(offset)}, rows * {size});");
                w.Line($"{RuntimeNames.MergeKernels}.CopyColumns(inputs, InputSize, {Literal.Int(graph.InputOffsets[k])}, input_{graph.Inputs[k].Name}, {size}, 0, {size}, rows);");
                offset += blockRows * (int)graph.Inputs[k].Shape.Size;
            }
        }
        string Value(int value)
        {
            value = graph.InferenceValue(value);
            if (!ValueRef.IsInput(value)) return $"{plan.Layers[value].Field}Rows";
            return graph.SplitsInputs ? $"input_{graph.Inputs[ValueRef.InputIndex(value)].Name}" : "inputs";
        }
        foreach (var layer in plan.Layers)
        {
            if (!graph.Predicts(layer)) continue;
            string destination = "outputs";
            if (!layer.IsLast)
            {
                destination = $"{layer.Field}Rows";
                w.Line($"global::System.Span<float> {destination} = block.AsSpan({Literal.Int(offset)}, rows * {layer.Prefix}Units);");
                offset += blockRows * layer.Units;
            }
            w.Line($"// {layer.Name}: {layer.Describe()}");
            layer.Kind.EmitBlockInference(w, layer, layer.Sources.Select(Value).ToList(), destination, "layerScratch");
        }
        if (!graph.Predicts(plan.Last))
            w.Line($"{Value(plan.Last.Index)}.CopyTo(outputs); // {plan.Last.Name} is the identity at inference");
    }
}
