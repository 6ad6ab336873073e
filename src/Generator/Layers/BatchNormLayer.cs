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
/// Batch normalisation per feature, as PyTorch's <c>BatchNorm1d</c>, or per channel of <c>[C, H, W]</c> samples, as
/// <c>BatchNorm2d</c> (each channel's statistics over every sample and position): training normalises with the batch's
/// statistics and moves the running mean and (unbiased) variance by <c>momentum</c>; inference uses the running
/// statistics. Parameters gamma and beta, buffers running mean and variance, one per feature or channel.
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

    /// <summary>Statistics per feature of a vector, or per channel of an image (as PyTorch's BatchNorm2d).</summary>
    private static long Features(Shape input) => input.IsImage ? input.Channels : input.Size;

    public override long ParameterCount(LayerSpec spec, Shape input) => 2 * Features(input);

    public override long BufferCount(LayerSpec spec, Shape input) => 2 * Features(input);

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

    /// <summary>The constant naming how many statistics the layer keeps: <c>Units</c> (one per feature) or <c>Channels</c>.</summary>
    private static string Features(LayerPlan layer) => layer.InputShape.IsImage ? "Channels" : "Units";

    private static int FeatureCount(LayerPlan layer) => layer.InputShape.IsImage ? layer.InputShape.Channels : layer.Units;

    public override string LayoutComment(LayerPlan layer) =>
        $"; gamma, beta [{FeatureCount(layer)}] at {layer.WeightOffset}; running mean, variance [{FeatureCount(layer)}] at buffer {layer.BufferOffset}";

    public override void EmitConstants(SourceWriter w, NetworkPlan plan, LayerPlan layer)
    {
        var spec = Settings(layer.Spec);
        if (layer.InputShape.IsImage)
        {
            w.Line($"private const int {layer.Prefix}Channels = {layer.InputShape.Channels};");
            w.Line($"private const int {layer.Prefix}Spatial = {layer.InputShape.Height * layer.InputShape.Width}; // values per channel of a sample");
        }
        w.Line($"private const int {layer.Prefix}Gamma = {layer.WeightOffset};");
        w.Line($"private const int {layer.Prefix}Beta = {layer.WeightOffset + FeatureCount(layer)};");
        w.Line($"private const float {layer.Prefix}Epsilon = {Literal.Float(spec.Epsilon)};");
        w.Line($"private const float {layer.Prefix}Momentum = {Literal.Float(spec.Momentum)};");
        w.Line($"private const int {layer.Prefix}RunningMean = {layer.BufferOffset};");
        w.Line($"private const int {layer.Prefix}RunningVariance = {layer.BufferOffset + FeatureCount(layer)};");
    }

    public override IEnumerable<string> TensorEntries(LayerPlan layer)
    {
        string p = layer.Prefix, n = p + Features(layer);
        yield return $"new(\"{layer.Name}.gamma\", new[] {{ {n} }}, {Runtime}.TensorStorage.Parameters, {p}Gamma)";
        yield return $"new(\"{layer.Name}.beta\", new[] {{ {n} }}, {Runtime}.TensorStorage.Parameters, {p}Beta)";
        yield return $"new(\"{layer.Name}.running_mean\", new[] {{ {n} }}, {Runtime}.TensorStorage.Buffers, {p}RunningMean)";
        yield return $"new(\"{layer.Name}.running_var\", new[] {{ {n} }}, {Runtime}.TensorStorage.Buffers, {p}RunningVariance)";
    }

    protected override IEnumerable<ScratchBuffer> TrainingScratch(NetworkPlan plan, LayerPlan layer)
    {
        yield return new ScratchBuffer($"_{layer.Field}Normalized", $"maxBatchSize * {layer.Prefix}Units", $"[MaxBatchSize, {layer.Units}] normalised inputs");
        yield return new ScratchBuffer($"_{layer.Field}InverseStd", $"{layer.Prefix}{Features(layer)}", $"[{FeatureCount(layer)}] 1 / sqrt(batch variance + eps) per {(layer.InputShape.IsImage ? "channel" : "feature")}");
    }

    public override void EmitInitialization(SourceWriter w, LayerPlan layer)
    {
        w.Line($"{Param(layer.Prefix, "Gamma", Features(layer))}.Fill(1f);");
        w.Line($"{Statistic(layer, "RunningVariance")}.Fill(1f);");
    }

    public override void EmitTrainingForward(SourceWriter w, NetworkPlan plan, LayerPlan layer)
    {
        string p = layer.Prefix, f = Features(layer);
        string input = BufferSpan(plan.TrainingInput(layer.Index), plan.TrainingInputRows(layer.Index));
        w.Line($"{NormalizationKernels}.{Name(layer, "Training")}({input}, {BufferSpan($"_{layer.Field}Output", Rows(layer))}, {BufferSpan($"_{layer.Field}Normalized", Rows(layer))}, _{layer.Field}InverseStd,");
        w.Line($"    {Param(p, "Gamma", f)}, {Param(p, "Beta", f)}, {Statistic(layer, "RunningMean")}, {Statistic(layer, "RunningVariance")}, {Sizes(layer)}, {p}Momentum, {p}Epsilon);");
    }

    public override void EmitBackward(SourceWriter w, NetworkPlan plan, LayerPlan layer)
    {
        string p = layer.Prefix, f = Features(layer);
        w.Line($"{NormalizationKernels}.{Name(layer, "Backward")}({BufferSpan(layer.Delta, Rows(layer))}, {BufferSpan($"_{layer.Field}Normalized", Rows(layer))}, _{layer.Field}InverseStd, {Param(p, "Gamma", f)},");
        w.Line($"    {Gradient(p, "Gamma", f)}, {Gradient(p, "Beta", f)}, {Sizes(layer)});");
    }

    public override bool InferenceUsesRows(LayerPlan layer) => true;

    public override void EmitInference(SourceWriter w, LayerPlan layer, string input, string output, string scratch)
    {
        string p = layer.Prefix, f = Features(layer);
        w.Line($"{NormalizationKernels}.{Name(layer, "Inference")}({input}, {output}, {Param(p, "Gamma", f)}, {Param(p, "Beta", f)},");
        w.Line($"    {Statistic(layer, "RunningMean")}, {Statistic(layer, "RunningVariance")}, {Sizes(layer)}, {p}Epsilon);");
    }

    /// <summary>The runtime kernel: per feature of vectors (<c>BatchNormTraining</c>), or per channel of images (<c>BatchNorm2DTraining</c>).</summary>
    private static string Name(LayerPlan layer, string pass) => (layer.InputShape.IsImage ? "BatchNorm2D" : "BatchNorm") + pass;

    /// <summary>The kernels' size arguments: <c>rows, Units</c>, or <c>rows, Channels, Spatial</c>.</summary>
    private static string Sizes(LayerPlan layer) =>
        layer.InputShape.IsImage ? $"rows, {layer.Prefix}Channels, {layer.Prefix}Spatial" : $"rows, {layer.Prefix}Units";

    /// <summary>A running statistic, one value per feature or channel.</summary>
    private static string Statistic(LayerPlan layer, string offset) =>
        layer.InputShape.IsImage ? $"_buffers.AsSpan({layer.Prefix}{offset}, {layer.Prefix}Channels)" : Buffer(layer.Prefix, offset);
}
