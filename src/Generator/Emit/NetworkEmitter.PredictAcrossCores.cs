using System.Collections.Generic;
using System.Linq;
using CompiledNets.Generator.Model;

namespace CompiledNets.Generator.Emit;

/// <summary>
/// Single-sample <c>Predict</c> across cores for networks with wide layers: the rows live in one per-network buffer
/// (guarded so one call at a time uses it; the others take the stack path), and each wide layer's outputs are split
/// over the pool. The kernels are the stack path's, so both paths give bitwise identical results.
/// </summary>
internal static partial class NetworkEmitter
{
    /// <summary>Floats of one row slot in <c>_predictRows</c>: the widest layer output.</summary>
    private static int PredictRowWidth(NetworkPlan plan) => System.Math.Max(plan.WidestHidden, plan.OutputSize);

    /// <summary>Where each layer reads and writes in <c>_predictRows</c>: the input at 0, then two slots in turn (dropout passes through).</summary>
    private static Dictionary<int, (int Input, int Output)> PredictRowOffsets(NetworkPlan plan)
    {
        var offsets = new Dictionary<int, (int, int)>();
        int width = PredictRowWidth(plan), current = 0, slot = 0;
        foreach (var layer in plan.Layers)
        {
            if (layer.Kind == LayerKind.Dropout)
            {
                offsets[layer.Index] = (current, current);
                continue;
            }
            int next = plan.Spec.Inputs + (slot++ % 2) * width;
            offsets[layer.Index] = (current, next);
            current = next;
        }
        return offsets;
    }

    private static string PredictRow(int offset, string length) => $"_predictRows.AsSpan({offset}, {length})";

    /// <summary>
    /// The constant naming a layer's input width: <c>Dense2Inputs</c> for the kinds built on a product, else the previous
    /// layer's <c>Units</c> (every kind names its output width so; only the product kinds name their inputs).
    /// </summary>
    private static string InputLength(NetworkPlan plan, LayerPlan layer) =>
        layer.Index == 0 ? "InputSize" : layer.IsDenseLike ? $"{layer.Prefix}Inputs" : $"{plan.Layers[layer.Index - 1].Prefix}Units";

    private static void EmitPredictAcrossCores(SourceWriter w, NetworkPlan plan)
    {
        var offsets = PredictRowOffsets(plan);
        w.Line("/// <summary>Predict with the wide layers split across the pool; the caller holds <c>_predictBusy</c>.</summary>");
        using (w.Block("private void PredictAcrossCores(global::System.ReadOnlySpan<float> input, global::System.Span<float> output)"))
        {
            bool usesRows = plan.Layers.Any(l => (l.Kind == LayerKind.Dense && !KernelPlan.SplitsPredict(l)) || l.Kind is LayerKind.BatchNorm or LayerKind.LayerNorm);
            if (usesRows) w.Line("const int rows = 1;");
            w.Line("input.CopyTo(_predictRows);");
            foreach (var layer in plan.Layers)
            {
                var (from, to) = offsets[layer.Index];
                if (layer.Kind == LayerKind.Dropout)
                {
                    w.Line($"// {layer.Name}: identity at inference");
                    continue;
                }
                if (KernelPlan.SplitsPredict(layer))
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

    /// <summary>The part method of a split layer: outputs [first, last) of one sample, between row slots.</summary>
    private static void EmitPredictPart(SourceWriter w, NetworkPlan plan, LayerPlan layer)
    {
        var (from, to) = PredictRowOffsets(plan)[layer.Index];
        using (w.Block($"private void {layer.Prefix}ForwardPredict(int first, int last)"))
        {
            w.Line($"{KernelClass}.{DenseKernelEmitter.ForwardName(layer.Inputs, layer.Units, layer.Activation, layer.Spec.Alpha)}(ref _predictRows[{from}], ref _parameters[{layer.Prefix}Weight], ref _parameters[{layer.Prefix}Bias], ref _predictRows[{to}], 1, first, last);");
        }
    }
}
