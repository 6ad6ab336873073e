using System.Linq;
using CompiledNets.Generator.Names;

namespace CompiledNets.Generator.Emit;

/// <summary>
/// The copy of some weights that predictions read in place of the parameters: the bfloat16 copy of the product weights of
/// a network declared with <c>InferenceWeights = WeightPrecision.BFloat16</c>, or the interleaved float32 copy
/// single-sample <c>Predict</c> streams (<see cref="KernelPlan.InterleaveWeights"/>). Here are its field, the statement
/// that brings it up to date before a prediction, and the one that marks it stale wherever the float32 parameters may
/// change. Every member here writes nothing for a network without a copy.
/// </summary>
internal static partial class NetworkEmitter
{
    /// <summary>
    /// The field holding the copy (a <c>BFloat16Weights</c> or an <c>InterleavedWeights</c>): the kernels read from
    /// <c>_inferenceWeights[Dense1WeightBFloat16]</c> or <c>_inferenceWeights[Dense1WeightInterleaved]</c>.
    /// </summary>
    internal const string InferenceWeightsField = "_inferenceWeights";

    /// <summary>
    /// The statement that fills the copy from the float32 weights when they changed since it was last filled
    /// (thread-safe; one comparison when they did not). Every prediction entry point that reads the copy emits it once
    /// before its first product: the interleaved copy is read by single-sample <c>Predict</c> only. Null otherwise.
    /// </summary>
    internal static string? InferenceWeightsRefresh(NetworkPlan plan, bool singleSample)
    {
        var statements = new System.Collections.Generic.List<string>();
        if (plan.InfersInBFloat16 || (singleSample && plan.PredictsFromInterleavedWeights)) statements.Add($"{InferenceWeightsField}.EnsureCurrent(_parameters);");
        if (plan.PredictsByWinograd) statements.Add($"{WinogradWeightsField}.EnsureCurrent(_parameters);");
        return statements.Count == 0 ? null : string.Join(" ", statements);
    }

    /// <summary>The field holding the convolutions' transformed filters (a <c>WinogradWeights</c>), read by both predictions.</summary>
    internal const string WinogradWeightsField = "_winogradWeights";

    /// <summary>The statements (one line) that mark every copy stale, after the float32 weights changed; null without a copy.</summary>
    private static string? InferenceWeightsChanged(NetworkPlan plan) =>
        plan.HasWeightCopy ? $"{MarkCopiesStale(plan)} // predictions fill the copy from the changed weights again" : null;

    private static string MarkCopiesStale(NetworkPlan plan) => string.Join(" ",
        new[] { plan.HasInferenceWeightCopy ? $"{InferenceWeightsField}.MarkStale();" : null, plan.PredictsByWinograd ? $"{WinogradWeightsField}.MarkStale();" : null }
            .Where(s => s is not null));

    private static void EmitInferenceWeightsField(SourceWriter w, NetworkPlan plan)
    {
        if (plan.PredictsByWinograd) EmitWinogradWeightsField(w, plan);
        EmitProductWeightsField(w, plan);
    }

    private static void EmitWinogradWeightsField(SourceWriter w, NetworkPlan plan)
    {
        var layers = plan.Layers.Where(l => l.PredictsByWinograd).ToList();
        var (verb, their) = layers.Count == 1 ? ("predicts", "its") : ("predict", "their");
        w.Line($"// {string.Join(", ", layers.Select(l => l.Name))} {verb} by Winograd's F(4x4, 3x3), from {their} filters transformed ({Literal.Grouped(plan.WinogradWeightCount)} floats,");
        w.Line("// 36 per filter and channel). The float32 parameters stay the master copy; the first prediction after they change");
        w.Line("// (an optimizer step, or taking Parameters) transforms them again.");
        EmitCopyField(w, RuntimeNames.WinogradWeights, WinogradWeightsField, layers.Select(layer => $"new({layer.Prefix}Weight, {layer.Prefix}WeightWinograd, {layer.Prefix}Filters, {Layers.Conv2DLayer.Geometry(layer).Channels}),"));
    }

    /// <summary>A copy's field: <c>new(new Range[] { ... })</c>, one range a line.</summary>
    private static void EmitCopyField(SourceWriter w, string type, string field, System.Collections.Generic.IEnumerable<string> ranges)
    {
        w.Line($"private readonly {type} {field} = new(new {type}.Range[]");
        w.Line("{");
        w.Indent();
        foreach (var range in ranges) w.Line(range);
        w.Outdent();
        w.Line("});");
        w.Line();
    }

    private static void EmitProductWeightsField(SourceWriter w, NetworkPlan plan)
    {
        if (plan.PredictsFromInterleavedWeights)
        {
            EmitInterleavedWeightsField(w, plan);
            return;
        }
        if (!plan.InfersInBFloat16) return;
        var layers = plan.Layers.Where(l => l.InfersInBFloat16).ToList();
        w.Line($"// Predictions read a bfloat16 copy of {string.Join(", ", layers.Select(l => l.Name + ".weight"))} ({Literal.Grouped(plan.BFloat16WeightCount)} values, each tensor");
        w.Line("// 64-byte aligned): half the bytes of the float32 weights, which stay the master copy. It is narrowed again by the");
        w.Line("// first prediction after the weights change (an optimizer step, or taking Parameters), so training never pays for it.");
        EmitCopyField(w, RuntimeNames.BFloat16Weights, InferenceWeightsField, layers.Select(layer => $"new({layer.Prefix}Weight, {layer.Prefix}WeightBFloat16, {layer.LinearConstant} * {layer.Prefix}Inputs),"));
    }

    private static void EmitInterleavedWeightsField(SourceWriter w, NetworkPlan plan)
    {
        var layers = plan.Layers.Where(l => l.PredictsFromInterleavedWeights).ToList();
        w.Line($"// Predict reads {string.Join(", ", layers.Select(l => l.Name + ".weight"))} from a copy ({Literal.Grouped(plan.InterleavedWeightCount)} floats) with each tile of 4 rows");
        w.Line("// interleaved by vector: one stream from L2 where the parameters' rows are four. The float32 parameters stay the");
        w.Line("// master copy; the first Predict after they change (an optimizer step, or taking Parameters) fills it again.");
        EmitCopyField(w, RuntimeNames.InterleavedWeights, InferenceWeightsField, layers.Select(layer => $"new({layer.Prefix}Weight, {layer.Prefix}WeightInterleaved, {layer.LinearConstant}, {layer.Prefix}Inputs),"));
    }

    /// <summary>
    /// <c>Parameters</c>: the span itself, or for a network with a copy of its weights the span after marking the copy stale,
    /// since whoever takes it may write through it (<c>Load</c>, restoring the best weights, averaging replicas).
    /// </summary>
    private static void EmitParametersProperty(SourceWriter w, NetworkPlan plan)
    {
        w.Line("/// <inheritdoc/>");
        if (!plan.HasWeightCopy)
        {
            w.Line("public global::System.Span<float> Parameters => _parameters;");
            return;
        }
        if (plan.InfersInBFloat16)
        {
            w.Line($"public {Runtime}.WeightPrecision InferenceWeights => {Runtime}.WeightPrecision.BFloat16;");
            w.Line("/// <inheritdoc/>");
        }
        w.Line("/// <remarks>");
        w.Line(plan.InfersInBFloat16
            ? "/// Predictions read a bfloat16 copy of the weights, narrowed again after each change. A write through this span is"
            : plan.PredictsFromInterleavedWeights
                ? "/// Predict reads a copy of the larger weights in the order it streams them, filled again after each change. A write through this span is"
                : "/// Predictions read the convolutions' filters transformed for Winograd, transformed again after each change. A write through this span is");
        w.Line("/// seen by the predictions made after the span was taken: take it again after a prediction before writing more.");
        w.Line("/// </remarks>");
        using (w.Block("public global::System.Span<float> Parameters"))
        {
            using (w.Block("get"))
            {
                w.Line($"{MarkCopiesStale(plan)} // the caller may write through the span");
                w.Line("return _parameters;");
            }
        }
    }
}
