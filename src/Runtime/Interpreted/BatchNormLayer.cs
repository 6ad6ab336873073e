using CompiledNets.Kernels;

namespace CompiledNets;

/// <summary>
/// Batch normalisation over each feature (PyTorch's <c>BatchNorm1d</c>), or over each channel of an image input
/// (<c>BatchNorm2d</c>: statistics over the batch and every position of the channel): batch statistics in training,
/// which also move the running mean and variance; the running statistics at inference. Parameters gamma then beta
/// (trainable), buffers running_mean then running_var (non-trainable, saved in checkpoints), one value per feature or
/// channel, as in the generated network.
/// </summary>
internal sealed class BatchNormLayer(string name, LayerShape shape, float momentum, float epsilon) : Layer(name, shape, shape)
{
    /// <summary>Features of a flat input, channels of an image: the length of every tensor.</summary>
    private int Channels => OutputShape.Channels;

    /// <summary>Values normalised together per sample and channel (1 for a flat input).</summary>
    private int Spatial => OutputShape.Spatial;

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

    public override int ParameterCount => 2 * Channels;

    public override int BufferCount => 2 * Channels;

    public override bool BackwardInPlace => true;

    private int Gamma => ParameterOffset;

    private int Beta => ParameterOffset + Channels;

    private int RunningMean => BufferOffset;

    private int RunningVariance => BufferOffset + Channels;

    public override void Bind(in LayerBinding binding)
    {
        base.Bind(binding);
        _parameters = binding.Parameters;
        _gradients = binding.Gradients;
        _buffers = binding.Buffers;
        if (!binding.Training) return;
        _normalized = new AlignedFloats(binding.MaxBatchSize * Outputs);
        _inverseStd = new AlignedFloats(Channels);
        _output = new AlignedFloats(binding.MaxBatchSize * Outputs);
    }

    public override IEnumerable<TensorInfo> Tensors() =>
    [
        new(Name + ".gamma", [Channels], TensorStorage.Parameters, Gamma),
        new(Name + ".beta", [Channels], TensorStorage.Parameters, Beta),
        new(Name + ".running_mean", [Channels], TensorStorage.Buffers, RunningMean),
        new(Name + ".running_var", [Channels], TensorStorage.Buffers, RunningVariance),
    ];

    public override void Initialize(ref SeededRandom random)
    {
        _parameters.AsSpan(Gamma, Channels).Fill(1f);
        _buffers.AsSpan(RunningVariance, Channels).Fill(1f);
    }

    private Span<float> GammaValues => _parameters.AsSpan(Gamma, Channels);

    private Span<float> BetaValues => _parameters.AsSpan(Beta, Channels);

    private Span<float> MeanValues => _buffers.AsSpan(RunningMean, Channels);

    private Span<float> VarianceValues => _buffers.AsSpan(RunningVariance, Channels);

    public override void Infer(ReadOnlySpan<float> input, Span<float> output, int batch, Span<float> scratch)
    {
        if (OutputShape.IsImage)
            NormalizationKernels.BatchNorm2DInference(input, output, GammaValues, BetaValues, MeanValues, VarianceValues, batch, Channels, Spatial, epsilon);
        else
            NormalizationKernels.BatchNormInference(input, output, GammaValues, BetaValues, MeanValues, VarianceValues, batch, Channels, epsilon);
    }

    public override ReadOnlySpan<float> Forward(ReadOnlySpan<float> input, int batch)
    {
        var output = _output.AsSpan(0, batch * Outputs);
        var normalized = _normalized.AsSpan(0, batch * Outputs);
        if (OutputShape.IsImage)
            NormalizationKernels.BatchNorm2DTraining(input, output, normalized, _inverseStd, GammaValues, BetaValues, MeanValues, VarianceValues,
                batch, Channels, Spatial, momentum, epsilon);
        else
            NormalizationKernels.BatchNormTraining(input, output, normalized, _inverseStd, GammaValues, BetaValues, MeanValues, VarianceValues,
                batch, Channels, momentum, epsilon);
        return output;
    }

    public override ReadOnlySpan<float> Output(int batch) => _output.AsSpan(0, batch * Outputs);

    public override void Backward(ReadOnlySpan<float> input, Span<float> outputGradient, Span<float> inputGradient, int batch, bool gradientIsPreActivation)
    {
        var delta = outputGradient[..(batch * Outputs)];
        var normalized = _normalized.AsSpan(0, batch * Outputs);
        var gammaGradient = _gradients.AsSpan(Gamma, Channels);
        var betaGradient = _gradients.AsSpan(Beta, Channels);
        if (OutputShape.IsImage)
            NormalizationKernels.BatchNorm2DBackward(delta, normalized, _inverseStd, GammaValues, gammaGradient, betaGradient, batch, Channels, Spatial);
        else
            NormalizationKernels.BatchNormBackward(delta, normalized, _inverseStd, GammaValues, gammaGradient, betaGradient, batch, Channels);
    }
}
