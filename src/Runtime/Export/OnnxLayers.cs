using System.Globalization;
using CompiledNets.Kernels;

namespace CompiledNets.Export;

/// <summary>
/// One layer of a network in exportable form: its weights copied out of the network, the ONNX nodes that compute
/// it in inference mode (<see cref="Emit"/>), and the same computation in managed code (<see cref="Reference"/>),
/// which the exporter runs against <see cref="INetwork.Predict"/> to prove that the summary it read describes the
/// network that actually runs.
/// </summary>
internal abstract class OnnxLayer
{
    protected OnnxLayer(string name, int inputs, int outputs)
        : this(name, inputs, [outputs])
    {
    }

    protected OnnxLayer(string name, int inputs, int[] outputShape)
    {
        Name = name;
        Inputs = inputs;
        OutputShape = outputShape;
        Outputs = LayerSource.Product(outputShape);
    }

    /// <summary>The layer's name (<c>dense1</c>), the prefix of its tensors and ONNX values.</summary>
    public string Name { get; }

    /// <summary>Features per sample going in.</summary>
    public int Inputs { get; }

    /// <summary>Features per sample coming out.</summary>
    public int Outputs { get; }

    /// <summary>The shape of one sample coming out: <c>[features]</c>, or <c>[C, H, W]</c> for an image-shaped layer.</summary>
    public int[] OutputShape { get; }

    /// <summary>Appends the layer's nodes and initializers; returns the name of the value holding its output.</summary>
    public abstract string Emit(OnnxGraphBuilder graph, string input);

    /// <summary>The layer's inference-mode output for one sample, computed with the runtime's own kernels.</summary>
    public abstract void Reference(ReadOnlySpan<float> input, Span<float> output);

    /// <summary>
    /// A setting the exporter had to assume because the summary does not state it (<c>epsilon 1E-05 (default; not
    /// stated in the summary)</c>), or null. A network with assumptions is verified at the export's own tolerance,
    /// so a wrong guess is refused instead of written.
    /// </summary>
    public virtual string? Assumption => null;
}

/// <summary>What a layer exporter is given: the network, the layer's summary row, and where it sits.</summary>
internal sealed class LayerSource
{
    public LayerSource(INetwork network, LayerSummary layer, int position, int[] inputShape, bool productWeightsAsPredicted = false)
    {
        Network = network;
        Layer = layer;
        Position = position;
        InputShape = inputShape;
        ProductWeightsInBFloat16 = productWeightsAsPredicted && network.InferenceWeights == WeightPrecision.BFloat16;
    }

    /// <summary>True when <see cref="ProductWeights"/> rounds to bfloat16, as the network's predictions read them.</summary>
    public bool ProductWeightsInBFloat16 { get; }

    public INetwork Network { get; }

    public LayerSummary Layer { get; }

    /// <summary>1-based position in the network, for messages.</summary>
    public int Position { get; }

    /// <summary>The shape of one sample going into the layer (the previous layer's output shape, or the network's input shape).</summary>
    public int[] InputShape { get; }

    /// <summary>Values per sample going into the layer.</summary>
    public int Inputs => Product(InputShape);

    /// <summary>True when the layer reads <c>[C, H, W]</c> images.</summary>
    public bool ImageInput => InputShape.Length == 3;

    /// <summary>How messages name the layer: <c>Layer 2 (dense2, Dense ReLU)</c>.</summary>
    public string Label =>
        $"Layer {Position} ({Layer.Name}, {Layer.Kind}{(Layer.Detail.Length > 0 ? " " + Layer.Detail : "")})";

    /// <summary>The summary's output shape, which must be <c>[features]</c> or <c>[C, H, W]</c> with positive dimensions.</summary>
    public int[] OutputShape
    {
        get
        {
            var shape = Layer.OutputShape;
            if (shape.Length is not (1 or 3) || shape.Any(d => d <= 0))
                throw new NotSupportedException($"{Label}: output shape [{string.Join(", ", shape)}] is neither [features] nor [channels, height, width].");
            return shape;
        }
    }

    /// <summary>Values per sample coming out (the product of <see cref="OutputShape"/>).</summary>
    public int Outputs => Product(OutputShape);

    /// <summary>The input's feature count, for layers that need a flat <c>[features]</c> input (Dense, Maxout).</summary>
    public int FlatInputs
    {
        get
        {
            if (ImageInput)
                throw new InvalidOperationException($"{Label}: the summary gives it the image-shaped input [{string.Join(", ", InputShape)}]; a Flatten must come before it.");
            return Inputs;
        }
    }

    /// <summary>The input's <c>[C, H, W]</c>, for layers that need an image (convolution, pooling).</summary>
    public (int Channels, int Height, int Width) Image
    {
        get
        {
            if (!ImageInput)
                throw new InvalidOperationException($"{Label}: an image layer, but its input is the flat [{string.Join(", ", InputShape)}].");
            return (InputShape[0], InputShape[1], InputShape[2]);
        }
    }

    /// <summary>The product of a shape's dimensions.</summary>
    public static int Product(int[] shape)
    {
        long product = 1;
        foreach (int d in shape) product *= d;
        return checked((int)product);
    }

    /// <summary>The weight matrix <c>[outputs, inputs]</c> of a Dense or Maxout layer (rounded as <see cref="ProductWeightsInBFloat16"/> says).</summary>
    public float[] ProductWeights(int outputs, int inputs)
    {
        var weights = Tensor("weight", outputs, inputs);
        if (ProductWeightsInBFloat16)
            for (int i = 0; i < weights.Length; i++) weights[i] = BFloat16.ToSingle(BFloat16.FromSingle(weights[i]));
        return weights;
    }

    /// <summary>
    /// A copy of the tensor <c>{layer}.{suffix}</c> (from <see cref="INetwork.Parameters"/> or
    /// <see cref="INetwork.Buffers"/>), checked against <paramref name="shape"/>.
    /// </summary>
    public float[] Tensor(string suffix, params int[] shape)
    {
        string name = Layer.Name + "." + suffix;
        TensorInfo? info = null;
        foreach (var tensor in Network.Tensors)
            if (tensor.Name == name && tensor.Storage != TensorStorage.OptimizerState) { info = tensor; break; }
        if (info is null)
            throw new InvalidOperationException($"{Label}: the network has no tensor '{name}' to export.");
        if (!info.Shape.AsSpan().SequenceEqual(shape))
            throw new InvalidOperationException($"{Label}: tensor '{name}' has shape {info.ShapeText}, expected [{string.Join(", ", shape)}].");
        ReadOnlySpan<float> storage = info.Storage == TensorStorage.Parameters ? Network.Parameters : Network.Buffers;
        if (info.Offset < 0 || info.Offset + info.Length > storage.Length)
            throw new InvalidOperationException($"{Label}: tensor '{name}' lies outside the network's {info.Storage} buffer.");
        return storage.Slice(info.Offset, info.Length).ToArray();
    }
}

/// <summary>
/// The layer kinds the exporter knows, keyed by <see cref="LayerSummary.Kind"/>. Supporting a new kind is one entry
/// here plus one small <see cref="OnnxLayer"/> (the kinds beyond Dense and Dropout are in
/// <c>OnnxLayers.Kinds.cs</c>):
/// <list type="bullet">
/// <item><c>Dense</c>: <c>Gemm(transB=1)</c> and its activation.</item>
/// <item><c>Dropout</c>: the identity in inference mode (no node).</item>
/// <item><c>Activation</c>: the activation's nodes alone.</item>
/// <item><c>BatchNorm</c>: <c>BatchNormalization</c> (opset 15) with <c>gamma</c>, <c>beta</c> and the running mean
/// and variance from <see cref="INetwork.Buffers"/>, epsilon as an attribute (input rank 2, <c>[N, C]</c>).</item>
/// <item><c>LayerNorm</c>: <c>LayerNormalization</c> (opset 17, axis -1) with <c>gamma</c>/<c>beta</c> and epsilon.</item>
/// <item><c>Maxout</c>: <c>Gemm</c>, <c>Reshape</c> to <c>[N, units, pieces]</c>, <c>ReduceMax(axes=[2], keepdims=0)</c>.</item>
/// <item>The image layers (<c>OnnxLayers.Images.cs</c>): <c>Conv2D</c> as <c>Conv</c>, <c>MaxPool2D</c> as <c>MaxPool</c>,
/// <c>AvgPool2D</c> as <c>AveragePool</c> (<c>count_include_pad=0</c>), <c>GlobalAvgPool2D</c> as <c>GlobalAveragePool</c>
/// and <c>Flatten</c>, <c>Flatten</c> as <c>Flatten(axis=1)</c>; BatchNorm per channel and LayerNorm over C, H, W on images.</item>
/// </list>
/// A kind not in the table makes the export throw <see cref="NotSupportedException"/> naming the layer.
/// </summary>
internal static partial class OnnxLayers
{
    private static readonly Dictionary<string, Func<LayerSource, OnnxLayer>> Kinds = new(StringComparer.Ordinal)
    {
        ["Dense"] = DenseLayer.Create,
        ["Dropout"] = source => new IdentityLayer(source.Layer.Name, SameShape(source)),
        ["Activation"] = ActivationLayer.Create,
        ["BatchNorm"] = BatchNormLayer.Create,
        ["LayerNorm"] = LayerNormLayer.Create,
        ["Maxout"] = MaxoutLayer.Create,
        ["Conv2D"] = Conv2DLayer.Create,
        ["MaxPool2D"] = source => Pool2DLayer.Create(source, max: true),
        ["AvgPool2D"] = source => Pool2DLayer.Create(source, max: false),
        ["GlobalAvgPool2D"] = GlobalAvgPool2DLayer.Create,
        ["Flatten"] = FlattenLayer.Create,
    };

    /// <summary>The kinds <see cref="Create"/> accepts.</summary>
    public static IEnumerable<string> SupportedKinds => Kinds.Keys;

    public static OnnxLayer Create(LayerSource source)
    {
        if (!Kinds.TryGetValue(source.Layer.Kind, out var create))
            throw new NotSupportedException(
                $"{source.Label}: layer kind '{source.Layer.Kind}' cannot be exported to ONNX yet (supported: {string.Join(", ", Kinds.Keys)}).");
        return create(source);
    }

    /// <summary>The shape of a layer that keeps its input's shape (Dropout, Activation, the normalisations), checked against its summary row.</summary>
    private static int[] SameShape(LayerSource source)
    {
        var shape = source.OutputShape;
        if (!shape.AsSpan().SequenceEqual(source.InputShape))
            throw new InvalidOperationException($"{source.Label}: the summary gives the output shape [{string.Join(", ", shape)}] for a layer that keeps its input's [{string.Join(", ", source.InputShape)}].");
        return shape;
    }

    /// <summary>Dense: <c>Gemm(x, W, b, transB=1)</c> with W stored <c>[out, in]</c>, then the activation.</summary>
    private sealed class DenseLayer : OnnxLayer
    {
        private readonly float[] _weight;
        private readonly float[] _bias;
        private readonly Activation _activation;
        private readonly float _alpha;

        private DenseLayer(string name, int inputs, int outputs, float[] weight, float[] bias, Activation activation, float alpha)
            : base(name, inputs, outputs)
        {
            _weight = weight;
            _bias = bias;
            _activation = activation;
            _alpha = alpha;
        }

        public static OnnxLayer Create(LayerSource source)
        {
            int inputs = source.FlatInputs;
            int outputs = source.Outputs;
            var (activation, alpha) = OnnxActivations.Parse(source);
            return new DenseLayer(source.Layer.Name, inputs, outputs,
                source.ProductWeights(outputs, inputs), source.Tensor("bias", outputs), activation, alpha);
        }

        public override string Emit(OnnxGraphBuilder graph, string input)
        {
            string weight = graph.Initializer(Name + ".weight", [Outputs, Inputs], _weight);
            string bias = graph.Initializer(Name + ".bias", [Outputs], _bias);
            string linear = graph.Node("Gemm", Name + ".gemm", [input, weight, bias], OnnxGraphBuilder.Int("transB", 1));
            return OnnxActivations.Emit(graph, _activation, _alpha, linear, Name);
        }

        public override void Reference(ReadOnlySpan<float> input, Span<float> output)
        {
            for (int o = 0; o < Outputs; o++)
            {
                double sum = _bias[o];
                var row = _weight.AsSpan(o * Inputs, Inputs);
                for (int k = 0; k < Inputs; k++) sum += (double)row[k] * input[k];
                output[o] = (float)sum;
            }
            ActivationKernels.Forward(_activation, _alpha, output, Outputs);
        }
    }

    /// <summary>A layer that is the identity in inference mode (Dropout): no node at all.</summary>
    private sealed class IdentityLayer : OnnxLayer
    {
        public IdentityLayer(string name, int[] shape) : base(name, LayerSource.Product(shape), shape) { }

        public override string Emit(OnnxGraphBuilder graph, string input) => input;

        public override void Reference(ReadOnlySpan<float> input, Span<float> output) => input.CopyTo(output);
    }
}

/// <summary>Activations: read from a summary row's <see cref="LayerSummary.Detail"/>, written as ONNX nodes.</summary>
internal static class OnnxActivations
{
    /// <summary>sqrt(2 / pi) and the cubic coefficient of GELU's tanh approximation (as in <see cref="ActivationKernels"/>).</summary>
    private const float GeluScale = 0.7978845608028654f;
    private const float GeluCubic = 0.044715f;

    /// <summary>
    /// The activation and its alpha from a detail such as <c>ReLU</c>, <c>LeakyReLU</c> (default alpha),
    /// <c>LeakyReLU(alpha 0.2)</c>, <c>LeakyReLU(alpha=0.2)</c> or <c>ELU(0.5)</c>. An empty detail means Linear.
    /// </summary>
    public static (Activation Activation, float Alpha) Parse(LayerSource source) => Parse(source, source.Layer.Detail);

    /// <summary>As <see cref="Parse(LayerSource)"/>, from part of the detail (a convolution's <c>3x3, ReLU</c> gives <c>ReLU</c>).</summary>
    public static (Activation Activation, float Alpha) Parse(LayerSource source, string text)
    {
        string detail = text.Trim();
        if (detail.Length == 0) return (Activation.Linear, 0f);
        string name = detail;
        string? argument = null;
        int open = detail.IndexOf('(');
        if (open >= 0)
        {
            if (!detail.EndsWith(')'))
                throw new NotSupportedException($"{source.Label}: cannot read the activation '{detail}'.");
            name = detail[..open].Trim();
            argument = detail[(open + 1)..^1].Trim();
        }
        if (!Enum.TryParse(name, ignoreCase: false, out Activation activation) || !Enum.IsDefined(activation))
            throw new NotSupportedException($"{source.Label}: activation '{name}' cannot be exported to ONNX (known: {string.Join(", ", Enum.GetNames<Activation>())}).");

        float alpha = ActivationKernels.DefaultAlpha(activation);
        if (!string.IsNullOrEmpty(argument))
        {
            // "alpha 0.2", "alpha=0.2", "alpha: 0.2" or just "0.2".
            string number = argument;
            if (number.StartsWith("alpha", StringComparison.OrdinalIgnoreCase))
                number = number["alpha".Length..].TrimStart(' ', '=', ':');
            if (!float.TryParse(number, NumberStyles.Float, CultureInfo.InvariantCulture, out alpha) || !float.IsFinite(alpha))
                throw new NotSupportedException($"{source.Label}: cannot read the activation setting '{argument}' of '{detail}'.");
        }
        return (activation, alpha);
    }

    /// <summary>
    /// As <see cref="Emit(OnnxGraphBuilder, Activation, float, string, string)"/>, on values of the per-sample <paramref name="shape"/>: an image-shaped Softmax normalises over
    /// all of a sample's values, as the network does, so it runs on a flattened copy (<c>Flatten</c>, <c>Softmax</c>,
    /// <c>Reshape</c> back to <c>[N, C, H, W]</c>); every other activation is element-wise.
    /// </summary>
    public static string Emit(OnnxGraphBuilder g, Activation activation, float alpha, string x, string layer, int[] shape)
    {
        if (activation != Activation.Softmax || shape.Length == 1) return Emit(g, activation, alpha, x, layer);
        string flat = g.Node("Flatten", layer + ".softmax_flat", [x], OnnxGraphBuilder.Int("axis", 1));
        string softmax = g.Node("Softmax", layer + ".softmax", [flat], OnnxGraphBuilder.Int("axis", -1));
        long[] target = [0, .. shape.Select(d => (long)d)];
        return g.Node("Reshape", layer + ".output", [softmax, g.Int64Initializer(layer + ".softmax_shape", target)]);
    }

    /// <summary>Appends the nodes of <paramref name="activation"/> applied to <paramref name="x"/>; returns the output's name.</summary>
    public static string Emit(OnnxGraphBuilder g, Activation activation, float alpha, string x, string layer)
    {
        string output = layer + ".output";
        switch (activation)
        {
            case Activation.Linear:
                return x;
            case Activation.Sigmoid:
                return g.Node("Sigmoid", output, [x]);
            case Activation.Tanh:
                return g.Node("Tanh", output, [x]);
            case Activation.ReLU:
                return g.Node("Relu", output, [x]);
            case Activation.Softmax:
                // Softmax-13 normalises over the given axis only (older opsets flattened [axis:]); -1 = features.
                return g.Node("Softmax", output, [x], OnnxGraphBuilder.Int("axis", -1));
            case Activation.LeakyReLU:
                return g.Node("LeakyRelu", output, [x], OnnxGraphBuilder.Float("alpha", alpha));
            case Activation.ELU:
                return g.Node("Elu", output, [x], OnnxGraphBuilder.Float("alpha", alpha));
            case Activation.GELU:
            {
                // 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x³))), from primitives: Gelu is an opset-20 operator.
                string x2 = g.Node("Mul", layer + ".gelu_x2", [x, x]);
                string x3 = g.Node("Mul", layer + ".gelu_x3", [x2, x]);
                string cubic = g.Node("Mul", layer + ".gelu_cubic", [x3, g.Constant(GeluCubic)]);
                string inner = g.Node("Add", layer + ".gelu_inner", [x, cubic]);
                string scaled = g.Node("Mul", layer + ".gelu_scaled", [inner, g.Constant(GeluScale)]);
                string tanh = g.Node("Tanh", layer + ".gelu_tanh", [scaled]);
                string onePlus = g.Node("Add", layer + ".gelu_one_plus", [tanh, g.Constant(1f)]);
                string half = g.Node("Mul", layer + ".gelu_half_x", [x, g.Constant(0.5f)]);
                return g.Node("Mul", output, [half, onePlus]);
            }
            case Activation.SiLU:
            {
                string sigmoid = g.Node("Sigmoid", layer + ".silu_sigmoid", [x]);
                return g.Node("Mul", output, [x, sigmoid]);
            }
            case Activation.Step:
            {
                // 1 where x >= 0, else 0; NaN stays NaN (GreaterOrEqual is false for NaN, so Where keeps x there).
                string positive = g.Node("GreaterOrEqual", layer + ".step_ge", [x, g.Constant(0f)]);
                string step = g.Node("Cast", layer + ".step_cast", [positive], OnnxGraphBuilder.Int("to", (long)Onnx.TensorProto.Types.DataType.Float));
                string nan = g.Node("IsNaN", layer + ".step_isnan", [x]);
                return g.Node("Where", output, [nan, x, step]);
            }
            default:
                throw new NotSupportedException($"{layer}: activation {activation} has no ONNX form.");
        }
    }
}
