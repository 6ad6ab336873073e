using System.Collections.Generic;
using System.Linq;
using CompiledNets.Generator.Model;
using CompiledNets.Generator.Names;
using static CompiledNets.Generator.Emit.Code;

namespace CompiledNets.Generator.Emit;

/// <summary>
/// Single-sample <c>Predict</c> across cores for networks with wide layers: the rows live in one per-network buffer
/// (guarded so one call at a time uses it; the others take the stack path), and each wide layer's outputs are split
/// over the pool. The kernels are the stack path's, so both paths give bitwise identical results.
/// </summary>
internal static partial class NetworkEmitter
{
    private static string PredictRow(int offset, string length) => $"_predictRows.AsSpan({offset}, {length})";

    /// <summary>
    /// The constant naming a layer's input width: <c>Dense2Inputs</c> for the kinds built on a product, else the previous
    /// layer's <c>Units</c> (every kind names its output width so; only the product kinds name their inputs).
    /// </summary>
    private static string InputLength(NetworkPlan plan, LayerPlan layer) =>
        layer.Index == 0 ? "InputSize" : layer.Kind.IsProduct ? $"{layer.Prefix}Inputs" : $"{plan.Layers[layer.Index - 1].Prefix}Units";

    private static void EmitPredictAcrossCores(SourceWriter w, NetworkPlan plan)
    {
        var offsets = PredictRows.Offsets(plan);
        w.Line("/// <summary>Predict with the wide layers split across the pool; the caller holds <c>_predictBusy</c>.</summary>");
        using (w.Block("private void PredictAcrossCores(global::System.ReadOnlySpan<float> input, global::System.Span<float> output)"))
        {
            bool usesRows = plan.Layers.Any(l => !KernelPlan.SplitsPredict(plan, l) && !l.Kind.IdentityAtInference && l.Kind.InferenceUsesRows(l));
            if (usesRows) w.Line("const int rows = 1;");
            w.Line("input.CopyTo(_predictRows);");
            foreach (var layer in plan.Layers)
            {
                var (from, to) = offsets[layer.Index];
                if (layer.Kind.IdentityAtInference)
                {
                    w.Line($"// {layer.Name}: identity at inference");
                    continue;
                }
                if (KernelPlan.SplitsPredict(plan, layer))
                {
                    w.Line($"// {layer.Name}: {layer.Describe()}, its outputs split across the pool (all on this thread while another caller holds it)");
                    w.Line($"if (!_pool!.TryRun(_{layer.Field}ForwardPredict, _pool.BalancedParts)) {layer.Prefix}ForwardPredict(0, {layer.Prefix}Units);");
                }
                else
                {
                    EmitInferenceLayer(w, layer, PredictRow(from, InputLength(plan, layer)), PredictRow(to, $"{layer.Prefix}Units"), "");
                }
            }
            var lastOffset = offsets[plan.Last.Index].Output;
            w.Line($"{PredictRow(lastOffset, "OutputSize")}.CopyTo(output);");
        }
        w.Line();
    }
}
