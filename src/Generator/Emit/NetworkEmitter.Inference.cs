using System.Collections.Generic;
using System.Linq;
using CompiledNets.Generator.Model;

namespace CompiledNets.Generator.Emit;

/// <summary>Inference: single-sample <c>Predict</c> on the stack and chunked <c>PredictBatch</c>.</summary>
internal static partial class NetworkEmitter
{
    // ------------------------------------------------------------------ inference

    internal static string Ref(string span) => $"global::System.Runtime.InteropServices.MemoryMarshal.GetReference({span})";

    internal static string BufferSpan(string buffer, string length) => $"{buffer}.AsSpan(0, {length})";

    private static string Rows(LayerPlan layer, string units = "Units") => $"rows * {layer.Prefix}{units}";

    /// <summary>Floats of single-sample scratch that <c>Predict</c> keeps on the stack (64 KB); wider networks use a per-thread buffer.</summary>
    private const int StackScratchLimit = 16 * 1024;

    /// <summary>Floats of intermediate rows one <c>Predict</c> call needs: two hidden rows, and Maxout's piece values.</summary>
    private static int PredictScratch(NetworkPlan plan) =>
        (plan.Layers.Count > 1 ? 2 * plan.WidestHidden : 0) + plan.WidestLinear;

    private static void EmitPredict(SourceWriter w, NetworkPlan plan)
    {
        if (PredictScratch(plan) > StackScratchLimit)
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
            if (SampleLaneEmitter.PredictsInLanes(plan))
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
        bool hasMaxout = plan.WidestLinear > 0;
        int scratch = PredictScratch(plan);
        bool onStack = scratch <= StackScratchLimit;
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
        if (hasMaxout)
            w.Line($"global::System.Span<float> pieces = {Row(plan.WidestLinear, Literal.Int(plan.WidestLinear))};");
        string input = "input";
        int pingPong = 0;
        foreach (var layer in plan.Layers)
        {
            if (layer.Kind == LayerKind.Dropout)
            {
                w.Line($"// {layer.Name}: identity at inference");
                if (layer.IsLast) w.Line($"{input}.CopyTo(output);");
                continue;
            }
            string destination = layer.IsLast ? "output" : $"{(pingPong++ % 2 == 0 ? "rowA" : "rowB")}.Slice(0, {layer.Prefix}Units)";
            EmitInferenceLayer(w, layer, input, destination, "pieces");
            input = destination;
        }
    }

    /// <summary>One layer in inference mode from span <paramref name="input"/> to span <paramref name="output"/> (<c>rows</c> samples).</summary>
    private static void EmitInferenceLayer(SourceWriter w, LayerPlan layer, string input, string output, string piecesScratch)
    {
        string p = layer.Prefix;
        w.Line($"// {layer.Name}: {layer.Describe()}");
        switch (layer.Kind)
        {
            case LayerKind.Dense:
            {
                var fused = KernelPlan.InferenceForward(layer);
                w.Line($"{KernelClass}.{DenseKernelEmitter.ForwardName(layer.Inputs, layer.Units, fused, layer.Spec.Alpha)}(ref {Ref(input)}, ref _parameters[{p}Weight], ref _parameters[{p}Bias], ref {Ref(output)}, rows, 0, {p}Units);");
                if (fused != layer.Activation) w.Line(ActivationCalls.Forward(layer, output)!);
                break;
            }
            case LayerKind.Maxout:
                w.Line($"{KernelClass}.{DenseKernelEmitter.ForwardName(layer.Inputs, layer.LinearUnits, ActivationKind.Linear)}(ref {Ref(input)}, ref _parameters[{p}Weight], ref _parameters[{p}Bias], ref {Ref(piecesScratch)}, rows, 0, {p}Linear);");
                w.Line($"{KernelsRuntime}.LayerKernels.MaxoutForward({piecesScratch}, {output}, rows, {p}Units, {p}Pieces);");
                break;
            case LayerKind.Activation:
                w.Line($"{input}.CopyTo({output});");
                var call = ActivationCalls.Forward(layer, output);
                if (call is not null) w.Line(call);
                break;
            case LayerKind.BatchNorm:
                w.Line($"{KernelsRuntime}.NormalizationKernels.BatchNormInference({input}, {output}, {Param(p, "Gamma", "Units")}, {Param(p, "Beta", "Units")},");
                w.Line($"    {Buffer(p, "RunningMean")}, {Buffer(p, "RunningVariance")}, rows, {p}Units, {p}Epsilon);");
                break;
            case LayerKind.LayerNorm:
                w.Line($"{KernelsRuntime}.NormalizationKernels.LayerNormForward({input}, {output}, default, default, {Param(p, "Gamma", "Units")}, {Param(p, "Beta", "Units")}, rows, {p}Units, {p}Epsilon);");
                break;
        }
    }

    private static string Param(string prefix, string offset, string length) =>
        $"_parameters.AsSpan({prefix}{offset}, {prefix}{length})";

    private static string Gradient(string prefix, string offset, string length) =>
        $"_gradients.AsSpan({prefix}{offset}, {prefix}{length})";

    private static string Buffer(string prefix, string offset) =>
        $"_buffers.AsSpan({prefix}{offset}, {prefix}Units)";

    private static void EmitPredictBatch(SourceWriter w, NetworkPlan plan)
    {
        w.Line("/// <inheritdoc/>");
        using (w.Block("public void PredictBatch(global::System.ReadOnlySpan<float> inputs, global::System.Span<float> outputs, int batchSize)"))
        {
            w.Line("if (batchSize < 0) throw new global::System.ArgumentOutOfRangeException(nameof(batchSize), batchSize, \"The batch size must not be negative.\");");
            w.Line("if (inputs.Length != batchSize * InputSize) ThrowLength(nameof(inputs), batchSize * InputSize, inputs.Length, $\"{batchSize} samples × {InputSize} features\");");
            w.Line("if (outputs.Length != batchSize * OutputSize) ThrowLength(nameof(outputs), batchSize * OutputSize, outputs.Length, $\"{batchSize} samples × {OutputSize} outputs\");");
            var transposes = plan.Layers.Select(TransposeWeights).OfType<string>().ToList();
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
                    if (layer.Kind == LayerKind.Dropout)
                    {
                        w.Line($"// {layer.Name}: identity at inference");
                        continue;
                    }
                    string output = BufferSpan($"_{layer.Field}Output", Rows(layer));
                    if (layer.IsDenseLike)
                    {
                        w.Line($"// {layer.Name}: {layer.Describe()}");
                        w.Line(Product(layer, "ForwardInference"));
                        if (layer.Kind == LayerKind.Dense && KernelPlan.InferenceForward(layer) != layer.Activation)
                            w.Line(ActivationCalls.Forward(layer, output)!);
                        if (layer.Kind == LayerKind.Maxout)
                            w.Line($"{KernelsRuntime}.LayerKernels.MaxoutForward({BufferSpan($"_{layer.Field}Pieces", Rows(layer, "Linear"))}, {output}, rows, {layer.Prefix}Units, {layer.Prefix}Pieces);");
                    }
                    else
                    {
                        EmitInferenceLayer(w, layer, current, output, "");
                    }
                    current = output;
                }
                w.Line($"{current}.CopyTo(outputs.Slice(start * OutputSize));");
            }
            w.Line("_trainingRows = 0; // the shared buffers no longer hold training outputs");
        }
        w.Line();
    }

    private static string Flops(LayerPlan layer) => $"{2L * layer.Inputs * layer.LinearUnits}L";
}
