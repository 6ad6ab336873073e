using System.Collections.Generic;
using System.Linq;
using CompiledNets.Generator.Model;
using CompiledNets.Generator.Names;
using static CompiledNets.Generator.Emit.Code;

namespace CompiledNets.Generator.Emit;

/// <summary>Single-sample inference: <c>Predict</c> on the stack (or a per-thread buffer), and by inputs for graphs.</summary>
internal static partial class NetworkEmitter
{
    // ------------------------------------------------------------------ inference

    private static void EmitPredict(SourceWriter w, NetworkPlan plan)
    {
        if (!KernelPlan.PredictScratchOnStack(plan))
        {
            w.Line("[global::System.ThreadStatic]");
            w.Line($"private static {RuntimeNames.AlignedFloats}? t_predictScratch; // aligned like the batch buffers");
            w.Line();
        }
        w.Line("/// <inheritdoc/>");
        using (w.Block("public void Predict(global::System.ReadOnlySpan<float> input, global::System.Span<float> output)"))
        {
            w.Line("if (input.Length != InputSize) ThrowLength(nameof(input), InputSize, input.Length, \"one sample of InputSize features\");");
            w.Line("if (output.Length != OutputSize) ThrowLength(nameof(output), OutputSize, output.Length, \"OutputSize values\");");
            if (InferenceWeightsRefresh(plan, singleSample: true) is { } refresh) w.Line(refresh);
            if (KernelPlan.PredictsInSampleLanes(plan))
                SampleLaneEmitter.EmitPredictCall(w);
            else
                EmitPredictBody(w, plan);
        }
        w.Line();
        if (KernelPlan.PredictsAcrossCores(plan)) EmitPredictAcrossCores(w, plan);
        if (plan.Graph is { SplitsInputs: true } graph) EmitPredictByInputs(w, graph);
    }

    /// <summary>Predict with one span per declared input, joined into a row of this thread's own.</summary>
    private static void EmitPredictByInputs(SourceWriter w, GraphPlan graph)
    {
        var names = graph.Inputs.Select(i => Microsoft.CodeAnalysis.CSharp.SyntaxFacts.GetKeywordKind(i.Name) == Microsoft.CodeAnalysis.CSharp.SyntaxKind.None ? i.Name : "@" + i.Name).ToList();
        string output = graph.Inputs.Any(i => i.Name == "output") ? "prediction" : "output";
        w.Line("[global::System.ThreadStatic]");
        w.Line("private static float[]? t_inputRow;");
        w.Line();
        w.Line($"/// <summary>One sample, given input by input ({string.Join(", ", graph.Inputs.Select(i => $"{i.Name} {i.Shape}"))}); as <see cref=\"Predict(global::System.ReadOnlySpan{{float}}, global::System.Span{{float}})\"/> on their concatenation.</summary>");
        string parameters = string.Join(", ", names.Select(n => $"global::System.ReadOnlySpan<float> {n}"));
        using (w.Block($"public void Predict({parameters}, global::System.Span<float> {output})"))
        {
            for (int k = 0; k < names.Count; k++)
            {
                string size = graph.InputSizeConstant(k);
                w.Line($"if ({names[k]}.Length != {size}) ThrowLength(nameof({names[k]}), {size}, {names[k]}.Length, \"one sample of input '{graph.Inputs[k].Name}'\");");
            }
            w.Line("float[] row = t_inputRow ??= new float[InputSize];");
            for (int k = 0; k < names.Count; k++)
                w.Line($"{names[k]}.CopyTo(new global::System.Span<float>(row, {Literal.Int(graph.InputOffsets[k])}, {graph.InputSizeConstant(k)}));");
            w.Line($"Predict(row, {output});");
        }
        w.Line();
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
        if (plan.Graph is not null)
        {
            EmitGraphPredictBody(w, plan, plan.Graph);
            return;
        }
        bool hasScratch = plan.WidestScratch > 0;
        int scratch = KernelPlan.PredictScratch(plan);
        bool onStack = KernelPlan.PredictScratchOnStack(plan);
        w.Line(onStack
            ? "// Thread-safe: intermediate rows live on this call's stack; each weight row is streamed once."
            : $"// Thread-safe: intermediate rows ({scratch} floats, too many for the stack) live in a buffer of this thread's own.");
        if (UsesRows(plan.Layers)) w.Line("const int rows = 1;");
        if (!onStack) w.Line($"global::System.Span<float> scratch = t_predictScratch ??= new {RuntimeNames.AlignedFloats}({scratch});");
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
            if (PoolFusion.EmitPooledInWinograd(w, layer)) continue;
            var written = PoolFusion.InferenceOutputLayer(layer);
            string destination = written.IsLast ? "output" : $"{(pingPong++ % 2 == 0 ? "rowA" : "rowB")}.Slice(0, {written.Prefix}Units)";
            EmitInferenceLayer(w, layer, input, destination, "layerScratch");
            input = destination;
        }
    }

    /// <summary>Predict of a graph: every value it computes keeps a row of its own, since any later layer may read it.</summary>
    private static void EmitGraphPredictBody(SourceWriter w, NetworkPlan plan, GraphPlan graph)
    {
        int scratch = KernelPlan.PredictScratch(plan);
        bool onStack = KernelPlan.PredictScratchOnStack(plan);
        w.Line(onStack
            ? "// Thread-safe: every value's row lives on this call's stack."
            : $"// Thread-safe: the values' rows ({scratch} floats, too many for the stack) live in a buffer of this thread's own.");
        if (UsesRows(plan.Layers.Where(graph.Predicts))) w.Line("const int rows = 1;");
        if (scratch > 0)
            w.Line(onStack ? $"global::System.Span<float> scratch = stackalloc float[{scratch}];" : $"global::System.Span<float> scratch = t_predictScratch ??= new {RuntimeNames.AlignedFloats}({scratch});");
        int offset = 0;
        if (plan.WidestScratch > 0)
        {
            w.Line($"global::System.Span<float> layerScratch = scratch.Slice(0, {Literal.Int(plan.WidestScratch)});");
            offset = plan.WidestScratch;
        }
        string Value(int value)
        {
            value = graph.InferenceValue(value);
            if (!ValueRef.IsInput(value)) return $"{plan.Layers[value].Field}Row";
            int k = ValueRef.InputIndex(value);
            return graph.SplitsInputs ? $"input.Slice({Literal.Int(graph.InputOffsets[k])}, {graph.InputSizeConstant(k)})" : "input";
        }
        foreach (var layer in plan.Layers)
        {
            if (!graph.Predicts(layer)) continue;
            string destination = "output";
            if (!layer.IsLast)
            {
                destination = $"{layer.Field}Row";
                w.Line($"global::System.Span<float> {destination} = scratch.Slice({Literal.Int(offset)}, {layer.Prefix}Units);");
                offset += layer.Units;
            }
            w.Line($"// {layer.Name}: {layer.Describe()}");
            layer.Kind.EmitInference(w, layer, layer.Sources.Select(Value).ToList(), destination, "layerScratch");
        }
        if (!graph.Predicts(plan.Last))
            w.Line($"{Value(plan.Last.Index)}.CopyTo(output); // {plan.Last.Name} is the identity at inference");
    }

    /// <summary>Whether the inference code of any of <paramref name="layers"/> reads the local <c>rows</c> (the identity layers emit none).</summary>
    private static bool UsesRows(IEnumerable<LayerPlan> layers) =>
        layers.Any(l => !l.Kind.IdentityAtInference && l.Kind.InferenceUsesRows(l));

    /// <summary>One layer in inference mode from span <paramref name="input"/> to span <paramref name="output"/> (<c>rows</c> samples).</summary>
    private static void EmitInferenceLayer(SourceWriter w, LayerPlan layer, string input, string output, string layerScratch)
    {
        w.Line($"// {layer.Name}: {layer.Describe()}");
        layer.Kind.EmitInference(w, layer, input, output, layerScratch);
    }
}
