using System.Collections.Generic;
using CompiledNets.Generator.Emit;
using CompiledNets.Generator.Model;
using CompiledNets.Generator.Parsing;
using static CompiledNets.Generator.Emit.Code;
using static CompiledNets.Generator.Names.RuntimeNames;

namespace CompiledNets.Generator.Layers;

/// <summary>The settings of <c>[MaxPool2D(size)]</c> and <c>[AvgPool2D(size)]</c>: the stride already defaulted to the size.</summary>
internal sealed record Pool2DSpec(LayerKind PoolKind, int Size, int Stride, bool Same) : LayerSpec
{
    public override LayerKind Kind => PoolKind;

    public Window Window => new(Size, Stride, Same);
}

/// <summary>
/// What max and average pooling share: a <c>size × size</c> window moved by the stride over each channel of a
/// <c>[C, H, W]</c> input, Valid or Same padding, and their kernels (<see cref="PoolKernelEmitter"/>), one forward and one
/// backward per shape, specialised to every size.
/// </summary>
internal abstract class Pool2DLayerKind : LayerKind
{
    /// <summary>True for max pooling, false for average pooling.</summary>
    protected abstract bool TakesMaximum { get; }

    private static Pool2DSpec Settings(LayerSpec spec) => (Pool2DSpec)spec;

    public override LayerSpec Read(LayerAttribute attribute)
    {
        int size = attribute.Arguments.Int(0, 0);
        int stride = attribute.Arguments.NamedInt("Stride", 0);
        string owner = attribute.Owner(Label(size));
        if (size <= 0)
            attribute.Report(Diagnostics.InvalidHyperparameter, owner, "size", NetworkParser.Format(size), "a positive number of rows and columns", "2");
        if (stride < 0)
            attribute.Report(Diagnostics.InvalidHyperparameter, owner, "Stride", NetworkParser.Format(stride), "a positive number (0 means the size)", "2");
        var padding = attribute.Enum(attribute.Arguments.NamedInt("Padding", 0), PaddingKind.Valid, owner + " Padding", "Padding");
        return new Pool2DSpec(this, size, stride == 0 ? size : stride, padding == PaddingKind.Same);
    }

    private string Label(int size) => SummaryKind + " " + NetworkParser.Format(size);

    public override string Label(LayerSpec spec) => Label(Settings(spec).Size);

    public override int RequiredInputRank => 3;

    public override void CheckInput(LayerSpec spec, Shape input, LayerInput layer)
    {
        var window = Settings(spec).Window;
        if (!window.Fits(input.Height) || !window.Fits(input.Width))
            layer.Report(Diagnostics.WindowLargerThanInput, NetworkParser.Format(layer.Position), layer.Label, $"{window.Size}x{window.Size}", input.ToString(),
                $"{window.Padded(input.Height)}x{window.Padded(input.Width)}");
    }

    public override Shape OutputShape(LayerSpec spec, Shape input)
    {
        var window = Settings(spec).Window;
        return Shape.Image(input.Channels, window.Output(input.Height), window.Output(input.Width));
    }

    public override bool WritesInputGradientToOtherBuffer => true;

    public override string Describe(LayerPlan layer) => $"{SummaryKind}({Literal.Int(Settings(layer.Spec).Size)}{Options(layer)})";

    public override string SummaryDetail(LayerPlan layer) => $"{Settings(layer.Spec).Size}x{Settings(layer.Spec).Size}{Options(layer)}";

    /// <summary><c>, stride 1</c> when it is not the size, <c>, same</c> for Same padding.</summary>
    private static string Options(LayerPlan layer)
    {
        var spec = Settings(layer.Spec);
        return (spec.Stride != spec.Size ? $", stride {Literal.Int(spec.Stride)}" : "") + (spec.Same ? ", same" : "");
    }

    internal PoolKernel Kernel(LayerPlan layer) => new(TakesMaximum, layer.InputShape.Channels, layer.InputShape.Height, layer.InputShape.Width, Settings(layer.Spec).Window);

    public override string LayoutComment(LayerPlan layer) => $"; [{layer.InputShape}] -> {layer.OutputShape}";

    public override void EmitConstants(SourceWriter w, NetworkPlan plan, LayerPlan layer)
    {
        if (PoolFusion.IsFused(plan, layer))
            w.Line($"private const int {layer.Prefix}Argmax = {Kernel(layer).ArgmaxSlots}; // record slots of one sample: which input each window's gradient goes to, as bits");
    }

    protected override IEnumerable<ScratchBuffer> TrainingScratch(NetworkPlan plan, LayerPlan layer)
    {
        if (PoolFusion.IsFused(plan, layer))
            yield return new ScratchBuffer($"_{layer.Field}Argmax", $"maxBatchSize * {layer.Prefix}Argmax", $"[MaxBatchSize, {layer.Prefix}Argmax] each window's chosen input, as uint bits in the floats' place");
    }

    public override IEnumerable<KernelRequest> Kernels(NetworkPlan plan, LayerPlan layer)
    {
        var kernel = Kernel(layer);
        // Over compacted inputs at inference unless it reads a convolution's extended rows, in training unless fused into it.
        if (layer.InferenceSource is null || (plan.TrainsPerLayer && !PoolFusion.IsFused(plan, layer))) yield return new PoolForwardKernel(kernel);
        // The kernel class writes each request once: over rows with no gaps this is the request above again (records are equal).
        if (layer.InferenceSource is not null) yield return PoolFusion.InferenceKernel(layer);
        if (!plan.TrainsPerLayer) yield break;
        if (PoolFusion.IsFused(plan, layer))
        {
            yield return PoolFusion.ForwardKernel(plan.Layers[layer.Index - 1], layer);
            yield return PoolFusion.BackwardKernel(plan.Layers[layer.Index - 1], layer);
        }
        else yield return new PoolBackwardKernel(kernel);
    }

    public override bool InferenceUsesRows(LayerPlan layer) => true;

    /// <summary>
    /// Over its input, or after a convolution that leaves its outputs uncompacted (<see cref="PoolFusion.PairAtInference"/>)
    /// over that convolution's extended rows in the scratch; <paramref name="input"/>, its compacted outputs, is then never written.
    /// </summary>
    public override void EmitInference(SourceWriter w, LayerPlan layer, string input, string output, string scratch) =>
        w.Line(layer.InferenceSource is { } convolution
            ? $"{GeneratedKernels}.{PoolFusion.InferenceKernel(layer).Name}(ref {Ref(Conv2DLayer.InferenceExtendedRows(convolution, scratch))}, ref {Ref(output)}, rows);"
            : $"{GeneratedKernels}.{Kernel(layer).ForwardName}(ref {Ref(input)}, ref {Ref(output)}, rows);");

    /// <summary>No steps of its own when the convolution before it runs it (<see cref="PoolFusion"/>).</summary>
    public override IEnumerable<TrainingStep> TrainingForwardSteps(NetworkPlan plan, LayerPlan layer)
    {
        if (PoolFusion.IsFused(plan, layer)) yield break;
        string input = plan.TrainingInput(layer.Index), inputSize = plan.TrainingInputSize(layer.Index), units = $"{layer.Prefix}Units";
        yield return TrainingStep.PerSample((w, range) =>
            w.Line($"{GeneratedKernels}.{Kernel(layer).ForwardName}({range.Ref(input, inputSize)}, {range.Ref($"_{layer.Field}Output", units)}, {range.Count});"),
            0, layer.Inputs + layer.Units);
    }

    public override IEnumerable<TrainingStep> BackwardSteps(NetworkPlan plan, LayerPlan layer)
    {
        if (PoolFusion.IsFused(plan, layer)) yield break;
        string input = plan.TrainingInput(layer.Index), inputSize = plan.TrainingInputSize(layer.Index), units = $"{layer.Prefix}Units";
        yield return TrainingStep.PerSample((w, range) =>
            w.Line($"{GeneratedKernels}.{Kernel(layer).BackwardName}({range.Ref(input, inputSize)}, {range.Ref($"_{layer.Field}Output", units)}, " +
                $"{range.Ref(layer.Delta, units)}, {range.Ref(layer.OtherDelta, inputSize)}, {range.Count});"),
            0, 2L * layer.Inputs + 2L * layer.Units, new SharedRows(layer.Delta, layer.Units), new SharedRows(layer.OtherDelta, layer.Inputs));
    }
}

/// <summary><c>[MaxPool2D(size)]</c>: the largest value of each window; its gradient goes to that value (the first of equal ones).</summary>
internal sealed class MaxPool2DLayer : Pool2DLayerKind
{
    public static readonly MaxPool2DLayer Instance = new();

    private MaxPool2DLayer()
    {
    }

    public override string AttributeName => "MaxPool2DAttribute";

    public override string Identifier => "MaxPool";

    public override string SummaryKind => "MaxPool2D";

    protected override bool TakesMaximum => true;
}

/// <summary><c>[AvgPool2D(size)]</c>: the mean of each window's values inside the input; its gradient spreads evenly over them.</summary>
internal sealed class AvgPool2DLayer : Pool2DLayerKind
{
    public static readonly AvgPool2DLayer Instance = new();

    private AvgPool2DLayer()
    {
    }

    public override string AttributeName => "AvgPool2DAttribute";

    public override string Identifier => "AvgPool";

    public override string SummaryKind => "AvgPool2D";

    protected override bool TakesMaximum => false;
}
