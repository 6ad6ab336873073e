using System.Collections.Generic;
using CompiledNets.Generator.Emit;
using CompiledNets.Generator.Model;
using CompiledNets.Generator.Parsing;
using static CompiledNets.Generator.Emit.Code;

namespace CompiledNets.Generator.Layers;

/// <summary>The settings of <c>[Flatten]</c> (none).</summary>
internal sealed record FlattenSpec : LayerSpec
{
    public override LayerKind Kind => FlattenLayer.Instance;
}

/// <summary>
/// <c>[C, H, W]</c> to <c>[C·H·W]</c>, as <c>torch.flatten(x, 1)</c>. Samples are stored channel, row, column already, so
/// the values do not move: inference passes them through, training copies them (and its gradient passes back unchanged).
/// </summary>
internal sealed class FlattenLayer : LayerKind
{
    public static readonly FlattenLayer Instance = new();

    private FlattenLayer()
    {
    }

    public override string AttributeName => "FlattenAttribute";

    public override string Identifier => "Flatten";

    public override LayerSpec Read(LayerAttribute attribute) => new FlattenSpec();

    /// <summary>Any rank: flattening a vector changes nothing, as in Keras and PyTorch.</summary>
    public override int RequiredInputRank => 0;

    public override Shape OutputShape(LayerSpec spec, Shape input) => Shape.Flat((int)input.Size);

    public override bool IdentityAtInference => true;

    public override string Describe(LayerPlan layer) => "Flatten";

    public override IEnumerable<TrainingStep> TrainingForwardSteps(NetworkPlan plan, LayerPlan layer)
    {
        string input = plan.TrainingInput(layer.Index), units = $"{layer.Prefix}Units";
        yield return TrainingStep.PerSample((w, range) =>
            w.Line($"{range.Span(input, plan.TrainingInputSize(layer.Index))}.CopyTo({range.Span($"_{layer.Field}Output", units)});"),
            0, 2L * layer.Units);
    }

    /// <summary>None: the values did not move, so the gradient passes back as it is.</summary>
    public override IEnumerable<TrainingStep> BackwardSteps(NetworkPlan plan, LayerPlan layer)
    {
        yield break;
    }

    /// <summary>Never called: the inference passes skip a layer that is the identity there.</summary>
    public override void EmitInference(SourceWriter w, LayerPlan layer, string input, string output, string scratch) =>
        throw new System.InvalidOperationException("Flatten is the identity at inference; the passes skip it.");
}
