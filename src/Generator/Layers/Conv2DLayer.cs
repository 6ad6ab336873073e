using System.Collections.Generic;
using System.Linq;
using CompiledNets.Generator.Emit;
using CompiledNets.Generator.Model;
using CompiledNets.Generator.Parsing;
using static CompiledNets.Generator.Emit.Code;
using static CompiledNets.Generator.Names.RuntimeNames;

namespace CompiledNets.Generator.Layers;

/// <summary>The settings of <c>[Conv2D(filters, kernelSize, activation)]</c>: kernel sides and <c>Alpha</c> already defaulted, <c>L2</c> NaN for the network's.</summary>
internal sealed record Conv2DSpec(
    int Filters, int KernelHeight, int KernelWidth, int Stride, bool Same, ActivationKind Activation, float Alpha,
    InitKind WeightInit, InitKind BiasInit, float L2) : LayerSpec
{
    public override LayerKind Kind => Conv2DLayer.Instance;
}

/// <summary>
/// A 2-D convolution over <c>[C, H, W]</c> samples, weight <c>[filters, C, kh, kw]</c> (PyTorch's layout) and bias
/// <c>[filters]</c>, by direct convolution (<see cref="ConvKernelEmitter"/>): the forward pass and the input gradient are
/// convolutions vectorised along the output positions, the weight gradient dot products along them. See
/// <see cref="ConvGeometry"/> for the buffers and layouts.
/// </summary>
internal sealed class Conv2DLayer : LayerKind
{
    public static readonly Conv2DLayer Instance = new();

    private Conv2DLayer()
    {
    }

    public override string AttributeName => "Conv2DAttribute";

    public override string Identifier => "Conv";

    public override string SummaryKind => "Conv2D";

    private static Conv2DSpec Settings(LayerSpec spec) => (Conv2DSpec)spec;

    public override LayerSpec Read(LayerAttribute attribute)
    {
        var arguments = attribute.Arguments;
        int filters = arguments.Int(0, 0);
        int size = arguments.Int(1, 0);
        string owner = attribute.Owner(Label(filters));
        var activation = attribute.Enum(arguments.Int(2, 0), ActivationKind.Linear, owner, "Activation");
        int height = arguments.NamedInt("KernelHeight", 0), width = arguments.NamedInt("KernelWidth", 0), stride = arguments.NamedInt("Stride", 1);
        if (filters <= 0) attribute.Report(Diagnostics.InvalidHyperparameter, owner, "filters", NetworkParser.Format(filters), "a positive number of output channels", "32");
        void CheckSide(string property, int value, bool optional)
        {
            if (value < 0 || (value == 0 && !optional))
                attribute.Report(Diagnostics.InvalidHyperparameter, owner, property, NetworkParser.Format(value), optional ? "a positive number (0 means kernelSize)" : "a positive number", "3");
        }
        CheckSide("kernelSize", size, optional: arguments.IsSet("KernelHeight") && arguments.IsSet("KernelWidth") && height > 0 && width > 0);
        CheckSide("KernelHeight", height, optional: true);
        CheckSide("KernelWidth", width, optional: true);
        if (stride <= 0) attribute.Report(Diagnostics.InvalidHyperparameter, owner, "Stride", NetworkParser.Format(stride), "a positive number", "1");
        var padding = attribute.Enum(arguments.NamedInt("Padding", 0), PaddingKind.Valid, owner + " Padding", "Padding");
        float alpha = attribute.Alpha(activation, owner);
        var weightInit = attribute.Enum(arguments.NamedInt("Init", 0), InitKind.Default, owner + " Init", "Init");
        var biasInit = attribute.Enum(arguments.NamedInt("BiasInit", 0), InitKind.Default, owner + " BiasInit", "Init");
        float l2 = attribute.L2(owner);
        return new Conv2DSpec(filters, height > 0 ? height : size, width > 0 ? width : size, stride, padding == PaddingKind.Same, activation, alpha, weightInit, biasInit, l2);
    }

    private static string Label(int filters) => "Conv2D " + NetworkParser.Format(filters);

    public override string Label(LayerSpec spec) => Label(Settings(spec).Filters);

    public override int RequiredInputRank => 3;

    public override void CheckInput(LayerSpec spec, Shape input, LayerInput layer)
    {
        var s = Settings(spec);
        var rows = new Window(s.KernelHeight, s.Stride, s.Same);
        var columns = new Window(s.KernelWidth, s.Stride, s.Same);
        if (!rows.Fits(input.Height) || !columns.Fits(input.Width))
            layer.Report(Diagnostics.WindowLargerThanInput, NetworkParser.Format(layer.Position), layer.Label, $"{s.KernelHeight}x{s.KernelWidth}", input.ToString(),
                $"{rows.Padded(input.Height)}x{columns.Padded(input.Width)}");
    }

    public override Shape OutputShape(LayerSpec spec, Shape input)
    {
        var s = Settings(spec);
        return Shape.Image(s.Filters, new Window(s.KernelHeight, s.Stride, s.Same).Output(input.Height), new Window(s.KernelWidth, s.Stride, s.Same).Output(input.Width));
    }

    public override long WeightCount(LayerSpec spec, Shape input)
    {
        var s = Settings(spec);
        return (long)s.Filters * input.Channels * s.KernelHeight * s.KernelWidth;
    }

    public override long ParameterCount(LayerSpec spec, Shape input) => WeightCount(spec, input) + Settings(spec).Filters;

    public override ActivationKind Activation(LayerSpec spec) => Settings(spec).Activation;

    public override float Alpha(LayerSpec spec) => Settings(spec).Alpha;

    public override float L2(LayerSpec spec) => Settings(spec).L2;

    public override bool HasActivation => true;

    public override bool WritesInputGradientToOtherBuffer => true;

    /// <summary>As a Dense layer: the values before the activation when the layer is last, or for GELU and SiLU.</summary>
    public override bool StoresPreActivation(LayerPlan layer) => layer.IsLast || layer.Activation is ActivationKind.GELU or ActivationKind.SiLU;

    public override string LossInput(NetworkPlan plan, LayerPlan layer) => $"_{layer.Field}PreActivation";

    public override string Describe(LayerPlan layer) => $"Conv2D({Literal.Int(Settings(layer.Spec).Filters)}, {Kernel(layer)}, {layer.ActivationText})";

    public override string SummaryDetail(LayerPlan layer) => $"{Kernel(layer)}, {layer.ActivationText}";

    /// <summary><c>3x3</c>, then <c>, stride 2</c> and <c>, same</c> when they apply.</summary>
    private static string Kernel(LayerPlan layer)
    {
        var s = Settings(layer.Spec);
        return $"{s.KernelHeight}x{s.KernelWidth}" + (s.Stride != 1 ? $", stride {Literal.Int(s.Stride)}" : "") + (s.Same ? ", same" : "");
    }

    internal static ConvGeometry Geometry(LayerPlan layer)
    {
        var s = Settings(layer.Spec);
        return new ConvGeometry(layer.InputShape.Channels, layer.InputShape.Height, layer.InputShape.Width, s.Filters,
            new Window(s.KernelHeight, s.Stride, s.Same), new Window(s.KernelWidth, s.Stride, s.Same));
    }

    // ------------------------------------------------------------------ class half

    public override string LayoutComment(LayerPlan layer)
    {
        var s = Settings(layer.Spec);
        return $"; {layer.InputShape} -> {layer.OutputShape}; weight [{s.Filters}, {layer.InputShape.Channels}, {s.KernelHeight}, {s.KernelWidth}] at {layer.WeightOffset}, bias [{s.Filters}] at {layer.BiasOffset}";
    }

    public override void EmitConstants(SourceWriter w, NetworkPlan plan, LayerPlan layer)
    {
        var g = Geometry(layer);
        string p = layer.Prefix;
        w.Line($"private const int {p}Inputs = {layer.Inputs}; // {g.Channels} × {g.Height} × {g.Width}");
        w.Line($"private const int {p}Filters = {g.Filters};");
        w.Line($"private const int {p}WeightCount = {g.WeightCount}; // filters × channels × {g.Rows.Size} × {g.Columns.Size}");
        w.Line($"private const int {p}Weight = {layer.WeightOffset};");
        w.Line($"private const int {p}Bias = {layer.BiasOffset};");
        w.Line($"private const int {p}Padded = {g.PaddedSample}; // one sample's input with its padding: {g.Channels} × {g.PaddedHeight} × {g.PaddedWidth}");
        w.Line($"private const int {p}Extended = {g.ExtendedSample}; // one sample's outputs at stride 1 in rows of {g.PaddedWidth}, rounded to vectors");
        if (layer.PredictsByWinograd) w.Line($"private const int {p}WeightWinograd = {layer.WinogradWeightOffset}; // where its transformed filters start in the Winograd copy");
        if (SumsWeightGradientPerSample(layer)) w.Line($"private const int {p}Parameters = {g.WeightCount + g.Filters}; // the weight, then the bias");
        if (SumsWeightGradientFromRows(layer))
        {
            w.Line($"private const int {p}FilterWeights = {g.Channels * g.KernelArea}; // the weights of one filter: channels × {g.Rows.Size} × {g.Columns.Size}");
            w.Line($"private const int {p}GradientRows = {g.GradientRowsSample}; // one sample's output gradient by position: {g.Positions} rows of {g.FilterRow}");
        }
    }

    public override IEnumerable<string> TensorEntries(LayerPlan layer)
    {
        var g = Geometry(layer);
        string p = layer.Prefix;
        yield return $"new(\"{layer.Name}.weight\", new[] {{ {p}Filters, {g.Channels}, {g.Rows.Size}, {g.Columns.Size} }}, {Runtime}.TensorStorage.Parameters, {p}Weight)";
        yield return $"new(\"{layer.Name}.bias\", new[] {{ {p}Filters }}, {Runtime}.TensorStorage.Parameters, {p}Bias)";
    }

    public override void EmitInitialization(SourceWriter w, LayerPlan layer)
    {
        var g = Geometry(layer);
        string p = layer.Prefix, fanIn = Literal.Int(g.Channels * g.Rows.Size * g.Columns.Size), fanOut = Literal.Int(g.Filters * g.Rows.Size * g.Columns.Size);
        var s = Settings(layer.Spec);
        var weightInit = s.WeightInit == InitKind.Default
            ? layer.Activation is ActivationKind.ReLU or ActivationKind.LeakyReLU or ActivationKind.ELU or ActivationKind.GELU or ActivationKind.SiLU ? InitKind.HeUniform : InitKind.GlorotUniform
            : s.WeightInit;
        var biasInit = s.BiasInit == InitKind.Default ? InitKind.Zeros : s.BiasInit;
        w.Line($"{Initializers}.Fill({Runtime}.Init.{weightInit}, _parameters.AsSpan({p}Weight, {p}WeightCount), {fanIn}, {fanOut}, ref random);");
        w.Line($"{Initializers}.Fill({Runtime}.Init.{biasInit}, _parameters.AsSpan({p}Bias, {p}Filters), {fanIn}, {fanOut}, ref random);");
    }

    public override string? L2PenaltyStatement(LayerPlan layer) =>
        $"loss += {LayerKernels}.L2Penalty(_parameters.AsSpan({layer.Prefix}Weight, {layer.Prefix}WeightCount), _gradients.AsSpan({layer.Prefix}Weight, {layer.Prefix}WeightCount), {Literal.Float(layer.L2)});";

    private static IEnumerable<ScratchBuffer> ForwardScratch(LayerPlan layer)
    {
        var g = Geometry(layer);
        // The slack after the last sample: the vector loads of the last positions run past its plane.
        yield return new ScratchBuffer($"_{layer.Field}Padded", $"maxBatchSize * {layer.Prefix}Padded + {g.PaddedSlack}", $"[MaxBatchSize, {g.Channels}, {g.PaddedHeight}, {g.PaddedWidth}] the input with its padding");
        yield return new ScratchBuffer($"_{layer.Field}Extended", $"maxBatchSize * {layer.Prefix}Extended", $"[MaxBatchSize, {g.Filters}, {g.ExtendedPlane}] the output gradient at stride 1 in rows of {g.PaddedWidth}, zeros where no output is");
    }

    protected override IEnumerable<ScratchBuffer> TrainingScratch(NetworkPlan plan, LayerPlan layer)
    {
        foreach (var buffer in ForwardScratch(layer)) yield return buffer;
        if (layer.StoresPreActivation)
            yield return new ScratchBuffer($"_{layer.Field}PreActivation", $"maxBatchSize * {layer.Prefix}Units", $"[MaxBatchSize, {layer.Units}] before {layer.Activation}");
        if (plan.NeedsInputGradient(layer))
        {
            var g = Geometry(layer);
            yield return new ScratchBuffer($"_{layer.Field}InputGradient", $"maxBatchSize * {g.InputGradientSample}",
                $"[MaxBatchSize, {g.Channels}, {g.PaddedHeight}, {g.PaddedWidth}] the input gradient over the padded input, and {g.InputGradientSlack} floats of slack per sample (a thread's blocks reuse its first places)");
        }
        if (SumsWeightGradientPerSample(layer))
            yield return new ScratchBuffer($"_{layer.Field}SampleGradients", $"maxBatchSize * {layer.Prefix}Parameters",
                $"[MaxBatchSize, {layer.Prefix}Parameters] each sample's weight and bias gradients, summed in sample order after the backward segment");
        if (SumsWeightGradientFromRows(layer))
        {
            var g = Geometry(layer);
            yield return new ScratchBuffer($"_{layer.Field}GradientRows", $"maxBatchSize * {layer.Prefix}GradientRows",
                $"[MaxBatchSize, {g.Positions}, {g.FilterRow}] the output gradient by position, for the weight gradient");
            yield return new ScratchBuffer($"_{layer.Field}WeightSums", $"{layer.Prefix}FilterWeights * {g.FilterRow}",
                $"[{layer.Prefix}FilterWeights, {g.FilterRow}] the weight gradient by weight, before it is laid out by filter");
        }
    }

    /// <summary>A fused pooling at stride 1 reads the extended rows: the outputs are never compacted.</summary>
    protected override bool KeepsTrainingOutput(NetworkPlan plan, LayerPlan layer) =>
        PoolFusion.FusedPool(plan, layer) is null || !PoolFusion.UsesExtendedRows(layer);

    /// <summary>
    /// Whether the weight gradient runs in the backward segment, each sample's into a row of its own (added up in sample
    /// order afterwards, so the sum is the same for any split), instead of over the batch after the segment. It pays when a
    /// sample's gradients are few next to what the batch pass would read back from memory, the extended output gradient
    /// and the padded input: a first layer of few channels (the Keras convnet's conv1: 320 values against 24,336). Its
    /// extended gradient then lives only while its block runs, in a place its thread reuses.
    /// </summary>
    private static bool SumsWeightGradientPerSample(LayerPlan layer)
    {
        var g = Geometry(layer);
        return 16L * (g.WeightCount + g.Filters) <= g.ExtendedSample + g.PaddedSample;
    }

    /// <summary>
    /// Whether the weight gradient over the batch is a sum of outer products of the output gradient's rows by position
    /// (<see cref="ConvWeightGradientRowsEmitter"/>) rather than dot products along the extended planes: for layers of at
    /// least 16 filters, which fill the vectors of a row.
    /// </summary>
    private static bool SumsWeightGradientFromRows(LayerPlan layer) => !SumsWeightGradientPerSample(layer) && Geometry(layer).Filters >= 16;

    /// <summary>Floats of one sample's scratch for single-sample <c>Predict</c>: its padded input, then its extended outputs.</summary>
    /// <remarks>By Winograd, the extended outputs' place holds one sample's Winograd steps in turn, when they are more.</remarks>
    public override int InferenceScratchFloats(LayerPlan layer)
    {
        var g = Geometry(layer);
        int outputs = layer.PredictsByWinograd ? System.Math.Max(g.ExtendedSample, new WinogradGeometry(g).WorkFloats) : g.ExtendedSample;
        return g.PaddedSample + g.PaddedSlack + outputs;
    }

    // ------------------------------------------------------------------ passes

    /// <summary>The activation the inference forward kernel applies (the layer's own, or Linear when it is applied after).</summary>
    internal static ActivationKind InferenceActivation(LayerPlan layer) => FusedActivation(layer, training: false);

    /// <summary>The activation fused into the forward kernel: an element-wise one with a vector form, unless the pre-activation is kept.</summary>
    private static ActivationKind FusedActivation(LayerPlan layer, bool training) =>
        (training && layer.StoresPreActivation) || ActivationExpressions.Vector(layer.Activation, layer.Alpha, "Vector512", "v") is null ? ActivationKind.Linear : layer.Activation;

    public override IEnumerable<KernelRequest> Kernels(NetworkPlan plan, LayerPlan layer)
    {
        var g = Geometry(layer);
        yield return new ConvPadKernel(g);
        yield return new ConvForwardKernel(g, FusedActivation(layer, training: false), layer.Alpha);
        if (layer.PredictsByWinograd)
        {
            var winograd = new WinogradGeometry(g);
            yield return new WinogradInputKernel(winograd);
            yield return new WinogradProductKernel(winograd);
            yield return WinogradOutput(layer);
        }
        // Compacted at inference unless a pooling reads the extended rows, in training unless a fused pooling does.
        if (layer.InferencePool is null || (plan.TrainsPerLayer && KeepsTrainingOutput(plan, layer))) yield return new ConvCompactKernel(g);
        if (!plan.TrainsPerLayer) yield break;
        yield return new ConvForwardKernel(g, FusedActivation(layer, training: true), layer.Alpha);
        // A fused pooling at stride 1 writes the extended gradient itself.
        if (PoolFusion.FusedPool(plan, layer) is null || !PoolFusion.UsesExtendedRows(layer)) yield return new ConvExtendGradientKernel(g);
        if (SumsWeightGradientFromRows(layer))
        {
            yield return new ConvGradientRowsKernel(g);
            yield return new ConvWeightGradientRowsKernel(g);
        }
        else yield return new ConvWeightGradientKernel(g);
        if (!plan.NeedsInputGradient(layer)) yield break;
        yield return new ConvInputGradientKernel(g);
    }

    public override IEnumerable<Job> Jobs(NetworkPlan plan, LayerPlan layer)
    {
        if (!plan.TrainsPerLayer || SumsWeightGradientPerSample(layer)) yield break;
        yield return SumsWeightGradientFromRows(layer)
            ? new Job($"_{layer.Field}WeightGradient", layer.Prefix + "WeightGradient", $"{layer.Prefix}FilterWeights", 4)
            : new Job($"_{layer.Field}WeightGradient", layer.Prefix + "WeightGradient", $"{layer.Prefix}Filters", ConvKernelEmitter.FilterTile);
    }

    public override void EmitJobMethods(SourceWriter w, NetworkPlan plan, LayerPlan layer)
    {
        if (!plan.TrainsPerLayer) return;
        var g = Geometry(layer);
        string p = layer.Prefix, f = layer.Field;
        bool perSample = SumsWeightGradientPerSample(layer);
        var pool = PoolFusion.FusedPool(plan, layer);
        w.Line($"// {layer.Name}: the forward pass for samples [first, last) (run in the training segments)" +
            (pool is null ? "" : $", each sample's outputs max-pooled by {pool.Name} as soon as they are computed") +
            (perSample ? "." : SumsWeightGradientFromRows(layer) ? "; the weight gradient for weights [first, last) of every filter (multiples of 4)."
                : $"; the weight gradient for filters [first, last) (multiples of {ConvKernelEmitter.FilterTile})."));
        var forward = new ConvKernels(g, FusedActivation(layer, training: true), layer.Alpha);
        string input = plan.TrainingInput(layer.Index), output = layer.StoresPreActivation ? $"_{f}PreActivation" : $"_{f}Output";
        using (w.Block($"private void {p}ForwardTraining(int first, int last)"))
        {
            w.Line($"{GeneratedKernels}.{forward.PadName}(ref {input}[0], ref _{f}Padded[0], first, last);");
            // A sample's extended outputs live only until they are compacted: every sample of the range reuses the first
            // one's place (the backward pass writes the output gradient over them), which stays in L2 instead of
            // streaming the whole batch's through memory.
            w.Line($"ref float extended = ref _{f}Extended[first * {p}Extended];");
            // With a fused pooling, a sample's outputs live only until pooled: at stride 1 the pooling reads the extended
            // rows, otherwise the compacted outputs in the range's first place, reused by every sample.
            bool compacts = pool is null || !PoolFusion.UsesExtendedRows(layer);
            string compacted = pool is null ? $"{output}[b * {p}Units]" : $"{output}[first * {p}Units]";
            using (w.Block("for (int b = first; b < last; b++)"))
            {
                w.Line($"{GeneratedKernels}.{forward.ForwardName}(ref _{f}Padded[b * {p}Padded], ref _parameters[{p}Weight], ref _parameters[{p}Bias], ref extended, 0, 1);");
                if (compacts) w.Line($"{GeneratedKernels}.{forward.CompactName}(ref extended, ref {compacted}, 0, 1);");
                if (pool is not null)
                    w.Line($"{GeneratedKernels}.{PoolFusion.ForwardKernel(layer, pool).Name}(ref {(compacts ? compacted : "extended")}, ref _{pool.Field}Output[b * {pool.Prefix}Units], {ArgmaxRecord(pool, "b")}, 1);");
            }
        }
        if (!perSample)
        {
            var k = new ConvKernels(g, ActivationKind.Linear, 0f);
            using (w.Block($"private void {p}WeightGradient(int first, int last)"))
            {
                w.Line(SumsWeightGradientFromRows(layer)
                    ? $"{GeneratedKernels}.{k.WeightGradientRowsName}(ref _{f}GradientRows[0], ref _{f}Padded[0], ref _{f}WeightSums[0], ref _gradients[{p}Weight], ref _gradients[{p}Bias], _rows, first, last);"
                    : $"{GeneratedKernels}.{k.WeightGradientName}(ref _{f}Extended[0], ref _{f}Padded[0], ref _gradients[{p}Weight], ref _gradients[{p}Bias], _rows, first, last);");
            }
        }
        w.Line();
    }

    /// <summary>A reference to sample <paramref name="sample"/>'s record of a fused pooling's choices (uints kept in a float buffer).</summary>
    private static string ArgmaxRecord(LayerPlan pool, string sample) =>
        $"ref global::System.Runtime.CompilerServices.Unsafe.As<float, uint>(ref _{pool.Field}Argmax[{sample} * {pool.Prefix}Argmax])";

    /// <summary>
    /// Values one sample's forward pass moves: its input, padded input, extended and compacted outputs, and with a fused
    /// pooling its outputs and record.
    /// </summary>
    private static long ForwardFloats(NetworkPlan plan, LayerPlan layer) =>
        layer.Inputs + Geometry(layer).PaddedSample + Geometry(layer).ExtendedSample + layer.Units + PooledFloats(plan, layer);

    /// <summary>Values of one sample a fused pooling (<see cref="PoolFusion"/>) adds to the convolution's steps: its outputs and its record.</summary>
    private static long PooledFloats(NetworkPlan plan, LayerPlan layer) =>
        PoolFusion.FusedPool(plan, layer) is { } pool ? pool.Units + MaxPool2DLayer.Instance.Kernel(pool).ArgmaxSlots : 0;

    public override IEnumerable<TrainingStep> TrainingForwardSteps(NetworkPlan plan, LayerPlan layer)
    {
        yield return TrainingStep.PerSample((w, range) => w.Line($"{layer.Prefix}ForwardTraining({range.First}, {range.Last});"),
            ForwardFlopsPerSample(layer), ForwardFloats(plan, layer));
        if (layer.StoresPreActivation || FusedActivation(layer, training: true) != layer.Activation)
        {
            yield return TrainingStep.WholeBatch(w =>
            {
                string output = BufferSpan($"_{layer.Field}Output", Rows(layer));
                if (layer.StoresPreActivation && !(layer.IsLast && KernelPlan.FusesSoftmaxLoss(plan)))
                    w.Line($"{BufferSpan($"_{layer.Field}PreActivation", Rows(layer))}.CopyTo(_{layer.Field}Output);");
                var activation = ActivationCalls.Forward(layer, output);
                if (activation is not null) w.Line(activation);
            });
        }
    }

    public override IEnumerable<TrainingStep> BackwardSteps(NetworkPlan plan, LayerPlan layer)
    {
        var g = Geometry(layer);
        string p = layer.Prefix, f = layer.Field, units = $"{p}Units";
        var k = new ConvKernels(g, ActivationKind.Linear, 0f);
        bool inputGradient = plan.NeedsInputGradient(layer);
        var pool = PoolFusion.FusedPool(plan, layer);
        // A fused pooling reads its own output gradient; at stride 1 it writes the extended rows, not this layer's delta.
        var extendShares = pool is null ? new[] { new SharedRows(layer.Delta, layer.Units) }
            : PoolFusion.UsesExtendedRows(layer) ? new[] { new SharedRows(pool.Delta, pool.Units) }
            : new[] { new SharedRows(pool.Delta, pool.Units), new SharedRows(layer.Delta, layer.Units) };
        var inputGradientShares = new SharedRows(layer.OtherDelta, layer.Inputs);
        long extendFloats = 3L * layer.Units + g.ExtendedSample + PooledFloats(plan, layer), inputGradientFloats = g.ExtendedSample + g.InputGradientSample + layer.Inputs;

        // The activation's derivative, then the output gradient at stride 1 in the forward's extended rows (zeros where
        // no output is), which the weight and input gradients read.
        void ExtendGradient(SourceWriter w, SampleRange range, string extended)
        {
            string deltaRef = range.Ref(layer.Delta, units);
            if (pool is not null)
            {
                // The fused pooling's gradient with the ReLU's derivative: at stride 1 straight into the extended rows;
                // after a stride compacted, from the thread's first place on, as it is needed only until it is extended.
                var kernel = PoolFusion.BackwardKernel(layer, pool);
                string poolUnits = $"{pool.Prefix}Units";
                bool intoExtended = PoolFusion.UsesExtendedRows(layer);
                string target = intoExtended ? extended : $"ref {layer.Delta}[{range.Origin} * {units}]";
                w.Line($"{GeneratedKernels}.{kernel.Name}({range.Ref($"_{pool.Field}Output", poolUnits)}, {ArgmaxRecord(pool, range.First)}, {range.Ref(pool.Delta, poolUnits)}, {target}, {range.Count});");
                if (intoExtended) return;
                deltaRef = target;
            }
            else if (!layer.IsLast)
            {
                string delta = range.Span(layer.Delta, units);
                var backward = ActivationCalls.Backward(layer, range.Span($"_{f}Output", units),
                    layer.StoresPreActivation ? range.Span($"_{f}PreActivation", units) : "default", delta);
                if (backward is not null)
                {
                    w.Line(backward);
                    w.Line($"{FlushToZero}({delta});");
                }
            }
            w.Line($"{GeneratedKernels}.{k.ExtendGradientName}({deltaRef}, {extended}, {range.Count});");
        }
        // Each sample's gradient over the padded input is needed only until it is cropped: from the thread's first place on.
        void InputGradient(SourceWriter w, SampleRange range, string extended) =>
            w.Line($"{GeneratedKernels}.{k.InputGradientName}({extended}, ref _parameters[{p}Weight], ref _{f}InputGradient[{range.Origin} * {g.InputGradientSample}], {range.Ref(layer.OtherDelta, $"{p}Inputs")}, 0, {range.Count});");

        if (!SumsWeightGradientPerSample(layer))
        {
            // The extended gradient stays in its samples' places: the weight gradient sums over the batch after the
            // segment (it reads only this layer's buffers, so it waits for the segment to end instead of cutting it).
            bool rows = SumsWeightGradientFromRows(layer);
            yield return TrainingStep.PerSample((w, range) =>
            {
                ExtendGradient(w, range, range.Ref($"_{f}Extended", $"{p}Extended"));
                // The weight gradient reads the output gradient by position: made while the block's is in cache.
                if (rows) w.Line($"{GeneratedKernels}.{k.GradientRowsName}({range.Ref($"_{f}Extended", $"{p}Extended")}, {range.Ref($"_{f}GradientRows", $"{p}GradientRows")}, {range.Count});");
            }, 0, extendFloats + (rows ? g.GradientRowsSample : 0), extendShares);
            if (inputGradient)
                yield return TrainingStep.PerSample((w, range) => InputGradient(w, range, range.Ref($"_{f}Extended", $"{p}Extended")),
                    ForwardFlopsPerSample(layer), inputGradientFloats, inputGradientShares);
            yield return TrainingStep.WholeBatch(w =>
                w.Line($"if (SplitsAcrossCores({ForwardFlopsPerSample(layer)}L * rows)) RunAcrossCores(_{f}WeightGradient); else {p}WeightGradient(0, {p}{(SumsWeightGradientFromRows(layer) ? "FilterWeights" : "Filters")});"),
                deferrable: true);
            yield break;
        }

        // The extended gradient lives only while its block runs, from the thread's first place on (every block of the
        // thread reuses it), so the steps reading it are one step: a segment boundary between them would let later
        // blocks overwrite it. Each sample's weight and bias gradients go into a row of its own, summed in sample order
        // once every block is done.
        yield return TrainingStep.PerSample((w, range) =>
        {
            string extended = $"ref _{f}Extended[{range.Origin} * {p}Extended]";
            ExtendGradient(w, range, extended);
            using (w.Block($"for (int b = {range.First}; b < {range.Last}; b++)"))
            {
                string place = range.Origin == range.First ? "b" : $"{range.Origin} + b - {range.First}";
                w.Line($"ref float sums = ref _{f}SampleGradients[b * {p}Parameters];");
                w.Line($"{GeneratedKernels}.{k.WeightGradientName}(ref _{f}Extended[({place}) * {p}Extended], ref _{f}Padded[b * {p}Padded], ref sums, ref global::System.Runtime.CompilerServices.Unsafe.Add(ref sums, {p}WeightCount), 1, 0, {p}Filters);");
            }
            if (inputGradient) InputGradient(w, range, extended);
        },
            (inputGradient ? 2 : 1) * ForwardFlopsPerSample(layer),
            extendFloats + g.PaddedSample + g.WeightCount + g.Filters + (inputGradient ? inputGradientFloats : 0),
            inputGradient ? extendShares.Append(inputGradientShares).ToArray() : extendShares);
        yield return TrainingStep.WholeBatch(w =>
            w.Line($"{LayerKernels}.SumRows(_{f}SampleGradients.AsSpan(0, rows * {p}Parameters), rows, _gradients.AsSpan({p}Weight, {p}Parameters));"),
            deferrable: true);
    }

    public override bool InferenceUsesRows(LayerPlan layer) => true;

    /// <summary>Single-sample inference in the caller's scratch: the padded input, then the extended outputs.</summary>
    public override void EmitInference(SourceWriter w, LayerPlan layer, string input, string output, string scratch)
    {
        var kernels = new ConvKernels(Geometry(layer), FusedActivation(layer, training: false), layer.Alpha);
        if (layer.PredictsByWinograd) EmitWinogradInference(w, layer, input, output, scratch, kernels);
        else if (!EmitDirectInference(w, layer, input, output, scratch, kernels)) return;
        if (kernels.Activation != layer.Activation) w.Line(ActivationCalls.Forward(layer, output)!);
    }

    /// <summary>
    /// By the direct convolution: the inputs padded, then the extended outputs, compacted into <paramref name="output"/>
    /// unless a pooling reads them in place (then false: the outputs are not written).
    /// </summary>
    private static bool EmitDirectInference(SourceWriter w, LayerPlan layer, string input, string output, string scratch, ConvKernels kernels)
    {
        var g = Geometry(layer);
        // Laid out as the batch buffers: rows padded samples and their slack, then rows extended samples.
        string padded = $"{scratch}.Slice(0, rows * {g.PaddedSample} + {g.PaddedSlack})", extended = InferenceExtendedRows(layer, scratch);
        // The scratch is reused by every layer: the slack the last vectors read is cleared, so they read zeros.
        if (g.PaddedSlack > 0) w.Line($"{scratch}.Slice(rows * {g.PaddedSample}, {g.PaddedSlack}).Clear();");
        w.Line($"{GeneratedKernels}.{kernels.PadName}(ref {Ref(input)}, ref {Ref(padded)}, 0, rows);");
        w.Line($"{GeneratedKernels}.{kernels.ForwardName}(ref {Ref(padded)}, ref _parameters[{layer.Prefix}Weight], ref _parameters[{layer.Prefix}Bias], ref {Ref(extended)}, 0, rows);");
        if (layer.InferencePool is { } pool)
        {
            w.Line($"// Left in the extended rows: {pool.Name} reads them there.");
            return false;
        }
        w.Line($"{GeneratedKernels}.{kernels.CompactName}(ref {Ref(extended)}, ref {Ref(output)}, 0, rows);");
        return true;
    }

    /// <summary>
    /// Each sample by Winograd's F(4 × 4, 3 × 3) (<see cref="WinogradKernelEmitter"/>) straight from the layer's input,
    /// its steps in the scratch after the padded inputs' place; without AVX-512, by the direct convolution.
    /// </summary>
    private static void EmitWinogradInference(SourceWriter w, LayerPlan layer, string input, string output, string scratch, ConvKernels kernels)
    {
        var g = Geometry(layer);
        var winograd = new WinogradGeometry(g);
        string p = layer.Prefix;
        string work = $"rows * {g.PaddedSample} + {g.PaddedSlack}";
        int transformed = winograd.InputFloats, products = transformed + winograd.TransformedInputFloats, outputs = products + winograd.ProductFloats;
        using (w.Block("if (global::System.Runtime.Intrinsics.Vector512.IsHardwareAccelerated)"))
        {
            w.Line($"global::System.Span<float> winograd = {scratch}.Slice({work}, {winograd.WorkFloats});");
            using (w.Block("for (int b = 0; b < rows; b++)"))
            {
                w.Line($"{GeneratedKernels}.{winograd.InputName}(ref global::System.Runtime.CompilerServices.Unsafe.Add(ref {Ref(input)}, b * {g.Channels * g.Height * g.Width}), ref winograd[0], ref winograd[{transformed}]);");
                w.Line($"{GeneratedKernels}.{winograd.ProductName}(ref winograd[{transformed}], ref {NetworkEmitter.WinogradWeightsField}[{p}WeightWinograd], ref winograd[{products}]);");
                w.Line($"{GeneratedKernels}.{WinogradOutput(layer).Name}(ref winograd[{products}], ref _parameters[{p}Bias], ref winograd[{outputs}], ref {output}[b * {PoolFusion.InferenceOutputLayer(layer).Prefix}Units]);");
            }
        }
        using (w.Block("else"))
        {
            if (!EmitDirectInference(w, layer, input, output, scratch, kernels))
                w.Line($"{GeneratedKernels}.{PoolFusion.InferenceKernel(layer.InferencePool!).Name}(ref {Ref(InferenceExtendedRows(layer, scratch))}, ref {Ref(output)}, rows);");
        }
    }

    /// <summary>The Winograd output kernel of <paramref name="layer"/>, pooling too when a pooling is paired with it at inference.</summary>
    private static WinogradOutputKernel WinogradOutput(LayerPlan layer) =>
        new(new WinogradGeometry(Geometry(layer)), FusedActivation(layer, training: false), layer.Alpha,
            layer.InferencePool is { } pool ? ((Pool2DLayerKind)pool.Kind).Kernel(pool) : null);

    /// <summary>Where a pooling that reads this convolution's extended rows at inference (<see cref="PoolFusion.PairAtInference"/>) finds them in the scratch.</summary>
    public static string InferenceExtendedRows(LayerPlan layer, string scratch)
    {
        var g = Geometry(layer);
        return $"{scratch}.Slice(rows * {g.PaddedSample} + {g.PaddedSlack}, rows * {g.ExtendedSample})";
    }

    public override long ForwardFlopsPerSample(LayerPlan layer) => 2L * Geometry(layer).WeightCount * layer.OutputShape.Height * layer.OutputShape.Width;
}
