using System.Collections.Generic;
using CompiledNets.Generator.Emit;
using CompiledNets.Generator.Model;
using CompiledNets.Generator.Parsing;
using static CompiledNets.Generator.Emit.Code;
using static CompiledNets.Generator.Names.RuntimeNames;

namespace CompiledNets.Generator.Layers;

/// <summary>The settings of <c>[Dense(units, activation)]</c>: <c>Alpha</c> already defaulted, <c>L2</c> NaN for the network's.</summary>
internal sealed record DenseSpec(int Units, ActivationKind Activation, float Alpha, InitKind WeightInit, InitKind BiasInit, float L2) : LayerSpec
{
    public override LayerKind Kind => DenseLayer.Instance;
}

/// <summary>
/// A fully connected layer, <c>y = activation(x·Wᵀ + b)</c>: bias and element-wise activation fused into the forward
/// product's epilogue, the activation's derivative fused into the next product's input gradient (or applied in place).
/// </summary>
internal sealed class DenseLayer : ProductLayerKind
{
    public static readonly DenseLayer Instance = new();

    private DenseLayer()
    {
    }

    public override string AttributeName => "DenseAttribute";

    public override string Identifier => "Dense";

    private static DenseSpec Settings(LayerSpec spec) => (DenseSpec)spec;

    public override LayerSpec Read(LayerAttribute attribute)
    {
        var arguments = attribute.Arguments;
        int units = arguments.Int(0, 0);
        string owner = attribute.Owner(Label(units));
        var activation = attribute.Enum(arguments.Int(1, 0), ActivationKind.Linear, owner, "Activation");
        if (units <= 0) attribute.Report(Diagnostics.InvalidUnits, NetworkParser.Format(attribute.Position), Label(units), NetworkParser.Format(units));
        float alpha = attribute.Alpha(activation, owner);
        var weightInit = attribute.Enum(arguments.NamedInt("Init", 0), InitKind.Default, owner + " Init", "Init");
        var biasInit = attribute.Enum(arguments.NamedInt("BiasInit", 0), InitKind.Default, owner + " BiasInit", "Init");
        float l2 = attribute.L2(owner);
        return new DenseSpec(units, activation, alpha, weightInit, biasInit, l2);
    }

    private static string Label(int units) => "Dense " + NetworkParser.Format(units);

    public override string Label(LayerSpec spec) => Label(Settings(spec).Units);

    public override Shape OutputShape(LayerSpec spec, Shape input) => Shape.Flat(System.Math.Max(Settings(spec).Units, 0));

    public override int LinearUnits(LayerSpec spec) => Settings(spec).Units;

    public override ActivationKind Activation(LayerSpec spec) => Settings(spec).Activation;

    public override float Alpha(LayerSpec spec) => Settings(spec).Alpha;

    public override float L2(LayerSpec spec) => Settings(spec).L2;

    public override bool HasActivation => true;

    public override bool ActivatesInProduct => true;

    public override bool WritesInputGradientToOtherBuffer => true;

    protected override (InitKind Weight, InitKind Bias) DeclaredInitializers(LayerSpec spec) => (Settings(spec).WeightInit, Settings(spec).BiasInit);

    /// <summary>The logits are kept when the layer is last (the loss reads them) or when GELU and SiLU need them for the derivative.</summary>
    public override bool StoresPreActivation(LayerPlan layer) => layer.IsLast || layer.Activation is ActivationKind.GELU or ActivationKind.SiLU;

    public override string LossInput(NetworkPlan plan, LayerPlan layer) => $"_{layer.Field}PreActivation";

    public override string Describe(LayerPlan layer) => $"Dense({Literal.Int(layer.Units)}, {layer.ActivationText})";

    public override string SummaryDetail(LayerPlan layer) => layer.ActivationText;

    protected override IEnumerable<ScratchBuffer> TrainingScratch(NetworkPlan plan, LayerPlan layer)
    {
        foreach (var buffer in base.TrainingScratch(plan, layer)) yield return buffer;
        if (layer.StoresPreActivation)
            yield return new ScratchBuffer($"_{layer.Field}PreActivation", $"maxBatchSize * {layer.Prefix}Units", $"[MaxBatchSize, {layer.Units}] before {layer.Activation}");
    }

    protected override string TrainingTarget(LayerPlan layer) =>
        layer.StoresPreActivation ? $"_{layer.Field}PreActivation[0]" : $"_{layer.Field}Output[0]";

    public override void EmitTrainingForward(SourceWriter w, NetworkPlan plan, LayerPlan layer)
    {
        w.Line(Product(layer, "ForwardTraining"));
        // The fused softmax + cross-entropy kernel writes the probabilities itself, with the loss.
        if (layer.StoresPreActivation && !(layer.IsLast && KernelPlan.FusesSoftmaxLoss(plan)))
        {
            w.Line($"{BufferSpan($"_{layer.Field}PreActivation", Rows(layer))}.CopyTo(_{layer.Field}Output);");
            var activation = ActivationCalls.Forward(layer, BufferSpan($"_{layer.Field}Output", Rows(layer)));
            if (activation is not null) w.Line(activation);
        }
    }

    public override void EmitBackward(SourceWriter w, NetworkPlan plan, LayerPlan layer)
    {
        string delta = BufferSpan(layer.Delta, Rows(layer));
        if (!layer.IsLast && !KernelPlan.DerivativeFusedByNext(plan, layer.Index))
        {
            var backward = ActivationCalls.Backward(layer, BufferSpan($"_{layer.Field}Output", Rows(layer)),
                layer.StoresPreActivation ? BufferSpan($"_{layer.Field}PreActivation", Rows(layer)) : "default", delta);
            if (backward is not null)
            {
                w.Line(backward);
                // As the fused epilogues do: no subnormal gradient reaches the products (and the interpreted engine flushes here too).
                w.Line($"{FlushToZero}({delta});");
            }
        }
        EmitBackwardProducts(w, plan, layer);
    }

    /// <summary>
    /// One sample (<c>Predict</c>): the dot form, over the interleaved copy of the weights when the layer reads one
    /// (<see cref="KernelPlan.PredictsFromInterleavedWeights"/>).
    /// </summary>
    public override void EmitInference(SourceWriter w, LayerPlan layer, string input, string output, string scratch) =>
        EmitDotInference(w, layer, input, output, singleSample: true);

    /// <summary>
    /// The dot-form product of <c>rows</c> samples over the parameters (or the bfloat16 copy; one sample over the
    /// interleaved copy when there is one), then any activation the kernel does not fuse.
    /// </summary>
    private static void EmitDotInference(SourceWriter w, LayerPlan layer, string input, string output, bool singleSample)
    {
        var fused = KernelPlan.InferenceForward(layer);
        w.Line(singleSample && layer.PredictsFromInterleavedWeights
            ? InterleavedProduct(layer, fused, Ref(input), Ref(output))
            : InferenceProduct(layer, fused, Ref(input), Ref(output), "rows", "0", $"{layer.Prefix}Units"));
        if (fused != layer.Activation) w.Line(ActivationCalls.Forward(layer, output)!);
    }

    /// <summary>The product of one sample over the interleaved copy of the weights.</summary>
    private static string InterleavedProduct(LayerPlan layer, ActivationKind activation, string input, string output) =>
        $"{GeneratedKernels}.{DenseKernelEmitter.PredictInterleavedName(layer.Inputs, layer.Units, activation, KernelAlpha(activation, layer))}" +
        $"(ref {input}, ref {NetworkEmitter.InferenceWeightsField}[{layer.Prefix}WeightInterleaved], ref _parameters[{layer.Prefix}Bias], ref {output});";

    /// <summary>
    /// A block of samples through a narrow layer: the broadcast form over the transposed weights, as training's batch
    /// forward (a layer that predicts from bfloat16 weights keeps the dot form over them, as Predict).
    /// </summary>
    public override void EmitBlockInference(SourceWriter w, LayerPlan layer, IReadOnlyList<string> inputs, string output, string scratch)
    {
        if (!KernelPlan.BatchForwardIsBroadcast(layer) || layer.InfersInBFloat16)
        {
            EmitDotInference(w, layer, inputs[0], output, singleSample: false);
            return;
        }
        var fused = KernelPlan.InferenceForward(layer);
        w.Line(ForwardKernelCall(layer, fused, Ref(inputs[0]), Ref(output), "rows", "0", $"{layer.Prefix}Units"));
        if (fused != layer.Activation) w.Line(ActivationCalls.Forward(layer, output)!);
    }
}
