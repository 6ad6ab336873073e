using System;
using System.Collections.Generic;
using System.Linq;
using CompiledNets.Generator.Model;

namespace CompiledNets.Generator.Emit;

/// <summary>
/// The layout the emitter writes, derived from a <see cref="NetworkSpec"/>: layer names, widths, offsets into the
/// parameter and buffer arrays, and which buffer holds each layer's gradient during the backward pass. One place
/// computes it so every emitter agrees.
/// </summary>
internal sealed class NetworkPlan
{
    public NetworkPlan(NetworkSpec spec)
    {
        Spec = spec;
        var layers = new List<LayerPlan>();
        var counters = new Dictionary<LayerKind, int>();
        int width = spec.Inputs, parameters = 0, buffers = 0;
        for (int i = 0; i < spec.Layers.Count; i++)
        {
            var layer = spec.Layers[i];
            counters.TryGetValue(layer.Kind, out int count);
            counters[layer.Kind] = ++count;
            var plan = new LayerPlan(i, count, layer, width, parameters, buffers, isLast: i == spec.Layers.Count - 1, spec.WeightDecay);
            layers.Add(plan);
            parameters += plan.ParameterCount;
            buffers += plan.BufferCount;
            width = plan.Units;
        }
        Layers = layers;
        ParameterCount = parameters;
        BufferCount = buffers;
        OutputSize = width;
        FirstTrainable = layers.FindIndex(l => l.ParameterCount > 0);
        WidestHidden = Math.Max(1, layers.Take(layers.Count - 1).Select(l => l.Units).DefaultIfEmpty(1).Max());
        WidestLinear = layers.Where(l => l.Kind == LayerKind.Maxout).Select(l => l.LinearUnits).DefaultIfEmpty(0).Max();
        Widest = layers.Select(l => Math.Max(l.Units, l.LinearUnits)).Max();
        OptimizerStateCount = spec.InferenceOnly ? 0 : spec.Optimizer.Kind switch
        {
            OptimizerKind.Adam or OptimizerKind.AdamW => 2 * ParameterCount,
            OptimizerKind.AdaGrad => ParameterCount,
            OptimizerKind.RmsProp => spec.Optimizer.Momentum > 0 ? 2 * ParameterCount : ParameterCount,
            _ => spec.Optimizer.Momentum > 0 ? ParameterCount : 0,
        };
        AssignDeltaBuffers();
        TrainsInSampleLanes = SampleLaneEmitter.Applies(this);
    }

    public NetworkSpec Spec { get; }

    /// <summary>False for inference-only networks: no backward pass, no optimizer, no training buffers.</summary>
    public bool Trainable => !Spec.InferenceOnly;

    public IReadOnlyList<LayerPlan> Layers { get; }

    public int ParameterCount { get; }

    /// <summary>Non-trainable values (batch-norm running statistics).</summary>
    public int BufferCount { get; }

    public int OutputSize { get; }

    public int OptimizerStateCount { get; }

    /// <summary>The first layer with parameters: the backward pass stops there (it needs no input gradient).</summary>
    public int FirstTrainable { get; }

    /// <summary>Widest layer output before the last one (sizes the rows of single-sample inference).</summary>
    public int WidestHidden { get; }

    /// <summary>Widest linear output of a Maxout layer (0 without one).</summary>
    public int WidestLinear { get; }

    /// <summary>Widest per-sample gradient the backward pass holds (sizes the delta buffers).</summary>
    public int Widest { get; }

    public LayerPlan Last => Layers[Layers.Count - 1];

    public bool HasDropout => Layers.Any(l => l.Kind == LayerKind.Dropout);

    /// <summary>True when training runs in the straight-line sample-lane kernel (<see cref="SampleLaneEmitter"/>).</summary>
    public bool TrainsInSampleLanes { get; }

    /// <summary>True when training runs the general per-layer products, with their buffers and kernels.</summary>
    public bool TrainsPerLayer => Trainable && !TrainsInSampleLanes;

    /// <summary>The activation the loss sees (the last layer's when it is Dense or Activation).</summary>
    public ActivationKind OutputActivation => Last.Kind is LayerKind.Dense or LayerKind.Activation ? Last.Activation : ActivationKind.Linear;

    /// <summary>The training buffer that holds layer <paramref name="index"/>'s input (the batch copy for the first layer).</summary>
    public string TrainingInput(int index) => index == 0 ? "_input" : $"_{Layers[index - 1].Field}Output";

    /// <summary>The buffer holding the pre-activation the loss is computed from.</summary>
    public string LossPreActivation => Last.Kind switch
    {
        LayerKind.Dense => $"_{Last.Field}PreActivation",
        LayerKind.Activation => TrainingInput(Last.Index),
        _ => $"_{Last.Field}Output",
    };

    /// <summary>The canonical architecture string; the interpreted engine builds the same one.</summary>
    public string Architecture =>
        Literal.Int(Spec.Inputs) + " -> " + string.Join(" -> ", Layers.Select(l => l.Describe())) +
        " | " + LossText + " | " + (Spec.InferenceOnly ? "InferenceOnly" : Spec.Optimizer.Kind.ToString());

    /// <summary>The declared loss, or <c>none</c> for an inference-only network declared without one.</summary>
    public string LossText => Spec.LossDeclared ? Spec.Loss.ToString() : "none";

    /// <summary>
    /// Walks the backward pass once to fix which delta buffer holds each layer's incoming gradient. The loss writes
    /// _deltaA; a Dense-like layer's input gradient goes to the other buffer, every other kind works in place.
    /// </summary>
    private void AssignDeltaBuffers()
    {
        string current = "_deltaA", other = "_deltaB";
        for (int i = Layers.Count - 1; i >= Math.Max(FirstTrainable, 0); i--)
        {
            var layer = Layers[i];
            layer.Delta = current;
            layer.OtherDelta = other;
            if (layer.Kind == LayerKind.Dense && i > FirstTrainable)
                (current, other) = (other, current);
            // Maxout routes its gradient into the other buffer (piece gradients) and writes its input gradient back
            // into this one, so the next layer down finds it where it was.
        }
    }
}

/// <summary>One layer's place in the network.</summary>
internal sealed class LayerPlan
{
    public LayerPlan(int index, int ordinal, LayerSpec spec, int inputs, int parameterOffset, int bufferOffset, bool isLast, float networkWeightDecay)
    {
        Index = index;
        Spec = spec;
        Inputs = inputs;
        IsLast = isLast;
        string kindName = spec.Kind switch
        {
            LayerKind.Dense => "dense",
            LayerKind.Dropout => "dropout",
            LayerKind.BatchNorm => "batchnorm",
            LayerKind.LayerNorm => "layernorm",
            LayerKind.Activation => "activation",
            _ => "maxout",
        };
        Name = kindName + Literal.Int(ordinal);
        string kind = spec.Kind.ToString();
        Prefix = kind + Literal.Int(ordinal);
        Field = char.ToLowerInvariant(kind[0]) + kind.Substring(1) + Literal.Int(ordinal);
        Units = spec.Kind is LayerKind.Dense or LayerKind.Maxout ? spec.Units : inputs;
        LinearUnits = spec.Kind switch
        {
            LayerKind.Dense => spec.Units,
            LayerKind.Maxout => spec.Units * spec.Pieces,
            _ => 0,
        };
        WeightOffset = parameterOffset;
        BiasOffset = parameterOffset + inputs * LinearUnits;
        ParameterCount = spec.Kind switch
        {
            LayerKind.Dense or LayerKind.Maxout => inputs * LinearUnits + LinearUnits,
            LayerKind.BatchNorm or LayerKind.LayerNorm => 2 * inputs,
            _ => 0,
        };
        BufferOffset = bufferOffset;
        BufferCount = spec.Kind == LayerKind.BatchNorm ? 2 * inputs : 0;
        L2 = IsDenseLike ? (float.IsNaN(spec.L2) ? networkWeightDecay : spec.L2) : 0f;
    }

    public int Index { get; }

    public LayerSpec Spec { get; }

    public LayerKind Kind => Spec.Kind;

    /// <summary>Values per sample coming in.</summary>
    public int Inputs { get; }

    /// <summary>Values per sample going out.</summary>
    public int Units { get; }

    /// <summary>Outputs of the layer's matrix product: units (Dense), units × pieces (Maxout), 0 otherwise.</summary>
    public int LinearUnits { get; }

    public bool IsLast { get; }

    /// <summary>True for the kinds built on a matrix product (Dense, Maxout).</summary>
    public bool IsDenseLike => Kind is LayerKind.Dense or LayerKind.Maxout;

    /// <summary>Tensor-name prefix, for example <c>dense1</c>.</summary>
    public string Name { get; }

    /// <summary>C# identifier prefix of constants and methods, for example <c>Dense1</c>, <c>BatchNorm1</c>.</summary>
    public string Prefix { get; }

    /// <summary>Prefix of the layer's fields (after an underscore), for example <c>dense1</c>, <c>batchNorm1</c>.</summary>
    public string Field { get; }

    /// <summary>The constant naming the matrix product's output width: <c>Maxout1Linear</c> (units × pieces) or <c>Dense1Units</c>.</summary>
    public string LinearConstant => Prefix + (Kind == LayerKind.Maxout ? "Linear" : "Units");

    /// <summary>Weight (Dense, Maxout) or gamma (normalisation) offset in the parameters.</summary>
    public int WeightOffset { get; }

    /// <summary>Bias (Dense, Maxout) offset; beta follows gamma for the normalisations.</summary>
    public int BiasOffset { get; }

    public int ParameterCount { get; }

    /// <summary>Running mean offset in the buffers (batch norm); the running variance follows.</summary>
    public int BufferOffset { get; }

    public int BufferCount { get; }

    /// <summary>L2 coefficient of the weights (0: none).</summary>
    public float L2 { get; }

    public ActivationKind Activation => Kind is LayerKind.Dense or LayerKind.Activation ? Spec.Activation : ActivationKind.Linear;

    /// <summary>The buffer holding d loss / d output of this layer when its backward step starts.</summary>
    public string Delta { get; set; } = "_deltaA";

    /// <summary>The other delta buffer, free during this layer's backward step.</summary>
    public string OtherDelta { get; set; } = "_deltaB";

    /// <summary>A Dense layer keeps its logits when it is last (fused loss) or when GELU/SiLU need them for the derivative.</summary>
    public bool StoresPreActivation => Kind == LayerKind.Dense && (IsLast || Activation is ActivationKind.GELU or ActivationKind.SiLU);

    /// <summary>The activation's name, with its alpha when that is not the default: <c>LeakyReLU(alpha 0.2)</c>.</summary>
    public string ActivationText =>
        Activation is ActivationKind.LeakyReLU or ActivationKind.ELU && Spec.Alpha != Parsing.LayerReader.DefaultAlpha(Activation)
            ? $"{Activation}(alpha {Spec.Alpha.ToString("R", System.Globalization.CultureInfo.InvariantCulture)})"
            : Activation.ToString();

    public string Describe() => Kind switch
    {
        LayerKind.Dense => $"Dense({Literal.Int(Units)}, {ActivationText})",
        LayerKind.Maxout => $"Maxout({Literal.Int(Units)}, {Literal.Int(Spec.Pieces)})",
        LayerKind.Dropout => $"Dropout({Spec.Rate.ToString("R", System.Globalization.CultureInfo.InvariantCulture)})",
        LayerKind.Activation => $"Activation({ActivationText})",
        LayerKind.BatchNorm => NormalizationSettings.Length == 0 ? "BatchNorm" : $"BatchNorm({NormalizationSettings})",
        _ => NormalizationSettings.Length == 0 ? "LayerNorm" : $"LayerNorm({NormalizationSettings})",
    };

    /// <summary>Normalisation settings that differ from the defaults: <c>eps 0.001, momentum 0.2</c> (empty when none do).</summary>
    private string NormalizationSettings
    {
        get
        {
            var parts = new List<string>();
            if (Spec.Epsilon != 1e-5f) parts.Add("eps " + Spec.Epsilon.ToString("R", System.Globalization.CultureInfo.InvariantCulture));
            if (Kind == LayerKind.BatchNorm && Spec.Momentum != 0.1f) parts.Add("momentum " + Spec.Momentum.ToString("R", System.Globalization.CultureInfo.InvariantCulture));
            return string.Join(", ", parts);
        }
    }

    /// <summary>The type shown in the summary table.</summary>
    public string SummaryKind => Kind switch
    {
        LayerKind.Dense => "Dense",
        LayerKind.Maxout => "Maxout",
        LayerKind.Dropout => "Dropout",
        LayerKind.Activation => "Activation",
        LayerKind.BatchNorm => "BatchNorm",
        _ => "LayerNorm",
    };

    /// <summary>The summary's detail column.</summary>
    public string SummaryDetail => Kind switch
    {
        LayerKind.Dense or LayerKind.Activation => ActivationText,
        LayerKind.Maxout => $"{Literal.Int(Spec.Pieces)} pieces",
        LayerKind.Dropout => $"rate {Spec.Rate.ToString("R", System.Globalization.CultureInfo.InvariantCulture)}",
        LayerKind.BatchNorm or LayerKind.LayerNorm => NormalizationSettings,
        _ => "",
    };

    public string ResolvedWeightInit => (Spec.WeightInit == InitKind.Default
        ? Activation is ActivationKind.ReLU or ActivationKind.LeakyReLU or ActivationKind.ELU or ActivationKind.GELU or ActivationKind.SiLU ? InitKind.HeUniform : InitKind.GlorotUniform
        : Spec.WeightInit).ToString();

    public string ResolvedBiasInit => (Spec.BiasInit == InitKind.Default ? InitKind.Zeros : Spec.BiasInit).ToString();
}
