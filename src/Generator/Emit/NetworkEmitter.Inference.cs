using System.Collections.Generic;
using System.Linq;
using CompiledNets.Generator.Model;
using CompiledNets.Generator.Names;
using static CompiledNets.Generator.Emit.Code;

namespace CompiledNets.Generator.Emit;

/// <summary>Inference: single-sample <c>Predict</c> on the stack and chunked <c>PredictBatch</c>.</summary>
internal static partial class NetworkEmitter
{
    // ------------------------------------------------------------------ inference

    private static void EmitPredict(SourceWriter w, NetworkPlan plan)
    {
        if (!KernelPlan.PredictScratchOnStack(plan))
        {
            w.Line("[global::System.ThreadStatic]");
            w.Line("private static float[]? t_predictScratch;");
            w.Line();
        }
        w.Line("/// <inheritdoc/>");
        using (w.Block("public void Predict(global::System.ReadOnlySpan<float> input, global::System.Span<float> output)"))
        {
            w.Line("if (input.Length != InputSize) ThrowLength(nameof(input), InputSize, input.Length, \"one sample of InputSize features\");");
            w.Line("if (output.Length != OutputSize) ThrowLength(nameof(output), OutputSize, output.Length, \"OutputSize values\");");
            if (KernelPlan.PredictsInSampleLanes(plan))
                SampleLaneEmitter.EmitPredictCall(w);
            else
                EmitPredictBody(w, plan);
        }
        w.Line();
        if (KernelPlan.PredictsAcrossCores(plan)) EmitPredictAcrossCores(w, plan);
    }

    /// <summary>Predict through the per-layer kernels: rows on the stack (or a per-thread buffer), or across cores.</summary>
    private static void EmitPredictBody(SourceWriter w, NetworkPlan plan)
    {
        if (KernelPlan.PredictsAcrossCores(plan))
        {
            w.Line("// Wide layers stream more weights than one core can pull from cache in time: one call at a time splits them across cores.");
            using (w.Block("if (_pool is not null && global::System.Threading.Interlocked.CompareExchange(ref _predictBusy, 1, 0) == 0)"))
            {
                w.Line("try { PredictAcrossCores(input, output); }");
                w.Line("finally { global::System.Threading.Volatile.Write(ref _predictBusy, 0); }");
                w.Line("return;");
            }
        }
        bool hasScratch = plan.WidestScratch > 0;
        int scratch = KernelPlan.PredictScratch(plan);
        bool onStack = KernelPlan.PredictScratchOnStack(plan);
        w.Line(onStack
            ? "// Thread-safe: intermediate rows live on this call's stack; each weight row is streamed once."
            : $"// Thread-safe: intermediate rows ({scratch} floats, too many for the stack) live in a buffer of this thread's own.");
        w.Line("const int rows = 1;");
        if (!onStack) w.Line($"global::System.Span<float> scratch = t_predictScratch ??= new float[{scratch}];");
        int offset = 0;
        string Row(int length, string lengthText)
        {
            string text = onStack ? $"stackalloc float[{lengthText}]" : $"scratch.Slice({offset}, {lengthText})";
            offset += length;
            return text;
        }
        if (plan.Layers.Count > 1)
        {
            w.Line($"global::System.Span<float> rowA = {Row(plan.WidestHidden, "WidestHidden")};");
            w.Line($"global::System.Span<float> rowB = {Row(plan.WidestHidden, "WidestHidden")};");
        }
        if (hasScratch)
            w.Line($"global::System.Span<float> layerScratch = {Row(plan.WidestScratch, Literal.Int(plan.WidestScratch))};");
        string input = "input";
        int pingPong = 0;
        foreach (var layer in plan.Layers)
        {
            if (layer.Kind.IdentityAtInference)
            {
                w.Line($"// {layer.Name}: identity at inference");
                if (layer.IsLast) w.Line($"{input}.CopyTo(output);");
                continue;
            }
            string destination = layer.IsLast ? "output" : $"{(pingPong++ % 2 == 0 ? "rowA" : "rowB")}.Slice(0, {layer.Prefix}Units)";
            EmitInferenceLayer(w, layer, input, destination, "layerScratch");
            input = destination;
        }
    }

    /// <summary>One layer in inference mode from span <paramref name="input"/> to span <paramref name="output"/> (<c>rows</c> samples).</summary>
    private static void EmitInferenceLayer(SourceWriter w, LayerPlan layer, string input, string output, string layerScratch)
    {
        w.Line($"// {layer.Name}: {layer.Describe()}");
        layer.Kind.EmitInference(w, layer, input, output, layerScratch);
    }

    private static void EmitPredictBatch(SourceWriter w, NetworkPlan plan)
    {
        w.Line("/// <inheritdoc/>");
        using (w.Block("public void PredictBatch(global::System.ReadOnlySpan<float> inputs, global::System.Span<float> outputs, int batchSize)"))
        {
            w.Line("if (batchSize < 0) throw new global::System.ArgumentOutOfRangeException(nameof(batchSize), batchSize, \"The batch size must not be negative.\");");
            w.Line("if (inputs.Length != batchSize * InputSize) ThrowLength(nameof(inputs), batchSize * InputSize, inputs.Length, $\"{batchSize} samples × {InputSize} features\");");
            w.Line("if (outputs.Length != batchSize * OutputSize) ThrowLength(nameof(outputs), batchSize * OutputSize, outputs.Length, $\"{batchSize} samples × {OutputSize} outputs\");");
            var transposes = plan.Layers.Select(l => l.Kind.PerBatchStatement(l)).OfType<string>().ToList();
            if (transposes.Count > 0)
            {
                w.Line("// Narrow layers multiply by their transposed weights: refreshed once for the whole call.");
                foreach (var transpose in transposes) w.Line(transpose);
            }
            using (w.Block("for (int start = 0; start < batchSize; start += MaxBatchSize)"))
            {
                w.Line("int rows = global::System.Math.Min(MaxBatchSize, batchSize - start);");
                w.Line("_rows = rows;");
                w.Line("inputs.Slice(start * InputSize, rows * InputSize).CopyTo(_input);");
                string current = BufferSpan("_input", "rows * InputSize");
                foreach (var layer in plan.Layers)
                {
                    if (layer.Kind.IdentityAtInference)
                    {
                        w.Line($"// {layer.Name}: identity at inference");
                        continue;
                    }
                    string output = BufferSpan($"_{layer.Field}Output", Rows(layer));
                    w.Line($"// {layer.Name}: {layer.Describe()}");
                    layer.Kind.EmitBatchInference(w, plan, layer, current, output);
                    current = output;
                }
                w.Line($"{current}.CopyTo(outputs.Slice(start * OutputSize));");
            }
            w.Line("_trainingRows = 0; // the shared buffers no longer hold training outputs");
        }
        w.Line();
    }
}
