using System.Collections.Generic;
using CompiledNets.Generator.Emit;
using CompiledNets.Generator.Model;
using CompiledNets.Generator.Parsing;
using static CompiledNets.Generator.Emit.Code;
using static CompiledNets.Generator.Names.RuntimeNames;

namespace CompiledNets.Generator.Layers;

/// <summary>The settings of <c>[Dropout(rate)]</c>.</summary>
internal sealed record DropoutSpec(float Rate) : LayerSpec
{
    public override LayerKind Kind => DropoutLayer.Instance;
}

/// <summary>
/// Inverted dropout: in training each value is zeroed with probability <c>rate</c> and the rest scaled by
/// <c>1 / (1 - rate)</c>, with a mask drawn from the network's seeded stream; at inference the identity.
/// </summary>
internal sealed class DropoutLayer : LayerKind
{
    public static readonly DropoutLayer Instance = new();

    private DropoutLayer()
    {
    }

    public override string AttributeName => "DropoutAttribute";

    public override string Identifier => "Dropout";

    private static DropoutSpec Settings(LayerSpec spec) => (DropoutSpec)spec;

    public override LayerSpec Read(LayerAttribute attribute)
    {
        float rate = attribute.Arguments.Float(0, 0f);
        // !(x >= 0 && x < 1) also catches NaN.
        if (!(rate >= 0 && rate < 1))
            attribute.Report(Diagnostics.InvalidHyperparameter, attribute.Owner("Dropout"), "rate", NetworkParser.Format(rate), "in [0, 1)", "0.2f");
        return new DropoutSpec(rate);
    }

    public override bool IdentityAtInference => true;

    public override bool DrawsMasks => true;

    public override string Describe(LayerPlan layer) => $"Dropout({Rate(layer)})";

    public override string SummaryDetail(LayerPlan layer) => $"rate {Rate(layer)}";

    private static string Rate(LayerPlan layer) => Settings(layer.Spec).Rate.ToString("R", System.Globalization.CultureInfo.InvariantCulture);

    public override void EmitConstants(SourceWriter w, NetworkPlan plan, LayerPlan layer) =>
        w.Line($"private const float {layer.Prefix}Rate = {Literal.Float(Settings(layer.Spec).Rate)};");

    protected override IEnumerable<ScratchBuffer> TrainingScratch(NetworkPlan plan, LayerPlan layer)
    {
        yield return new ScratchBuffer($"_{layer.Field}Mask", $"maxBatchSize * {layer.Prefix}Units", $"[MaxBatchSize, {layer.Units}] 0 or 1 / (1 - rate)");
    }

    public override void EmitTrainingForward(SourceWriter w, NetworkPlan plan, LayerPlan layer)
    {
        string input = BufferSpan(plan.TrainingInput(layer.Index), plan.TrainingInputRows(layer.Index));
        w.Line($"{LayerKernels}.DropoutTraining({input}, {BufferSpan($"_{layer.Field}Output", Rows(layer))}, {BufferSpan($"_{layer.Field}Mask", Rows(layer))}, {layer.Prefix}Rate, ref _dropoutRandom);");
    }

    /// <summary>The mask drawn in the forward pass applied to each sample's gradient: per sample (the drawing is not).</summary>
    public override IEnumerable<TrainingStep> BackwardSteps(NetworkPlan plan, LayerPlan layer)
    {
        string units = $"{layer.Prefix}Units";
        yield return TrainingStep.PerSample((w, range) =>
            w.Line($"{LayerKernels}.DropoutBackward({range.Span(layer.Delta, units)}, {range.Span($"_{layer.Field}Mask", units)});"),
            0, 2L * layer.Units, new SharedRows(layer.Delta, layer.Units));
    }

    /// <summary>Never called: the inference passes skip a layer that is the identity there.</summary>
    public override void EmitInference(SourceWriter w, LayerPlan layer, string input, string output, string scratch) =>
        throw new System.InvalidOperationException("Dropout is the identity at inference; the passes skip it.");
}
