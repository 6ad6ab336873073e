using CompiledNets.Kernels;

namespace CompiledNets;

/// <summary>
/// Layer normalisation over all of each sample's values (PyTorch's <c>LayerNorm</c>; for an image input
/// <c>LayerNorm([C, H, W])</c>), the same in training and inference. Parameters gamma then beta, element-wise with the
/// input's shape, as in the generated network.
/// </summary>
internal sealed class LayerNormLayer(string name, LayerShape shape, float epsilon) : Layer(name, shape, shape)
{
    private AlignedFloats _parameters = AlignedFloats.Empty;
    private AlignedFloats _gradients = AlignedFloats.Empty;
    private AlignedFloats _normalized = AlignedFloats.Empty;
    private AlignedFloats _inverseStd = AlignedFloats.Empty;
    private AlignedFloats _output = AlignedFloats.Empty;

    public override string Kind => "LayerNorm";

    public override string Describe() => Detail.Length == 0 ? "LayerNorm" : $"LayerNorm({Detail})";

    /// <summary>The epsilon when it is not the default, as the generator writes it: <c>eps 0.001</c>.</summary>
    public override string Detail => epsilon != 1e-5f ? $"eps {Number(epsilon)}" : "";

    public override int ParameterCount => 2 * Outputs;

    public override bool BackwardInPlace => true;

    private int Gamma => ParameterOffset;

    private int Beta => ParameterOffset + Outputs;

    public override void Bind(in LayerBinding binding)
    {
        base.Bind(binding);
        _parameters = binding.Parameters;
        _gradients = binding.Gradients;
        if (!binding.Training) return;
        _normalized = new AlignedFloats(binding.MaxBatchSize * Outputs);
        _inverseStd = new AlignedFloats(binding.MaxBatchSize);
        _output = new AlignedFloats(binding.MaxBatchSize * Outputs);
    }

    public override IEnumerable<TensorInfo> Tensors() =>
    [
        new(Name + ".gamma", OutputShape.Dimensions, TensorStorage.Parameters, Gamma),
        new(Name + ".beta", OutputShape.Dimensions, TensorStorage.Parameters, Beta),
    ];

    public override void Initialize(ref SeededRandom random) => _parameters.AsSpan(Gamma, Outputs).Fill(1f);

    public override void Infer(ReadOnlySpan<float> input, Span<float> output, int batch, Span<float> scratch) =>
        NormalizationKernels.LayerNormForward(input, output, default, default, _parameters.AsSpan(Gamma, Outputs), _parameters.AsSpan(Beta, Outputs), batch, Outputs, epsilon);

    public override ReadOnlySpan<float> Forward(ReadOnlySpan<float> input, int batch)
    {
        var output = _output.AsSpan(0, batch * Outputs);
        NormalizationKernels.LayerNormForward(input, output, _normalized.AsSpan(0, batch * Outputs), _inverseStd,
            _parameters.AsSpan(Gamma, Outputs), _parameters.AsSpan(Beta, Outputs), batch, Outputs, epsilon);
        return output;
    }

    public override ReadOnlySpan<float> Output(int batch) => _output.AsSpan(0, batch * Outputs);

    public override void Backward(ReadOnlySpan<float> input, Span<float> outputGradient, Span<float> inputGradient, int batch, bool gradientIsPreActivation) =>
        NormalizationKernels.LayerNormBackward(outputGradient[..(batch * Outputs)], _normalized.AsSpan(0, batch * Outputs), _inverseStd, _parameters.AsSpan(Gamma, Outputs),
            _gradients.AsSpan(Gamma, Outputs), _gradients.AsSpan(Beta, Outputs), batch, Outputs);
}
