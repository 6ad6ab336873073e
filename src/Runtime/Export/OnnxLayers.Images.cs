using System.Globalization;
using System.Text.RegularExpressions;
using CompiledNets.Kernels;

namespace CompiledNets.Export;

/// <summary>
/// The image layers: values flow as <c>[N, C, H, W]</c> (the NCHW order the network stores), windows are read from the
/// summary detail (<c>3x3, stride 2, same</c>) and placed by the same <see cref="WindowGeometry"/> as the network's, and
/// the padding is written explicitly (<c>pads = [top, left, bottom, right]</c>, the extra row and column after, as Keras).
/// </summary>
internal static partial class OnnxLayers
{
    /// <summary>
    /// Conv2D: <c>Conv(x, W, b, kernel_shape, strides, pads)</c> with PyTorch's <c>[filters, in_channels, kh, kw]</c> weight
    /// unchanged (zero padding, as the operator pads), then the activation.
    /// </summary>
    private sealed class Conv2DLayer : OnnxLayer
    {
        private readonly WindowGeometry _geometry;
        private readonly float[] _weight, _bias;
        private readonly Activation _activation;
        private readonly float _alpha;
        private readonly float[] _columns;

        private Conv2DLayer(string name, WindowGeometry geometry, int[] outputShape, float[] weight, float[] bias, Activation activation, float alpha)
            : base(name, geometry.Input.Size, outputShape)
        {
            (_geometry, _weight, _bias, _activation, _alpha) = (geometry, weight, bias, activation, alpha);
            _columns = new float[ConvMath.ForwardScratch(outputShape[0], geometry)];
        }

        public static OnnxLayer Create(LayerSource source)
        {
            var window = WindowDetail.Parse(source, pool: false);
            var geometry = window.Geometry(source);
            int filters = source.OutputShape[0];
            var outputShape = window.CheckOutput(source, geometry, filters);
            var (activation, alpha) = OnnxActivations.Parse(source, window.Activation);
            return new Conv2DLayer(source.Layer.Name, geometry, outputShape,
                source.Tensor("weight", filters, geometry.Input.Channels, geometry.KernelHeight, geometry.KernelWidth), source.Tensor("bias", filters),
                activation, alpha);
        }

        public override string Emit(OnnxGraphBuilder graph, string input)
        {
            string weight = graph.Initializer(Name + ".weight", [OutputShape[0], _geometry.Input.Channels, _geometry.KernelHeight, _geometry.KernelWidth], _weight);
            string bias = graph.Initializer(Name + ".bias", [OutputShape[0]], _bias);
            string linear = graph.Node("Conv", Name + ".conv", [input, weight, bias], WindowAttributes(_geometry));
            return OnnxActivations.Emit(graph, _activation, _alpha, linear, Name, OutputShape);
        }

        public override void Reference(ReadOnlySpan<float> input, Span<float> output)
        {
            ConvMath.Forward(input, _weight, _bias, output, 1, OutputShape[0], _columns, _geometry);
            ActivationKernels.Forward(_activation, _alpha, output[..Outputs], Outputs);
        }
    }

    /// <summary>
    /// MaxPool2D and AvgPool2D: <c>MaxPool</c> (padding never wins) or <c>AveragePool(count_include_pad=0)</c> (the mean of
    /// the window's cells inside the input), with <c>kernel_shape</c>, <c>strides</c> and <c>pads</c>.
    /// </summary>
    private sealed class Pool2DLayer : OnnxLayer
    {
        private readonly WindowGeometry _geometry;
        private readonly bool _max;

        private Pool2DLayer(string name, WindowGeometry geometry, int[] outputShape, bool max) : base(name, geometry.Input.Size, outputShape)
        {
            (_geometry, _max) = (geometry, max);
        }

        public static OnnxLayer Create(LayerSource source, bool max)
        {
            var window = WindowDetail.Parse(source, pool: true);
            if (window.Height != window.Width)
                throw new NotSupportedException($"{source.Label}: pooling windows are square, but the detail gives {window.Height}x{window.Width}.");
            var geometry = window.Geometry(source);
            var outputShape = window.CheckOutput(source, geometry, geometry.Input.Channels);
            return new Pool2DLayer(source.Layer.Name, geometry, outputShape, max);
        }

        public override string Emit(OnnxGraphBuilder graph, string input) => _max
            ? graph.Node("MaxPool", Name + ".output", [input], WindowAttributes(_geometry))
            : graph.Node("AveragePool", Name + ".output", [input], [.. WindowAttributes(_geometry), OnnxGraphBuilder.Int("count_include_pad", 0)]);

        public override void Reference(ReadOnlySpan<float> input, Span<float> output)
        {
            if (_max) PoolMath.MaxForward(input, output, default, 1, _geometry);
            else PoolMath.AverageForward(input, output, 1, _geometry);
        }
    }

    /// <summary>GlobalAvgPool2D: <c>GlobalAveragePool</c> (<c>[N, C, 1, 1]</c>), then <c>Flatten(axis=1)</c> to <c>[N, C]</c>.</summary>
    private sealed class GlobalAvgPool2DLayer : OnnxLayer
    {
        private readonly int _area;

        private GlobalAvgPool2DLayer(string name, int inputs, int channels) : base(name, inputs, channels) => _area = inputs / channels;

        public static OnnxLayer Create(LayerSource source)
        {
            var (channels, _, _) = source.Image;
            if (!source.OutputShape.AsSpan().SequenceEqual([channels]))
                throw new InvalidOperationException($"{source.Label}: the summary gives the output shape [{string.Join(", ", source.OutputShape)}], but averaging each channel of [{string.Join(", ", source.InputShape)}] gives [{channels}].");
            return new GlobalAvgPool2DLayer(source.Layer.Name, source.Inputs, channels);
        }

        public override string Emit(OnnxGraphBuilder graph, string input)
        {
            string pooled = graph.Node("GlobalAveragePool", Name + ".pool", [input]);
            return graph.Node("Flatten", Name + ".output", [pooled], OnnxGraphBuilder.Int("axis", 1));
        }

        public override void Reference(ReadOnlySpan<float> input, Span<float> output)
        {
            for (int c = 0; c < Outputs; c++) output[c] = System.Numerics.Tensors.TensorPrimitives.Sum(input.Slice(c * _area, _area)) / _area;
        }
    }

    /// <summary>Flatten: <c>Flatten(axis=1)</c>, <c>[N, C, H, W]</c> to <c>[N, C·H·W]</c> in the same order (no value moves).</summary>
    private sealed class FlattenLayer : OnnxLayer
    {
        private FlattenLayer(string name, int features) : base(name, features, features) { }

        public static OnnxLayer Create(LayerSource source)
        {
            if (!source.OutputShape.AsSpan().SequenceEqual([source.Inputs]))
                throw new InvalidOperationException($"{source.Label}: the summary gives the output shape [{string.Join(", ", source.OutputShape)}], but flattening [{string.Join(", ", source.InputShape)}] gives [{source.Inputs}].");
            return new FlattenLayer(source.Layer.Name, source.Inputs);
        }

        public override string Emit(OnnxGraphBuilder graph, string input) =>
            graph.Node("Flatten", Name + ".output", [input], OnnxGraphBuilder.Int("axis", 1));

        public override void Reference(ReadOnlySpan<float> input, Span<float> output) => input[..Outputs].CopyTo(output);
    }

    /// <summary><c>kernel_shape</c>, <c>strides</c> and explicit <c>pads</c> (<c>[top, left, bottom, right]</c>) of a window.</summary>
    private static Onnx.AttributeProto[] WindowAttributes(in WindowGeometry g) =>
    [
        OnnxGraphBuilder.Ints("kernel_shape", g.KernelHeight, g.KernelWidth),
        OnnxGraphBuilder.Ints("strides", g.Stride, g.Stride),
        OnnxGraphBuilder.Ints("pads", g.PadTop, g.PadLeft, g.PadBottom, g.PadRight),
    ];

    /// <summary>
    /// A window read from a summary detail: <c>{kh}x{kw}</c>, then optionally <c>stride {s}</c> and <c>same</c> (or
    /// <c>valid</c>), then, for a convolution, the activation (<c>5x3, stride 2, same, LeakyReLU(alpha 0.2)</c>). The
    /// stride defaults to 1 for a convolution and to the window for a pool.
    /// </summary>
    private readonly record struct WindowDetail(int Height, int Width, int Stride, Padding Padding, string Activation)
    {
        private static readonly Regex KernelPattern = new(@"^(\d+)\s*x\s*(\d+)$", RegexOptions.CultureInvariant);
        private static readonly Regex StridePattern = new(@"^stride\s*[=:]?\s*(\d+)$", RegexOptions.CultureInvariant | RegexOptions.IgnoreCase);

        /// <param name="source">The layer.</param>
        /// <param name="pool">True for a pool (stride default the window, no activation), false for a convolution.</param>
        public static WindowDetail Parse(LayerSource source, bool pool)
        {
            var parts = source.Layer.Detail.Split(',', StringSplitOptions.TrimEntries);
            var kernel = KernelPattern.Match(parts[0]);
            if (!kernel.Success || !TryPositive(kernel.Groups[1].Value, out int height) || !TryPositive(kernel.Groups[2].Value, out int width))
                throw new NotSupportedException($"{source.Label}: cannot read the window from the detail '{source.Layer.Detail}' (expected \"3x3\" first).");
            int stride = pool ? height : 1;
            var padding = Padding.Valid;
            string activation = "";
            for (int i = 1; i < parts.Length; i++)
            {
                var strideMatch = StridePattern.Match(parts[i]);
                if (strideMatch.Success)
                {
                    if (!TryPositive(strideMatch.Groups[1].Value, out stride))
                        throw new NotSupportedException($"{source.Label}: cannot read the stride '{parts[i]}' of '{source.Layer.Detail}'.");
                }
                else if (parts[i].Equals("same", StringComparison.OrdinalIgnoreCase)) padding = Padding.Same;
                else if (parts[i].Equals("valid", StringComparison.OrdinalIgnoreCase)) padding = Padding.Valid;
                else if (!pool && i == parts.Length - 1) activation = parts[i];
                else throw new NotSupportedException($"{source.Label}: cannot read '{parts[i]}' in the detail '{source.Layer.Detail}'.");
            }
            return new WindowDetail(height, width, stride, padding, activation);
        }

        /// <summary>The window placed on the layer's input, which must be an image large enough for it.</summary>
        public WindowGeometry Geometry(LayerSource source)
        {
            var (channels, height, width) = source.Image;
            if (!WindowGeometry.Fits(height, Height, Padding) || !WindowGeometry.Fits(width, Width, Padding))
                throw new InvalidOperationException($"{source.Label}: the {Height}x{Width} window does not fit its {height}x{width} input without padding.");
            return WindowGeometry.Create(LayerShape.Image(channels, height, width), Height, Width, Stride, Padding);
        }

        /// <summary>The summary's output shape, checked against <c>[channels, out height, out width]</c> of the geometry.</summary>
        public int[] CheckOutput(LayerSource source, in WindowGeometry geometry, int channels)
        {
            int[] expected = [channels, geometry.OutputHeight, geometry.OutputWidth];
            if (!source.OutputShape.AsSpan().SequenceEqual(expected))
                throw new InvalidOperationException($"{source.Label}: the summary gives the output shape [{string.Join(", ", source.OutputShape)}], but the window on [{string.Join(", ", source.InputShape)}] gives [{string.Join(", ", expected)}].");
            return expected;
        }

        private static bool TryPositive(string text, out int value) =>
            int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out value) && value > 0;
    }
}
