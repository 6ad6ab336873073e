using System.Globalization;
using System.Numerics.Tensors;
using CompiledNets.Kernels;

namespace CompiledNets;

/// <summary>
/// A fully connected layer, <c>y = f(x · Wᵀ + b)</c> with <c>W</c> stored <c>[units, inputs]</c> (PyTorch layout):
/// weight at <see cref="Layer.ParameterOffset"/>, bias right after it, as in the generated network.
/// </summary>
/// <remarks>
/// The matrix products are written over spans with <see cref="TensorPrimitives"/>: a dot product per output for
/// the forward pass and <c>MultiplyAdd</c> (axpy) rows for the gradients. Every loop keeps one weight row hot
/// in L1 while it walks the batch, so large layers stream the weights once per call rather than once per sample.
/// </remarks>
internal sealed class DenseLayer : Layer
{
    private readonly Activation _activation;
    private readonly float _alpha;
    private readonly Init _weightInit;
    private readonly Init _biasInit;
    private float[] _parameters = [];
    private float[] _gradients = [];
    private int _weightOffset, _biasOffset;
    private float[] _output = [];
    private float[]? _preActivation;

    public DenseLayer(string name, int inputs, int units, Activation activation, float alpha, Init weightInit, Init biasInit)
        : base(name, inputs, units)
    {
        _activation = activation;
        _alpha = alpha;
        _weightInit = weightInit == Init.Default ? Initializers.ResolveWeightDefault(activation) : weightInit;
        _biasInit = biasInit == Init.Default ? Init.Zeros : biasInit;
    }

    public override string Kind => "Dense";

    public override string Describe() =>
        "Dense(" + Outputs.ToString(CultureInfo.InvariantCulture) + ", " + _activation + ")";

    public override string Detail => _activation.ToString();

    public override int ParameterCount => Inputs * Outputs + Outputs;

    public override bool IsTrainable => _activation != Activation.Step;

    public override Activation OutputActivation => _activation;

    public override float OutputAlpha => _alpha;

    private ReadOnlySpan<float> Weights => new(_parameters, _weightOffset, Inputs * Outputs);

    private ReadOnlySpan<float> Bias => new(_parameters, _biasOffset, Outputs);

    public override void Bind(float[] parameters, float[] gradients, int parameterOffset, int maxBatchSize, bool keepLogits)
    {
        base.Bind(parameters, gradients, parameterOffset, maxBatchSize, keepLogits);
        _parameters = parameters;
        _gradients = gradients;
        _weightOffset = parameterOffset;
        _biasOffset = parameterOffset + Inputs * Outputs;
        _output = new float[maxBatchSize * Outputs];
        // The loss needs the last layer's logits; GELU and SiLU need their inputs for the derivative.
        _preActivation = keepLogits || ActivationKernels.NeedsPreActivation(_activation) ? new float[maxBatchSize * Outputs] : null;
    }

    public override IEnumerable<TensorInfo> ParameterTensors() =>
    [
        new(Name + ".weight", [Outputs, Inputs], TensorStorage.Parameters, _weightOffset),
        new(Name + ".bias", [Outputs], TensorStorage.Parameters, _biasOffset),
    ];

    public override void Initialize(ref SeededRandom random)
    {
        Initializers.Fill(_weightInit, _parameters.AsSpan(_weightOffset, Inputs * Outputs), Inputs, Outputs, ref random);
        Initializers.Fill(_biasInit, _parameters.AsSpan(_biasOffset, Outputs), Inputs, Outputs, ref random);
    }

    public override void Infer(ReadOnlySpan<float> input, Span<float> output, int batch)
    {
        output = output[..(batch * Outputs)];
        Affine(input, output, batch);
        ActivationKernels.Forward(_activation, _alpha, output, Outputs);
    }

    public override ReadOnlySpan<float> Forward(ReadOnlySpan<float> input, int batch)
    {
        var output = _output.AsSpan(0, batch * Outputs);
        if (_preActivation is null)
        {
            Affine(input, output, batch);
        }
        else
        {
            var pre = _preActivation.AsSpan(0, batch * Outputs);
            Affine(input, pre, batch);
            pre.CopyTo(output);
        }
        ActivationKernels.Forward(_activation, _alpha, output, Outputs);
        return output;
    }

    public override ReadOnlySpan<float> Output(int batch) => _output.AsSpan(0, batch * Outputs);

    public override ReadOnlySpan<float> PreActivation(int batch) =>
        _preActivation is null ? Output(batch) : _preActivation.AsSpan(0, batch * Outputs);

    public override void Backward(ReadOnlySpan<float> input, Span<float> outputGradient, Span<float> inputGradient, int batch, bool gradientIsPreActivation)
    {
        int inputs = Inputs, outputs = Outputs;
        var delta = outputGradient[..(batch * outputs)];
        if (!gradientIsPreActivation)
            ActivationKernels.Backward(_activation, _alpha, Output(batch), _preActivation is null ? default : PreActivation(batch), delta, outputs);

        // dW[o, :] = Σ_b delta[b, o] · x[b, :] and db[o] = Σ_b delta[b, o], summed over the batch in order.
        var weights = Weights;
        var weightGradient = _gradients.AsSpan(_weightOffset, inputs * outputs);
        var biasGradient = _gradients.AsSpan(_biasOffset, outputs);
        for (int o = 0; o < outputs; o++)
        {
            var row = weightGradient.Slice(o * inputs, inputs);
            row.Clear();
            float biasSum = 0f;
            for (int b = 0; b < batch; b++)
            {
                float g = delta[b * outputs + o];
                biasSum += g;
                TensorPrimitives.MultiplyAdd(input.Slice(b * inputs, inputs), g, row, row);
            }
            biasGradient[o] = biasSum;
        }

        // dx[b, :] = Σ_o delta[b, o] · W[o, :]: each weight row is added, scaled, to every sample's dx row.
        if (inputGradient.IsEmpty) return;
        var dx = inputGradient[..(batch * inputs)];
        dx.Clear();
        for (int o = 0; o < outputs; o++)
        {
            var weightRow = weights.Slice(o * inputs, inputs);
            for (int b = 0; b < batch; b++)
            {
                var dxRow = dx.Slice(b * inputs, inputs);
                TensorPrimitives.MultiplyAdd(weightRow, delta[b * outputs + o], dxRow, dxRow);
            }
        }
    }

    /// <summary><c>y[b, o] = W[o, :] · x[b, :] + bias[o]</c>.</summary>
    private void Affine(ReadOnlySpan<float> input, Span<float> output, int batch)
    {
        int inputs = Inputs, outputs = Outputs;
        var weights = Weights;
        var bias = Bias;
        for (int o = 0; o < outputs; o++)
        {
            var weightRow = weights.Slice(o * inputs, inputs);
            float b0 = bias[o];
            for (int b = 0; b < batch; b++)
                output[b * outputs + o] = TensorPrimitives.Dot(weightRow, input.Slice(b * inputs, inputs)) + b0;
        }
    }
}
