using System.Linq;
using CompiledNets.Generator.Names;

namespace CompiledNets.Generator.Emit;

/// <summary>
/// The bfloat16 copy of the product weights that a network declared with <c>InferenceWeights = WeightPrecision.BFloat16</c>
/// predicts from: its field, the statement that brings it up to date before a prediction, and the one that marks it
/// stale wherever the float32 parameters may change. Every member here writes nothing for float32 networks.
/// </summary>
internal static partial class NetworkEmitter
{
    /// <summary>The field holding the copy (a <c>BFloat16Weights</c>): the bfloat16 kernels read from <c>_inferenceWeights[Dense1WeightBFloat16]</c>.</summary>
    internal const string InferenceWeightsField = "_inferenceWeights";

    /// <summary>
    /// The statement that narrows the float32 weights into the bfloat16 copy when they changed since it was last made
    /// (thread-safe; one comparison when they did not). Every prediction entry point emits it once before its first
    /// product. Null for networks that predict from float32 weights.
    /// </summary>
    internal static string? InferenceWeightsRefresh(NetworkPlan plan) =>
        plan.InfersInBFloat16 ? $"{InferenceWeightsField}.EnsureCurrent(_parameters);" : null;

    /// <summary>The statement that marks the copy stale, after the float32 weights changed; null for float32 networks.</summary>
    private static string? InferenceWeightsChanged(NetworkPlan plan) =>
        plan.InfersInBFloat16 ? $"{InferenceWeightsField}.MarkStale(); // predictions narrow the changed weights again" : null;

    private static void EmitInferenceWeightsField(SourceWriter w, NetworkPlan plan)
    {
        if (!plan.InfersInBFloat16) return;
        var layers = plan.Layers.Where(l => l.InfersInBFloat16).ToList();
        w.Line($"// Predictions read a bfloat16 copy of {string.Join(", ", layers.Select(l => l.Name + ".weight"))} ({Literal.Grouped(plan.BFloat16WeightCount)} values, each tensor");
        w.Line("// 64-byte aligned): half the bytes of the float32 weights, which stay the master copy. It is narrowed again by the");
        w.Line("// first prediction after the weights change (an optimizer step, or taking Parameters), so training never pays for it.");
        w.Line($"private readonly {RuntimeNames.BFloat16Weights} {InferenceWeightsField} = new(new {RuntimeNames.BFloat16Weights}.Range[]");
        w.Line("{");
        w.Indent();
        foreach (var layer in layers)
            w.Line($"new({layer.Prefix}Weight, {layer.Prefix}WeightBFloat16, {layer.LinearConstant} * {layer.Prefix}Inputs),");
        w.Outdent();
        w.Line("});");
        w.Line();
    }

    /// <summary>
    /// <c>Parameters</c>: the span itself, or for a bfloat16-inference network the span after marking the copy stale, since
    /// whoever takes it may write through it (<c>Load</c>, restoring the best weights, averaging replicas).
    /// </summary>
    private static void EmitParametersProperty(SourceWriter w, NetworkPlan plan)
    {
        w.Line("/// <inheritdoc/>");
        if (!plan.InfersInBFloat16)
        {
            w.Line("public global::System.Span<float> Parameters => _parameters;");
            return;
        }
        w.Line($"public {Runtime}.WeightPrecision InferenceWeights => {Runtime}.WeightPrecision.BFloat16;");
        w.Line("/// <inheritdoc/>");
        w.Line("/// <remarks>");
        w.Line("/// Predictions read a bfloat16 copy of the weights, narrowed again after each change. A write through this span is");
        w.Line("/// seen by the predictions made after the span was taken: take it again after a prediction before writing more.");
        w.Line("/// </remarks>");
        using (w.Block("public global::System.Span<float> Parameters"))
        {
            using (w.Block("get"))
            {
                w.Line($"{InferenceWeightsField}.MarkStale(); // the caller may write through the span");
                w.Line("return _parameters;");
            }
        }
    }
}
