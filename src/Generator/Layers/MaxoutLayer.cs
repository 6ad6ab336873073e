using System.Collections.Generic;
using CompiledNets.Generator.Emit;
using CompiledNets.Generator.Model;
using CompiledNets.Generator.Parsing;
using static CompiledNets.Generator.Emit.Code;
using static CompiledNets.Generator.Names.RuntimeNames;

namespace CompiledNets.Generator.Layers;

/// <summary>The settings of <c>[Maxout(units, pieces)]</c>.</summary>
internal sealed record MaxoutSpec(int Units, int Pieces, InitKind WeightInit, InitKind BiasInit) : LayerSpec
{
    public override LayerKind Kind => MaxoutLayer.Instance;
}

/// <summary>
/// Maxout (Goodfellow et al.): a product of <c>units × pieces</c> linear outputs into a scratch buffer of pieces, then
/// each unit the largest of its consecutive pieces. The backward pass routes each unit's gradient to its winning piece
/// (in the other delta buffer) and writes the input gradient back into the buffer it came in.
/// </summary>
internal sealed class MaxoutLayer : ProductLayerKind
{
    public static readonly MaxoutLayer Instance = new();

    private MaxoutLayer()
    {
    }

    public override string AttributeName => "MaxoutAttribute";

    public override string Identifier => "Maxout";

    private static MaxoutSpec Settings(LayerSpec spec) => (MaxoutSpec)spec;

    public override LayerSpec Read(LayerAttribute attribute)
    {
        var arguments = attribute.Arguments;
        int units = arguments.Int(0, 0);
        int pieces = arguments.Int(1, 0);
        string owner = attribute.Owner(Label(units));
        if (units <= 0) attribute.Report(Diagnostics.InvalidUnits, NetworkParser.Format(attribute.Position), Label(units), NetworkParser.Format(units));
        if (pieces < 2)
            attribute.Report(Diagnostics.InvalidHyperparameter, owner, "pieces", NetworkParser.Format(pieces), "at least 2 (one piece is a plain Dense layer)", "3");
        var weightInit = attribute.Enum(arguments.NamedInt("Init", 0), InitKind.Default, owner + " Init", "Init");
        var biasInit = attribute.Enum(arguments.NamedInt("BiasInit", 0), InitKind.Default, owner + " BiasInit", "Init");
        return new MaxoutSpec(units, System.Math.Max(pieces, 0), weightInit, biasInit);
    }

    private static string Label(int units) => "Maxout " + NetworkParser.Format(units);

    public override string Label(LayerSpec spec) => Label(Settings(spec).Units);

    public override Shape OutputShape(LayerSpec spec, Shape input) => Shape.Flat(System.Math.Max(Settings(spec).Units, 0));

    public override long ParameterCount(LayerSpec spec, Shape input) =>
        (input.Size + 1) * System.Math.Max(Settings(spec).Units, 0) * System.Math.Max(Settings(spec).Pieces, 0);

    public override int LinearUnits(LayerSpec spec) => Settings(spec).Units * Settings(spec).Pieces;

    /// <summary>Maxout has no <c>L2</c> of its own: the network's weight decay applies.</summary>
    public override float L2(LayerSpec spec) => float.NaN;

    public override bool HasPieces => true;

    public override int InferenceScratchFloats(LayerPlan layer) => layer.LinearUnits;

    protected override (InitKind Weight, InitKind Bias) DeclaredInitializers(LayerSpec spec) => (Settings(spec).WeightInit, Settings(spec).BiasInit);

    public override string Describe(LayerPlan layer) => $"Maxout({Literal.Int(layer.Units)}, {Literal.Int(Settings(layer.Spec).Pieces)})";

    public override string SummaryDetail(LayerPlan layer) => $"{Literal.Int(Settings(layer.Spec).Pieces)} pieces";

    protected override void EmitProductConstants(SourceWriter w, LayerPlan layer)
    {
        w.Line($"private const int {layer.Prefix}Pieces = {Settings(layer.Spec).Pieces};");
        w.Line($"private const int {layer.Prefix}Linear = {layer.LinearUnits}; // units × pieces");
    }

    private static ScratchBuffer Pieces(LayerPlan layer) =>
        new($"_{layer.Field}Pieces", $"maxBatchSize * {layer.Prefix}Linear", $"[MaxBatchSize, {layer.LinearUnits}] piece values before the max");

    protected override IEnumerable<ScratchBuffer> TrainingScratch(NetworkPlan plan, LayerPlan layer)
    {
        foreach (var buffer in base.TrainingScratch(plan, layer)) yield return buffer;
        yield return Pieces(layer);
    }

    protected override string TrainingTarget(LayerPlan layer) => $"_{layer.Field}Pieces[0]";

    /// <summary>The piece gradients, which the backward step writes to the other buffer.</summary>
    protected override string ProductDelta(LayerPlan layer) => layer.OtherDelta;

    /// <summary>The buffer the output gradient came in, already turned into piece gradients.</summary>
    protected override string DeltaTiles(LayerPlan layer) => layer.Delta;

    /// <summary>Back into the buffer the output gradient came in, where the next layer down finds it.</summary>
    protected override string InputGradientTarget(LayerPlan layer) => layer.Delta;

    private static string MaxoutForward(LayerPlan layer, string pieces, string output) =>
        $"{LayerKernels}.MaxoutForward({pieces}, {output}, rows, {layer.Prefix}Units, {layer.Prefix}Pieces);";

    public override void EmitTrainingForward(SourceWriter w, NetworkPlan plan, LayerPlan layer)
    {
        w.Line(Product(layer, "ForwardTraining"));
        w.Line(MaxoutForward(layer, BufferSpan($"_{layer.Field}Pieces", Rows(layer, "Linear")), BufferSpan($"_{layer.Field}Output", Rows(layer))));
    }

    public override void EmitBackward(SourceWriter w, NetworkPlan plan, LayerPlan layer)
    {
        string p = layer.Prefix;
        w.Line($"{LayerKernels}.MaxoutBackward({BufferSpan($"_{layer.Field}Pieces", Rows(layer, "Linear"))}, {BufferSpan($"_{layer.Field}Output", Rows(layer))}, {BufferSpan(layer.Delta, Rows(layer))}, {BufferSpan(layer.OtherDelta, Rows(layer, "Linear"))}, rows, {p}Units, {p}Pieces);");
        EmitBackwardProducts(w, plan, layer);
    }

    public override void EmitInference(SourceWriter w, LayerPlan layer, string input, string output, string scratch)
    {
        string p = layer.Prefix;
        w.Line(InferenceProduct(layer, ActivationKind.Linear, Ref(input), Ref(scratch), "rows", "0", $"{p}Linear"));
        w.Line(MaxoutForward(layer, scratch, output));
    }
}
