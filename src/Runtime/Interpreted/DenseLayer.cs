using CompiledNets.Kernels;

namespace CompiledNets;

/// <summary>
/// A fully connected layer, <c>y = f(x · Wᵀ + b)</c> with <c>W</c> stored <c>[units, inputs]</c> (PyTorch layout):
/// weight at <see cref="Layer.ParameterOffset"/>, bias right after it, as in the generated network.
/// </summary>
/// <remarks>The products are <see cref="DenseMath"/>'s; the activation and its derivative are the shared <see cref="ActivationKernels"/>.</remarks>
internal sealed class DenseLayer : Layer
{
    private readonly Activation _activation;
    private readonly float _alpha;
    private readonly float _l2;
    private readonly Init _weightInit;
    private readonly Init _biasInit;
    private AlignedFloats _parameters = AlignedFloats.Empty;
    private AlignedFloats _gradients = AlignedFloats.Empty;
    private int _weightOffset, _biasOffset;
    private AlignedFloats _output = AlignedFloats.Empty;
    private AlignedFloats? _preActivation;

    // l2: the layer's own L2 coefficient; NaN means the network's weight decay.
    public DenseLayer(string name, int inputs, int units, Activation activation, float alpha, Init weightInit, Init biasInit, float l2)
        : base(name, inputs, units)
    {
        _activation = activation;
        _alpha = alpha;
        _l2 = l2;
        _weightInit = weightInit == Init.Default ? Initializers.ResolveWeightDefault(activation) : weightInit;
        _biasInit = biasInit == Init.Default ? Init.Zeros : biasInit;
    }

    public override string Kind => "Dense";

    public override string Describe() => $"Dense({Number(Outputs)}, {ActivationText(_activation, _alpha)})";

    public override string Detail => ActivationText(_activation, _alpha);

    public override int ParameterCount => Inputs * Outputs + Outputs;

    public override bool HasActivation => true;

    public override Activation OutputActivation => _activation;

    public override float OutputAlpha => _alpha;

    private ReadOnlySpan<float> Weights => _parameters.AsSpan(_weightOffset, Inputs * Outputs);

    private ReadOnlySpan<float> Bias => _parameters.AsSpan(_biasOffset, Outputs);

    public override void Bind(in LayerBinding binding)
    {
        base.Bind(binding);
        _parameters = binding.Parameters;
        _gradients = binding.Gradients;
        _weightOffset = binding.ParameterOffset;
        _biasOffset = binding.ParameterOffset + Inputs * Outputs;
        if (!binding.Training) return;
        _output = new AlignedFloats(binding.MaxBatchSize * Outputs);
        // The loss needs the last layer's logits; GELU and SiLU need their inputs for the derivative.
        _preActivation = binding.IsLast || ActivationKernels.NeedsPreActivation(_activation) ? new AlignedFloats(binding.MaxBatchSize * Outputs) : null;
    }

    public override IEnumerable<TensorInfo> Tensors() =>
    [
        new(Name + ".weight", [Outputs, Inputs], TensorStorage.Parameters, _weightOffset),
        new(Name + ".bias", [Outputs], TensorStorage.Parameters, _biasOffset),
    ];

    public override void Initialize(ref SeededRandom random)
    {
        Initializers.Fill(_weightInit, _parameters.AsSpan(_weightOffset, Inputs * Outputs), Inputs, Outputs, ref random);
        Initializers.Fill(_biasInit, _parameters.AsSpan(_biasOffset, Outputs), Inputs, Outputs, ref random);
    }

    public override void Infer(ReadOnlySpan<float> input, Span<float> output, int batch, Span<float> scratch)
    {
        output = output[..(batch * Outputs)];
        DenseMath.Affine(input, Weights, Bias, output, batch, Inputs, Outputs);
        ActivationKernels.Forward(_activation, _alpha, output, Outputs);
    }

    public override ReadOnlySpan<float> Forward(ReadOnlySpan<float> input, int batch)
    {
        var output = _output.AsSpan(0, batch * Outputs);
        if (_preActivation is null)
        {
            DenseMath.Affine(input, Weights, Bias, output, batch, Inputs, Outputs);
        }
        else
        {
            var pre = _preActivation.AsSpan(0, batch * Outputs);
            DenseMath.Affine(input, Weights, Bias, pre, batch, Inputs, Outputs);
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
            // The generated code flushes after applying the derivative too (in the input-gradient epilogue or after the call).
            Subnormals.FlushToZero(delta);
        }
        DenseMath.WeightGradient(delta, input, _gradients.AsSpan(_weightOffset, Inputs * Outputs), _gradients.AsSpan(_biasOffset, Outputs), batch, Inputs, Outputs);
        if (!inputGradient.IsEmpty) DenseMath.InputGradient(delta, Weights, inputGradient, batch, Inputs, Outputs);
    }

    public override float AddL2Penalty(float networkWeightDecay)
    {
        float lambda = float.IsNaN(_l2) ? networkWeightDecay : _l2;
        return lambda > 0
            ? LayerKernels.L2Penalty(Weights, _gradients.AsSpan(_weightOffset, Inputs * Outputs), lambda)
            : 0f;
    }
}
