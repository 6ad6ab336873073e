using CompiledNets.Kernels;

namespace CompiledNets;

/// <summary>
/// Maxout: a linear layer of <c>units × pieces</c> outputs (weight <c>[units·pieces, inputs]</c>, then bias), and each
/// of the <c>units</c> outputs is the largest of its <c>pieces</c> consecutive values, as in the generated network.
/// </summary>
internal sealed class MaxoutLayer : Layer
{
    private readonly int _pieces;
    private readonly int _linear;
    private readonly Init _weightInit;
    private readonly Init _biasInit;
    private AlignedFloats _parameters = AlignedFloats.Empty;
    private AlignedFloats _gradients = AlignedFloats.Empty;
    private int _weightOffset, _biasOffset;
    private AlignedFloats _pieceValues = AlignedFloats.Empty;
    private AlignedFloats _pieceGradient = AlignedFloats.Empty;
    private AlignedFloats _output = AlignedFloats.Empty;

    public MaxoutLayer(string name, int inputs, int units, int pieces, Init weightInit, Init biasInit)
        : base(name, inputs, units)
    {
        _pieces = pieces;
        _linear = units * pieces;
        _weightInit = weightInit == Init.Default ? Initializers.ResolveWeightDefault(Activation.Linear) : weightInit;
        _biasInit = biasInit == Init.Default ? Init.Zeros : biasInit;
    }

    public override string Kind => "Maxout";

    public override string Describe() => $"Maxout({Number(Outputs)}, {Number(_pieces)})";

    public override string Detail => $"{Number(_pieces)} pieces";

    public override int ParameterCount => Inputs * _linear + _linear;

    public override int InferenceScratch => _linear;

    private ReadOnlySpan<float> Weights => _parameters.AsSpan(_weightOffset, Inputs * _linear);

    private ReadOnlySpan<float> Bias => _parameters.AsSpan(_biasOffset, _linear);

    public override void Bind(in LayerBinding binding)
    {
        base.Bind(binding);
        _parameters = binding.Parameters;
        _gradients = binding.Gradients;
        _weightOffset = binding.ParameterOffset;
        _biasOffset = binding.ParameterOffset + Inputs * _linear;
        if (!binding.Training) return;
        _pieceValues = new AlignedFloats(binding.MaxBatchSize * _linear);
        _pieceGradient = new AlignedFloats(binding.MaxBatchSize * _linear);
        _output = new AlignedFloats(binding.MaxBatchSize * Outputs);
    }

    public override IEnumerable<TensorInfo> Tensors() =>
    [
        new(Name + ".weight", [_linear, Inputs], TensorStorage.Parameters, _weightOffset),
        new(Name + ".bias", [_linear], TensorStorage.Parameters, _biasOffset),
    ];

    public override void Initialize(ref SeededRandom random)
    {
        Initializers.Fill(_weightInit, _parameters.AsSpan(_weightOffset, Inputs * _linear), Inputs, _linear, ref random);
        Initializers.Fill(_biasInit, _parameters.AsSpan(_biasOffset, _linear), Inputs, _linear, ref random);
    }

    public override void Infer(ReadOnlySpan<float> input, Span<float> output, int batch, Span<float> scratch)
    {
        var pieces = scratch[..(batch * _linear)];
        DenseMath.Affine(input, Weights, Bias, pieces, batch, Inputs, _linear);
        LayerKernels.MaxoutForward(pieces, output, batch, Outputs, _pieces);
    }

    public override ReadOnlySpan<float> Forward(ReadOnlySpan<float> input, int batch)
    {
        var pieces = _pieceValues.AsSpan(0, batch * _linear);
        var output = _output.AsSpan(0, batch * Outputs);
        DenseMath.Affine(input, Weights, Bias, pieces, batch, Inputs, _linear);
        LayerKernels.MaxoutForward(pieces, output, batch, Outputs, _pieces);
        return output;
    }

    public override ReadOnlySpan<float> Output(int batch) => _output.AsSpan(0, batch * Outputs);

    public override void Backward(ReadOnlySpan<float> input, Span<float> outputGradient, Span<float> inputGradient, int batch, bool gradientIsPreActivation)
    {
        // The gradient goes to the winning piece of each unit, then through the linear layer.
        var pieceGradient = _pieceGradient.AsSpan(0, batch * _linear);
        LayerKernels.MaxoutBackward(_pieceValues.AsSpan(0, batch * _linear), Output(batch), outputGradient[..(batch * Outputs)], pieceGradient, batch, Outputs, _pieces);
        DenseMath.WeightGradient(pieceGradient, input, _gradients.AsSpan(_weightOffset, Inputs * _linear), _gradients.AsSpan(_biasOffset, _linear), batch, Inputs, _linear);
        if (!inputGradient.IsEmpty) DenseMath.InputGradient(pieceGradient, Weights, inputGradient, batch, Inputs, _linear);
    }

    public override float AddL2Penalty(float networkWeightDecay) =>
        networkWeightDecay > 0
            ? LayerKernels.L2Penalty(Weights, _gradients.AsSpan(_weightOffset, Inputs * _linear), networkWeightDecay)
            : 0f;
}
