using CompiledNets.Kernels;

namespace CompiledNets;

/// <summary>
/// Batch normalisation over each feature (PyTorch's <c>BatchNorm1d</c>): batch statistics in training, which also move
/// the running mean and variance; the running statistics at inference. Parameters gamma then beta (trainable),
/// buffers running_mean then running_var (non-trainable, saved in checkpoints), as in the generated network.
/// </summary>
internal sealed class BatchNormLayer(string name, int features, float momentum, float epsilon) : Layer(name, features, features)
{
    private AlignedFloats _parameters = AlignedFloats.Empty;
    private AlignedFloats _gradients = AlignedFloats.Empty;
    private AlignedFloats _buffers = AlignedFloats.Empty;
    private AlignedFloats _normalized = AlignedFloats.Empty;
    private AlignedFloats _inverseStd = AlignedFloats.Empty;
    private AlignedFloats _output = AlignedFloats.Empty;

    public override string Kind => "BatchNorm";

    public override string Describe() => Detail.Length == 0 ? "BatchNorm" : $"BatchNorm({Detail})";

    /// <summary>Settings that differ from the defaults, as the generator writes them: <c>eps 0.001, momentum 0.2</c>.</summary>
    public override string Detail => string.Join(", ", new[]
    {
        epsilon != 1e-5f ? $"eps {Number(epsilon)}" : null,
        momentum != 0.1f ? $"momentum {Number(momentum)}" : null,
    }.Where(part => part is not null));

    public override int ParameterCount => 2 * Outputs;

    public override int BufferCount => 2 * Outputs;

    public override bool BackwardInPlace => true;

    private int Gamma => ParameterOffset;

    private int Beta => ParameterOffset + Outputs;

    private int RunningMean => BufferOffset;

    private int RunningVariance => BufferOffset + Outputs;

    public override void Bind(in LayerBinding binding)
    {
        base.Bind(binding);
        _parameters = binding.Parameters;
        _gradients = binding.Gradients;
        _buffers = binding.Buffers;
        if (!binding.Training) return;
        _normalized = new AlignedFloats(binding.MaxBatchSize * Outputs);
        _inverseStd = new AlignedFloats(Outputs);
        _output = new AlignedFloats(binding.MaxBatchSize * Outputs);
    }

    public override IEnumerable<TensorInfo> Tensors() =>
    [
        new(Name + ".gamma", [Outputs], TensorStorage.Parameters, Gamma),
        new(Name + ".beta", [Outputs], TensorStorage.Parameters, Beta),
        new(Name + ".running_mean", [Outputs], TensorStorage.Buffers, RunningMean),
        new(Name + ".running_var", [Outputs], TensorStorage.Buffers, RunningVariance),
    ];

    public override void Initialize(ref SeededRandom random)
    {
        _parameters.AsSpan(Gamma, Outputs).Fill(1f);
        _buffers.AsSpan(RunningVariance, Outputs).Fill(1f);
    }

    public override void Infer(ReadOnlySpan<float> input, Span<float> output, int batch, Span<float> scratch) =>
        NormalizationKernels.BatchNormInference(input, output, _parameters.AsSpan(Gamma, Outputs), _parameters.AsSpan(Beta, Outputs),
            _buffers.AsSpan(RunningMean, Outputs), _buffers.AsSpan(RunningVariance, Outputs), batch, Outputs, epsilon);

    public override ReadOnlySpan<float> Forward(ReadOnlySpan<float> input, int batch)
    {
        var output = _output.AsSpan(0, batch * Outputs);
        NormalizationKernels.BatchNormTraining(input, output, _normalized.AsSpan(0, batch * Outputs), _inverseStd,
            _parameters.AsSpan(Gamma, Outputs), _parameters.AsSpan(Beta, Outputs), _buffers.AsSpan(RunningMean, Outputs), _buffers.AsSpan(RunningVariance, Outputs),
            batch, Outputs, momentum, epsilon);
        return output;
    }

    public override ReadOnlySpan<float> Output(int batch) => _output.AsSpan(0, batch * Outputs);

    public override void Backward(ReadOnlySpan<float> input, Span<float> outputGradient, Span<float> inputGradient, int batch, bool gradientIsPreActivation) =>
        NormalizationKernels.BatchNormBackward(outputGradient[..(batch * Outputs)], _normalized.AsSpan(0, batch * Outputs), _inverseStd, _parameters.AsSpan(Gamma, Outputs),
            _gradients.AsSpan(Gamma, Outputs), _gradients.AsSpan(Beta, Outputs), batch, Outputs);
}
