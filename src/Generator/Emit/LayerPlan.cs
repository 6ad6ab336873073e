using System.Collections.Generic;
using CompiledNets.Generator.Layers;
using CompiledNets.Generator.Model;

namespace CompiledNets.Generator.Emit;

/// <summary>
/// One layer's place in the network: its names, shapes, offsets into the parameter and buffer arrays, and the delta
/// buffers of its backward step. What depends on the kind, its kind computes.
/// </summary>
internal sealed class LayerPlan
{
    public LayerPlan(int index, int ordinal, LayerSpec spec, IReadOnlyList<Shape> inputs, IReadOnlyList<int> sources, string? name,
        int parameterOffset, int bufferOffset, bool isLast, float networkWeightDecay)
    {
        Index = index;
        Spec = spec;
        var input = inputs[0];
        InputShape = input;
        SourceShapes = inputs;
        Sources = sources;
        IsLast = isLast;
        Name = name ?? Kind.TensorPrefix + Literal.Int(ordinal);
        Prefix = Kind.Identifier + Literal.Int(ordinal);
        Field = char.ToLowerInvariant(Kind.Identifier[0]) + Kind.Identifier.Substring(1) + Literal.Int(ordinal);
        Inputs = (int)input.Size;
        OutputShape = Kind.OutputShape(spec, inputs);
        Units = (int)OutputShape.Size;
        LinearUnits = Kind.LinearUnits(spec);
        WeightOffset = parameterOffset;
        BiasOffset = parameterOffset + (int)Kind.WeightCount(spec, input);
        ParameterCount = (int)Kind.ParameterCount(spec, input);
        BufferOffset = bufferOffset;
        BufferCount = (int)Kind.BufferCount(spec, input);
        // NaN: the network's weight decay; kinds without weights to decay say 0.
        float l2 = Kind.L2(spec);
        L2 = float.IsNaN(l2) ? networkWeightDecay : l2;
    }

    public int Index { get; }

    public LayerSpec Spec { get; }

    public LayerKind Kind => Spec.Kind;

    /// <summary>One sample's values coming in (a merge's first input).</summary>
    public Shape InputShape { get; }

    /// <summary>The shapes of every value the layer reads, in order (one, except for merges).</summary>
    public IReadOnlyList<Shape> SourceShapes { get; }

    /// <summary>The values the layer reads, as <see cref="ValueRef"/>s: the previous layer (or the input) in a chain.</summary>
    public IReadOnlyList<int> Sources { get; }

    /// <summary>One sample's values going out.</summary>
    public Shape OutputShape { get; }

    /// <summary>Values per sample coming in.</summary>
    public int Inputs { get; }

    /// <summary>Values per sample going out.</summary>
    public int Units { get; }

    /// <summary>Outputs of the layer's matrix product (units × pieces for Maxout), 0 without one.</summary>
    public int LinearUnits { get; }

    public bool IsLast { get; }

    /// <summary>Tensor-name prefix, for example <c>dense1</c>, or the layer's declared name.</summary>
    public string Name { get; }

    /// <summary>C# identifier prefix of constants and methods, for example <c>Dense1</c>, <c>BatchNorm1</c>.</summary>
    public string Prefix { get; }

    /// <summary>Prefix of the layer's fields (after an underscore), for example <c>dense1</c>, <c>batchNorm1</c>.</summary>
    public string Field { get; }

    /// <summary>The constant naming the matrix product's output width: <c>Maxout1Linear</c> (units × pieces) or <c>Dense1Units</c>.</summary>
    public string LinearConstant => Prefix + (Kind.HasPieces ? "Linear" : "Units");

    /// <summary>Weight (product kinds) or gamma (normalisation) offset in the parameters.</summary>
    public int WeightOffset { get; }

    /// <summary>Bias offset of the product kinds; beta follows gamma for the normalisations.</summary>
    public int BiasOffset { get; }

    public int ParameterCount { get; }

    /// <summary>Running mean offset in the buffers (batch norm); the running variance follows.</summary>
    public int BufferOffset { get; }

    public int BufferCount { get; }

    /// <summary>L2 coefficient of the weights (0: none).</summary>
    public float L2 { get; }

    public ActivationKind Activation => Kind.Activation(Spec);

    /// <summary>The slope or saturation of <see cref="Activation"/> (LeakyReLU, ELU).</summary>
    public float Alpha => Kind.Alpha(Spec);

    /// <summary>The buffer holding d loss / d output of this layer when its backward step starts.</summary>
    public string Delta { get; set; } = "_deltaA";

    /// <summary>The other delta buffer, free during this layer's backward step.</summary>
    public string OtherDelta { get; set; } = "_deltaB";

    /// <summary>
    /// Where the layer's weights start in the bfloat16 copy its predictions read (<see cref="NetworkPlan.InfersInBFloat16"/>),
    /// or -1 when its predictions read the float32 parameters.
    /// </summary>
    public int BFloat16WeightOffset { get; set; } = -1;

    /// <summary>True when the layer's inference product reads bfloat16 weights.</summary>
    public bool InfersInBFloat16 => BFloat16WeightOffset >= 0;

    /// <summary>
    /// Where the layer's weights start in the interleaved float32 copy single-sample <c>Predict</c> reads
    /// (<see cref="KernelPlan.PredictsFromInterleavedWeights"/>), or -1 when it reads the parameters.
    /// </summary>
    public int InterleavedWeightOffset { get; set; } = -1;

    /// <summary>True when the layer's single-sample product reads the interleaved copy of its weights.</summary>
    public bool PredictsFromInterleavedWeights => InterleavedWeightOffset >= 0;

    /// <summary>
    /// Where a convolution's transformed filters start in the Winograd copy its predictions read
    /// (<see cref="KernelPlan.PredictsByWinograd"/>), or -1 when it predicts by the direct convolution.
    /// </summary>
    public int WinogradWeightOffset { get; set; } = -1;

    /// <summary>True when the convolution predicts by Winograd's minimal filtering.</summary>
    public bool PredictsByWinograd => WinogradWeightOffset >= 0;

    /// <summary>
    /// On a convolution: the pooling paired with it at inference (<see cref="PoolFusion.PairAtInference"/>), which reads its
    /// outputs straight from its extended rows (so it leaves them uncompacted), or which its Winograd outputs are pooled
    /// into; otherwise null.
    /// </summary>
    public LayerPlan? InferencePool { get; set; }

    /// <summary>On a pooling: the convolution paired with it at inference (<see cref="InferencePool"/>), or null when it reads its input.</summary>
    public LayerPlan? InferenceSource { get; set; }

    /// <summary>Weights of the layer's product: linear outputs × inputs.</summary>
    public long WeightCount => (long)LinearUnits * Inputs;

    /// <summary>True when training keeps the values before the activation (see the kind).</summary>
    public bool StoresPreActivation => Kind.StoresPreActivation(this);

    /// <summary>The activation's name, with its alpha when that is not the default: <c>LeakyReLU(alpha 0.2)</c>.</summary>
    public string ActivationText =>
        Activation is ActivationKind.LeakyReLU or ActivationKind.ELU && Alpha != Parsing.LayerAttribute.DefaultAlpha(Activation)
            ? $"{Activation}(alpha {Alpha.ToString("R", System.Globalization.CultureInfo.InvariantCulture)})"
            : Activation.ToString();

    /// <summary>The layer's part of the canonical architecture string.</summary>
    public string Describe() => Kind.Describe(this);

    /// <summary>The type shown in the summary table.</summary>
    public string SummaryKind => Kind.SummaryKind;

    /// <summary>The summary's detail column.</summary>
    public string SummaryDetail => Kind.SummaryDetail(this);
}
