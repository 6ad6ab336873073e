using System.Collections.Generic;
using System.Globalization;
using CompiledNets.Generator.Emit;
using CompiledNets.Generator.Model;
using CompiledNets.Generator.Parsing;
using static CompiledNets.Generator.Emit.Code;
using static CompiledNets.Generator.Names.RuntimeNames;

namespace CompiledNets.Generator.Layers;

/// <summary>The settings of <c>[BatchNorm]</c>.</summary>
internal sealed record BatchNormSpec(float Momentum, float Epsilon) : LayerSpec
{
    public override LayerKind Kind => BatchNormLayer.Instance;
}

/// <summary>
/// Batch normalisation per feature, as PyTorch's <c>BatchNorm1d</c>: training normalises with the batch's statistics and
/// moves the running mean and (unbiased) variance by <c>momentum</c>; inference uses the running statistics. Parameters
/// gamma and beta, buffers running mean and variance.
/// </summary>
internal sealed class BatchNormLayer : LayerKind
{
    public static readonly BatchNormLayer Instance = new();

    private BatchNormLayer()
    {
    }

    public override string AttributeName => "BatchNormAttribute";

    public override string Identifier => "BatchNorm";

    private static BatchNormSpec Settings(LayerSpec spec) => (BatchNormSpec)spec;

    public override LayerSpec Read(LayerAttribute attribute)
    {
        float momentum = attribute.Arguments.NamedFloat("Momentum", 0.1f);
        float epsilon = attribute.Arguments.NamedFloat("Epsilon", 1e-5f);
        string owner = attribute.Owner("BatchNorm");
        if (!(momentum > 0 && momentum <= 1))
            attribute.Report(Diagnostics.InvalidHyperparameter, owner, "Momentum", NetworkParser.Format(momentum), "in (0, 1]", "0.1f");
        attribute.CheckEpsilon(owner, epsilon);
        return new BatchNormSpec(momentum, epsilon);
    }

    public override long ParameterCount(LayerSpec spec, long input) => 2 * input;

    public override long BufferCount(LayerSpec spec, long input) => 2 * input;

    public override string Describe(LayerPlan layer) => Settings(layer).Length == 0 ? "BatchNorm" : $"BatchNorm({Settings(layer)})";

    public override string SummaryDetail(LayerPlan layer) => Settings(layer);

    /// <summary>Settings that differ from the defaults: <c>eps 0.001, momentum 0.2</c> (empty when none do).</summary>
    private static string Settings(LayerPlan layer)
    {
        var spec = Settings(layer.Spec);
        var parts = new List<string>();
        if (spec.Epsilon != 1e-5f) parts.Add("eps " + spec.Epsilon.ToString("R", CultureInfo.InvariantCulture));
        if (spec.Momentum != 0.1f) parts.Add("momentum " + spec.Momentum.ToString("R", CultureInfo.InvariantCulture));
        return string.Join(", ", parts);
    }

    public override string LayoutComment(LayerPlan layer) =>
        $"; gamma, beta [{layer.Units}] at {layer.WeightOffset}; running mean, variance [{layer.Units}] at buffer {layer.BufferOffset}";

    public override void EmitConstants(SourceWriter w, LayerPlan layer)
    {
        var spec = Settings(layer.Spec);
        w.Line($"private const int {layer.Prefix}Gamma = {layer.WeightOffset};");
        w.Line($"private const int {layer.Prefix}Beta = {layer.WeightOffset + layer.Units};");
        w.Line($"private const float {layer.Prefix}Epsilon = {Literal.Float(spec.Epsilon)};");
        w.Line($"private const float {layer.Prefix}Momentum = {Literal.Float(spec.Momentum)};");
        w.Line($"private const int {layer.Prefix}RunningMean = {layer.BufferOffset};");
        w.Line($"private const int {layer.Prefix}RunningVariance = {layer.BufferOffset + layer.Units};");
    }

    public override IEnumerable<string> TensorEntries(LayerPlan layer)
    {
        string p = layer.Prefix;
        yield return $"new(\"{layer.Name}.gamma\", new[] {{ {p}Units }}, {Runtime}.TensorStorage.Parameters, {p}Gamma)";
        yield return $"new(\"{layer.Name}.beta\", new[] {{ {p}Units }}, {Runtime}.TensorStorage.Parameters, {p}Beta)";
        yield return $"new(\"{layer.Name}.running_mean\", new[] {{ {p}Units }}, {Runtime}.TensorStorage.Buffers, {p}RunningMean)";
        yield return $"new(\"{layer.Name}.running_var\", new[] {{ {p}Units }}, {Runtime}.TensorStorage.Buffers, {p}RunningVariance)";
    }

    protected override IEnumerable<ScratchBuffer> TrainingScratch(NetworkPlan plan, LayerPlan layer)
    {
        yield return new ScratchBuffer($"_{layer.Field}Normalized", $"maxBatchSize * {layer.Prefix}Units", $"[MaxBatchSize, {layer.Units}] normalised inputs");
        yield return new ScratchBuffer($"_{layer.Field}InverseStd", $"{layer.Prefix}Units", $"[{layer.Units}] 1 / sqrt(batch variance + eps) per feature");
    }

    public override void EmitInitialization(SourceWriter w, LayerPlan layer)
    {
        w.Line($"{Param(layer.Prefix, "Gamma", "Units")}.Fill(1f);");
        w.Line($"{Buffer(layer.Prefix, "RunningVariance")}.Fill(1f);");
    }

    public override void EmitTrainingForward(SourceWriter w, NetworkPlan plan, LayerPlan layer)
    {
        string p = layer.Prefix;
        string input = BufferSpan(plan.TrainingInput(layer.Index), plan.TrainingInputRows(layer.Index));
        w.Line($"{NormalizationKernels}.BatchNormTraining({input}, {BufferSpan($"_{layer.Field}Output", Rows(layer))}, {BufferSpan($"_{layer.Field}Normalized", Rows(layer))}, _{layer.Field}InverseStd,");
        w.Line($"    {Param(p, "Gamma", "Units")}, {Param(p, "Beta", "Units")}, {Buffer(p, "RunningMean")}, {Buffer(p, "RunningVariance")}, rows, {p}Units, {p}Momentum, {p}Epsilon);");
    }

    public override void EmitBackward(SourceWriter w, NetworkPlan plan, LayerPlan layer)
    {
        string p = layer.Prefix;
        w.Line($"{NormalizationKernels}.BatchNormBackward({BufferSpan(layer.Delta, Rows(layer))}, {BufferSpan($"_{layer.Field}Normalized", Rows(layer))}, _{layer.Field}InverseStd, {Param(p, "Gamma", "Units")},");
        w.Line($"    {Gradient(p, "Gamma", "Units")}, {Gradient(p, "Beta", "Units")}, rows, {p}Units);");
    }

    public override bool InferenceUsesRows => true;

    public override void EmitInference(SourceWriter w, LayerPlan layer, string input, string output, string pieces)
    {
        string p = layer.Prefix;
        w.Line($"{NormalizationKernels}.BatchNormInference({input}, {output}, {Param(p, "Gamma", "Units")}, {Param(p, "Beta", "Units")},");
        w.Line($"    {Buffer(p, "RunningMean")}, {Buffer(p, "RunningVariance")}, rows, {p}Units, {p}Epsilon);");
    }
}
