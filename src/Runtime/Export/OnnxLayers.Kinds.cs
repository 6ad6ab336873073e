using System.Globalization;
using System.Text.RegularExpressions;
using CompiledNets.Kernels;

namespace CompiledNets.Export;

/// <summary>The layer kinds beyond Dense and Dropout: standalone activations, batch and layer norm, maxout.</summary>
internal static partial class OnnxLayers
{
    /// <summary>Activation: the activation's nodes on their own (<c>[ActivationLayer(Activation.ReLU)]</c>).</summary>
    private sealed class ActivationLayer : OnnxLayer
    {
        private readonly Activation _activation;
        private readonly float _alpha;

        private ActivationLayer(string name, int[] shape, Activation activation, float alpha) : base(name, LayerSource.Product(shape), shape)
        {
            _activation = activation;
            _alpha = alpha;
        }

        public static OnnxLayer Create(LayerSource source)
        {
            var (activation, alpha) = OnnxActivations.Parse(source);
            return new ActivationLayer(source.Layer.Name, SameShape(source), activation, alpha);
        }

        public override string Emit(OnnxGraphBuilder graph, string input) =>
            OnnxActivations.Emit(graph, _activation, _alpha, input, Name, OutputShape);

        public override void Reference(ReadOnlySpan<float> input, Span<float> output)
        {
            input.CopyTo(output);
            ActivationKernels.Forward(_activation, _alpha, output, Outputs);
        }
    }

    /// <summary>
    /// BatchNorm in inference form: <c>BatchNormalization(x, gamma, beta, running_mean, running_var, epsilon)</c>
    /// (opset 15; <c>training_mode</c> 0), i.e. <c>gamma·(x − mean)/sqrt(var + eps) + beta</c> per feature of
    /// <c>[N, features]</c>, or per channel of <c>[N, C, H, W]</c> images (the operator's channel axis is 1 either way).
    /// </summary>
    private sealed class BatchNormLayer : OnnxLayer
    {
        private readonly float[] _gamma, _beta, _mean, _variance;
        private readonly NormEpsilon _epsilon;
        private readonly int _channels, _spatial;

        private BatchNormLayer(string name, int[] shape, float[] gamma, float[] beta, float[] mean, float[] variance, NormEpsilon epsilon)
            : base(name, LayerSource.Product(shape), shape)
        {
            (_gamma, _beta, _mean, _variance, _epsilon) = (gamma, beta, mean, variance, epsilon);
            _channels = shape[0];
            _spatial = Outputs / _channels;
        }

        public static OnnxLayer Create(LayerSource source)
        {
            var shape = SameShape(source);
            int channels = shape[0];
            return new BatchNormLayer(source.Layer.Name, shape,
                source.Tensor("gamma", channels), source.Tensor("beta", channels),
                source.Tensor("running_mean", channels), source.Tensor("running_var", channels), NormEpsilon.Read(source));
        }

        public override string? Assumption => _epsilon.Assumption;

        public override string Emit(OnnxGraphBuilder graph, string input)
        {
            string gamma = graph.Initializer(Name + ".gamma", [_channels], _gamma);
            string beta = graph.Initializer(Name + ".beta", [_channels], _beta);
            string mean = graph.Initializer(Name + ".running_mean", [_channels], _mean);
            string variance = graph.Initializer(Name + ".running_var", [_channels], _variance);
            return graph.Node("BatchNormalization", Name + ".output", [input, gamma, beta, mean, variance],
                OnnxGraphBuilder.Float("epsilon", _epsilon.Value));
        }

        public override void Reference(ReadOnlySpan<float> input, Span<float> output) =>
            NormalizationKernels.BatchNorm2DInference(input, output, _gamma, _beta, _mean, _variance, 1, _channels, _spatial, _epsilon.Value);
    }

    /// <summary>
    /// LayerNorm: <c>LayerNormalization(x, gamma, beta, axis, epsilon)</c> (opset 17), biased variance as PyTorch, over
    /// all of a sample's values: <c>axis=-1</c> on <c>[N, features]</c>, <c>axis=1</c> on <c>[N, C, H, W]</c> with gamma
    /// and beta of shape <c>[C, H, W]</c>.
    /// </summary>
    private sealed class LayerNormLayer : OnnxLayer
    {
        private readonly float[] _gamma, _beta;
        private readonly NormEpsilon _epsilon;

        private LayerNormLayer(string name, int[] shape, float[] gamma, float[] beta, NormEpsilon epsilon) : base(name, LayerSource.Product(shape), shape)
        {
            (_gamma, _beta, _epsilon) = (gamma, beta, epsilon);
        }

        public static OnnxLayer Create(LayerSource source)
        {
            var shape = SameShape(source);
            return new LayerNormLayer(source.Layer.Name, shape, source.Tensor("gamma", shape), source.Tensor("beta", shape), NormEpsilon.Read(source));
        }

        public override string? Assumption => _epsilon.Assumption;

        public override string Emit(OnnxGraphBuilder graph, string input)
        {
            string gamma = graph.Initializer(Name + ".gamma", OutputShape, _gamma);
            string beta = graph.Initializer(Name + ".beta", OutputShape, _beta);
            return graph.Node("LayerNormalization", Name + ".output", [input, gamma, beta],
                OnnxGraphBuilder.Int("axis", OutputShape.Length == 1 ? -1 : 1), OnnxGraphBuilder.Float("epsilon", _epsilon.Value));
        }

        public override void Reference(ReadOnlySpan<float> input, Span<float> output) =>
            NormalizationKernels.LayerNormForward(input, output, default, default, _gamma, _beta, 1, Outputs, _epsilon.Value);
    }

    /// <summary>
    /// Maxout: <c>Gemm(x, W, b, transB=1)</c> gives <c>[N, units·pieces]</c>; <c>Reshape</c> to <c>[N, units, pieces]</c>
    /// (unit u's pieces are the consecutive outputs <c>u·pieces + p</c>); <c>ReduceMax(axes=[2], keepdims=0)</c>
    /// (opset 13–17 form: axes is an attribute; it became an input in opset 18).
    /// </summary>
    private sealed class MaxoutLayer : OnnxLayer
    {
        private static readonly Regex PiecesPattern = new(@"^\s*(\d+)\s*pieces?\s*$", RegexOptions.CultureInvariant);

        private readonly int _pieces;
        private readonly float[] _weight;
        private readonly float[] _bias;
        private readonly float[] _linear;

        private MaxoutLayer(string name, int inputs, int units, int pieces, float[] weight, float[] bias) : base(name, inputs, units)
        {
            (_pieces, _weight, _bias) = (pieces, weight, bias);
            _linear = new float[units * pieces];
        }

        public static OnnxLayer Create(LayerSource source)
        {
            int inputs = source.FlatInputs;
            int units = source.Outputs;
            var match = PiecesPattern.Match(source.Layer.Detail);
            if (!match.Success || !int.TryParse(match.Groups[1].ValueSpan, NumberStyles.None, CultureInfo.InvariantCulture, out int pieces) || pieces < 1)
                throw new NotSupportedException($"{source.Label}: cannot read the number of pieces from the detail '{source.Layer.Detail}' (expected \"3 pieces\").");
            int linear = checked(units * pieces);
            return new MaxoutLayer(source.Layer.Name, inputs, units, pieces,
                source.ProductWeights(linear, inputs), source.Tensor("bias", linear));
        }

        public override string Emit(OnnxGraphBuilder graph, string input)
        {
            int linear = Outputs * _pieces;
            string weight = graph.Initializer(Name + ".weight", [linear, Inputs], _weight);
            string bias = graph.Initializer(Name + ".bias", [linear], _bias);
            string pieces = graph.Node("Gemm", Name + ".gemm", [input, weight, bias], OnnxGraphBuilder.Int("transB", 1));
            // 0 copies the batch dimension (allowzero = 0), so an empty batch reshapes too.
            string shape = graph.Int64Initializer(Name + ".pieces_shape", [0, Outputs, _pieces]);
            string grouped = graph.Node("Reshape", Name + ".pieces", [pieces, shape]);
            return graph.Node("ReduceMax", Name + ".output", [grouped],
                OnnxGraphBuilder.Ints("axes", 2), OnnxGraphBuilder.Int("keepdims", 0));
        }

        public override void Reference(ReadOnlySpan<float> input, Span<float> output)
        {
            for (int o = 0; o < _linear.Length; o++)
            {
                double sum = _bias[o];
                var row = _weight.AsSpan(o * Inputs, Inputs);
                for (int k = 0; k < Inputs; k++) sum += (double)row[k] * input[k];
                _linear[o] = (float)sum;
            }
            LayerKernels.MaxoutForward(_linear, output, 1, Outputs, _pieces);
        }
    }

    /// <summary>
    /// The epsilon of a normalisation layer: read from its summary detail when stated (<c>eps 0.001</c>,
    /// <c>epsilon=1e-3</c>), else the attributes' default 1e-5, which the export then verifies strictly.
    /// </summary>
    private readonly record struct NormEpsilon(float Value, string? Assumption)
    {
        /// <summary>The default of <c>[BatchNorm]</c> and <c>[LayerNorm]</c> (and of PyTorch).</summary>
        public const float Default = 1e-5f;

        private static readonly Regex Pattern = new(@"\beps(?:ilon)?\s*[=:]?\s*([-+0-9.eE]+)", RegexOptions.CultureInvariant | RegexOptions.IgnoreCase);

        public static NormEpsilon Read(LayerSource source)
        {
            var match = Pattern.Match(source.Layer.Detail);
            if (!match.Success)
                return new NormEpsilon(Default, $"{source.Layer.Name}: epsilon {Default.ToString("R", CultureInfo.InvariantCulture)} (the default; the summary does not state it)");
            if (!float.TryParse(match.Groups[1].ValueSpan, NumberStyles.Float, CultureInfo.InvariantCulture, out float value) || !float.IsFinite(value) || value < 0)
                throw new NotSupportedException($"{source.Label}: cannot read the epsilon '{match.Groups[1].Value}' of '{source.Layer.Detail}'.");
            return new NormEpsilon(value, null);
        }
    }
}
