using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using CompiledNets.Generator.Emit;
using CompiledNets.Generator.Model;
using CompiledNets.Generator.Parsing;
using static CompiledNets.Generator.Emit.Code;
using static CompiledNets.Generator.Names.RuntimeNames;

namespace CompiledNets.Generator.Layers;

/// <summary>The settings of <c>[LayerNorm]</c>.</summary>
internal sealed record LayerNormSpec(float Epsilon) : LayerSpec
{
    public override LayerKind Kind => LayerNormLayer.Instance;
}

/// <summary>Layer normalisation over each sample's values, as PyTorch's <c>LayerNorm</c>: the same in training and inference. Parameters gamma and beta.</summary>
internal sealed class LayerNormLayer : LayerKind
{
    public static readonly LayerNormLayer Instance = new();

    private LayerNormLayer()
    {
    }

    public override string AttributeName => "LayerNormAttribute";

    public override string Identifier => "LayerNorm";

    private static LayerNormSpec Settings(LayerSpec spec) => (LayerNormSpec)spec;

    public override LayerSpec Read(LayerAttribute attribute)
    {
        float epsilon = attribute.Arguments.NamedFloat("Epsilon", 1e-5f);
        attribute.CheckEpsilon(attribute.Owner("LayerNorm"), epsilon);
        return new LayerNormSpec(epsilon);
    }

    public override long ParameterCount(LayerSpec spec, Shape input) => 2 * input.Size;

    private static string Settings(LayerPlan layer)
    {
        float epsilon = Settings(layer.Spec).Epsilon;
        return epsilon != 1e-5f ? "eps " + epsilon.ToString("R", CultureInfo.InvariantCulture) : "";
    }

    public override string Describe(LayerPlan layer) => Settings(layer).Length == 0 ? "LayerNorm" : $"LayerNorm({Settings(layer)})";

    public override string SummaryDetail(LayerPlan layer) => Settings(layer);

    public override string LayoutComment(LayerPlan layer) => $"; gamma, beta [{layer.Units}] at {layer.WeightOffset}";

    public override void EmitConstants(SourceWriter w, NetworkPlan plan, LayerPlan layer)
    {
        w.Line($"private const int {layer.Prefix}Gamma = {layer.WeightOffset};");
        w.Line($"private const int {layer.Prefix}Beta = {layer.WeightOffset + layer.Units};");
        w.Line($"private const float {layer.Prefix}Epsilon = {Literal.Float(Settings(layer.Spec).Epsilon)};");
    }

    public override IEnumerable<string> TensorEntries(LayerPlan layer)
    {
        string p = layer.Prefix;
        // Elementwise over a sample: [features], or [C, H, W] as PyTorch's LayerNorm([C, H, W]).
        string shape = layer.InputShape.IsImage ? string.Join(", ", layer.InputShape.Dimensions.Select(Literal.Int)) : $"{p}Units";
        yield return $"new(\"{layer.Name}.gamma\", new[] {{ {shape} }}, {Runtime}.TensorStorage.Parameters, {p}Gamma)";
        yield return $"new(\"{layer.Name}.beta\", new[] {{ {shape} }}, {Runtime}.TensorStorage.Parameters, {p}Beta)";
    }

    protected override IEnumerable<ScratchBuffer> TrainingScratch(NetworkPlan plan, LayerPlan layer)
    {
        yield return new ScratchBuffer($"_{layer.Field}Normalized", $"maxBatchSize * {layer.Prefix}Units", $"[MaxBatchSize, {layer.Units}] normalised inputs");
        yield return new ScratchBuffer($"_{layer.Field}InverseStd", "maxBatchSize", "[MaxBatchSize] 1 / sqrt(variance + eps) per sample");
    }

    public override void EmitInitialization(SourceWriter w, LayerPlan layer) => w.Line($"{Param(layer.Prefix, "Gamma", "Units")}.Fill(1f);");

    public override void EmitTrainingForward(SourceWriter w, NetworkPlan plan, LayerPlan layer)
    {
        string p = layer.Prefix;
        string input = BufferSpan(plan.TrainingInput(layer.Index), plan.TrainingInputRows(layer.Index));
        w.Line($"{NormalizationKernels}.LayerNormForward({input}, {BufferSpan($"_{layer.Field}Output", Rows(layer))}, {BufferSpan($"_{layer.Field}Normalized", Rows(layer))}, _{layer.Field}InverseStd,");
        w.Line($"    {Param(p, "Gamma", "Units")}, {Param(p, "Beta", "Units")}, rows, {p}Units, {p}Epsilon);");
    }

    public override void EmitBackward(SourceWriter w, NetworkPlan plan, LayerPlan layer)
    {
        string p = layer.Prefix;
        w.Line($"{NormalizationKernels}.LayerNormBackward({BufferSpan(layer.Delta, Rows(layer))}, {BufferSpan($"_{layer.Field}Normalized", Rows(layer))}, _{layer.Field}InverseStd, {Param(p, "Gamma", "Units")},");
        w.Line($"    {Gradient(p, "Gamma", "Units")}, {Gradient(p, "Beta", "Units")}, rows, {p}Units);");
    }

    public override bool InferenceUsesRows(LayerPlan layer) => true;

    public override void EmitInference(SourceWriter w, LayerPlan layer, string input, string output, string scratch) =>
        w.Line($"{NormalizationKernels}.LayerNormForward({input}, {output}, default, default, {Param(layer.Prefix, "Gamma", "Units")}, {Param(layer.Prefix, "Beta", "Units")}, rows, {layer.Prefix}Units, {layer.Prefix}Epsilon);");
}
