using CompiledNets.Kernels;

namespace CompiledNets;

/// <summary>
/// A 2-D convolution (PyTorch's <c>Conv2d</c>, Keras's padding rules): <c>filters</c> output channels, each the sum over
/// every input channel of a <c>kh × kw</c> window times its weights, plus a bias, then the activation. Weight
/// <c>[filters, in_channels, kh, kw]</c> at <see cref="Layer.ParameterOffset"/>, bias <c>[filters]</c> right after it,
/// as in the generated network.
/// </summary>
/// <remarks>The products are <see cref="ConvMath"/>'s; the activation and its derivative are the shared <see cref="ActivationKernels"/>.</remarks>
internal sealed class Conv2DLayer : Layer
{
    private readonly WindowGeometry _geometry;
    private readonly int _filters;
    private readonly Padding _padding;
    private readonly Activation _activation;
    private readonly float _alpha;
    private readonly float _l2;
    private readonly Init _weightInit;
    private readonly Init _biasInit;
    private AlignedFloats _parameters = AlignedFloats.Empty;
    private AlignedFloats _gradients = AlignedFloats.Empty;
    private int _weightOffset, _biasOffset;
    private AlignedFloats _scratch = AlignedFloats.Empty;
    private AlignedFloats _output = AlignedFloats.Empty;
    private AlignedFloats? _preActivation;

    // l2: the layer's own L2 coefficient; NaN means the network's weight decay.
    public Conv2DLayer(string name, WindowGeometry geometry, int filters, Padding padding, Activation activation, float alpha, Init weightInit, Init biasInit, float l2)
        : base(name, geometry.Input, LayerShape.Image(filters, geometry.OutputHeight, geometry.OutputWidth))
    {
        _geometry = geometry;
        _filters = filters;
        _padding = padding;
        _activation = activation;
        _alpha = alpha;
        _l2 = l2;
        _weightInit = weightInit == Init.Default ? Initializers.ResolveWeightDefault(activation) : weightInit;
        _biasInit = biasInit == Init.Default ? Init.Zeros : biasInit;
    }

    public override string Kind => "Conv2D";

    public override string Describe() => $"Conv2D({Number(_filters)}, {Detail})";

    /// <summary><c>3x3, ReLU</c>, with <c>, stride 2</c> and <c>, same</c> after the kernel when they apply.</summary>
    public override string Detail => $"{WindowText(_geometry.KernelHeight, _geometry.KernelWidth, _geometry.Stride, 1, _padding)}, {ActivationText(_activation, _alpha)}";

    /// <summary>Values per kernel: in_channels · kh · kw (the fan-in).</summary>
    private int KernelSize => InputShape.Channels * _geometry.KernelArea;

    public override int ParameterCount => _filters * KernelSize + _filters;

    public override bool HasActivation => true;

    public override Activation OutputActivation => _activation;

    public override float OutputAlpha => _alpha;

    public override int InferenceScratchFor(int rows) => ConvMath.ForwardScratch(_filters, _geometry);

    private ReadOnlySpan<float> Weights => _parameters.AsSpan(_weightOffset, _filters * KernelSize);

    private ReadOnlySpan<float> Bias => _parameters.AsSpan(_biasOffset, _filters);

    public override void Bind(in LayerBinding binding)
    {
        base.Bind(binding);
        _parameters = binding.Parameters;
        _gradients = binding.Gradients;
        _weightOffset = binding.ParameterOffset;
        _biasOffset = binding.ParameterOffset + _filters * KernelSize;
        if (!binding.Training) return;
        _scratch = new AlignedFloats(ConvMath.BackwardScratch(_filters, _geometry));
        _output = new AlignedFloats(binding.MaxBatchSize * Outputs);
        // The loss needs the last layer's logits; GELU and SiLU need their inputs for the derivative.
        _preActivation = binding.IsLast || ActivationKernels.NeedsPreActivation(_activation) ? new AlignedFloats(binding.MaxBatchSize * Outputs) : null;
    }

    public override IEnumerable<TensorInfo> Tensors() =>
    [
        new(Name + ".weight", [_filters, InputShape.Channels, _geometry.KernelHeight, _geometry.KernelWidth], TensorStorage.Parameters, _weightOffset),
        new(Name + ".bias", [_filters], TensorStorage.Parameters, _biasOffset),
    ];

    public override void Initialize(ref SeededRandom random)
    {
        int fanIn = KernelSize, fanOut = _filters * _geometry.KernelArea;
        Initializers.Fill(_weightInit, _parameters.AsSpan(_weightOffset, _filters * KernelSize), fanIn, fanOut, ref random);
        Initializers.Fill(_biasInit, _parameters.AsSpan(_biasOffset, _filters), fanIn, fanOut, ref random);
    }

    public override void Infer(ReadOnlySpan<float> input, Span<float> output, int batch, Span<float> scratch)
    {
        output = output[..(batch * Outputs)];
        ConvMath.Forward(input, Weights, Bias, output, batch, _filters, scratch, _geometry);
        ActivationKernels.Forward(_activation, _alpha, output, Outputs);
    }

    public override ReadOnlySpan<float> Forward(ReadOnlySpan<float> input, int batch)
    {
        var output = _output.AsSpan(0, batch * Outputs);
        if (_preActivation is null)
        {
            ConvMath.Forward(input, Weights, Bias, output, batch, _filters, _scratch, _geometry);
        }
        else
        {
            var pre = _preActivation.AsSpan(0, batch * Outputs);
            ConvMath.Forward(input, Weights, Bias, pre, batch, _filters, _scratch, _geometry);
            pre.CopyTo(output);
        }
        ActivationKernels.Forward(_activation, _alpha, output, Outputs);
        return output;
    }

    public override ReadOnlySpan<float> Output(int batch) => _output.AsSpan(0, batch * Outputs);

    public override ReadOnlySpan<float> PreActivation(ReadOnlySpan<float> input, int batch) =>
        _preActivation is null ? Output(batch) : _preActivation.AsSpan(0, batch * Outputs);

    public override void Backward(ReadOnlySpan<float> input, Span<float> outputGradient, Span<float> inputGradient, int batch, bool gradientIsPreActivation)
    {
        var delta = outputGradient[..(batch * Outputs)];
        if (!gradientIsPreActivation)
        {
            ActivationKernels.Backward(_activation, _alpha, Output(batch), _preActivation is null ? default : _preActivation.AsSpan(0, batch * Outputs), delta, Outputs);
            Subnormals.FlushToZero(delta);
        }
        ConvMath.Backward(delta, input, Weights, _gradients.AsSpan(_weightOffset, _filters * KernelSize), _gradients.AsSpan(_biasOffset, _filters),
            inputGradient, batch, _filters, _scratch, _geometry);
    }

    public override float AddL2Penalty(float networkWeightDecay)
    {
        float lambda = float.IsNaN(_l2) ? networkWeightDecay : _l2;
        return lambda > 0
            ? LayerKernels.L2Penalty(Weights, _gradients.AsSpan(_weightOffset, _filters * KernelSize), lambda)
            : 0f;
    }

    /// <summary>
    /// A window as the architecture string and summary write it: <c>3x3</c>, then <c>, stride 2</c> when the stride is not
    /// <paramref name="defaultStride"/> (1 for a convolution, the window for a pool), then <c>, same</c> for Same padding.
    /// </summary>
    public static string WindowText(int height, int width, int stride, int defaultStride, Padding padding) =>
        $"{Number(height)}x{Number(width)}"
        + (stride != defaultStride ? $", stride {Number(stride)}" : "")
        + (padding == Padding.Same ? ", same" : "");
}
