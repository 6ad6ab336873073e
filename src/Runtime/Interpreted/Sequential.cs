using System.Globalization;
using System.Runtime.CompilerServices;
using CompiledNets.Kernels;

namespace CompiledNets;

/// <summary>
/// A network composed at run time (the interpreted engine): the same layers, math, parameter layout, tensor
/// names, architecture string and seeded initialisation as a generated network of the same architecture, so
/// a checkpoint moves between the two. Use it for architectures chosen at run time (a hyper-parameter search),
/// then declare the settled one with attributes to get the compiled network.
/// </summary>
/// <example>
/// <code>
/// var net = new Sequential(inputs: 784)
///     .Dense(128, Activation.ReLU)
///     .Dense(10, Activation.Softmax)
///     .Loss(LossFunction.CrossEntropy)
///     .Adam(1e-3f)
///     .Build(seed: 42);
///
/// var convnet = new Sequential(channels: 1, height: 28, width: 28)
///     .Conv2D(32, 3, Activation.ReLU).MaxPool2D(2)
///     .Conv2D(64, 3, Activation.ReLU).MaxPool2D(2)
///     .Flatten().Dropout(0.5f).Dense(10, Activation.Softmax)
///     .Loss(LossFunction.CrossEntropy).Adam(1e-3f)
///     .Build(seed: 42);
/// </code>
/// </example>
/// <remarks>
/// The builder methods configure the network until it is built: by <see cref="Build"/>, or on first use of any
/// <see cref="INetwork"/> member (then with a random seed and <see cref="DefaultMaxBatchSize"/>). All buffers are
/// allocated then; no member allocates afterwards. <see cref="Predict"/> is thread-safe.
/// <para>
/// Every attribute has its builder method: <see cref="Dense"/>, <see cref="Dropout"/>, <see cref="BatchNorm"/>,
/// <see cref="LayerNorm"/>, <see cref="Activation"/>, <see cref="Maxout"/>, the image layers <see cref="Conv2D"/>,
/// <see cref="MaxPool2D"/>, <see cref="AvgPool2D"/>, <see cref="GlobalAvgPool2D"/> and <see cref="Flatten"/>, <see cref="Loss"/>, <see cref="WeightDecay"/>,
/// the optimizers <see cref="Sgd"/>, <see cref="AdaGrad"/>, <see cref="RmsProp"/>, <see cref="Adam"/>, <see cref="AdamW"/>,
/// and <see cref="InferenceOnly"/>. Invalid settings throw where the generator reports a CN diagnostic. The build seed
/// also seeds the dropout masks (one stream, as in the generated network), so a generated and an interpreted network
/// built with the same seed drop the same values.
/// </para>
/// </remarks>
public sealed partial class Sequential : INetwork
{
    /// <summary>The largest training batch when <see cref="Build"/> is not given one (as the generator's default).</summary>
    public const int DefaultMaxBatchSize = 256;

    /// <summary>Predict keeps its two intermediate rows on the stack up to this many floats (else a per-thread buffer).</summary>
    private const int StackScratchLimit = 8192;

    [ThreadStatic]
    private static float[]? t_predictScratch;

    private readonly int _inputs;
    private readonly LayerShape _inputShape;
    private readonly List<Layer> _layers = [];
    private readonly Dictionary<string, int> _kindCounts = new();
    private readonly object _buildLock = new();
    private LossFunction? _loss;
    private Optimizer? _optimizer;
    private float _weightDecay;
    private bool _inferenceOnly;

    // Everything below is set once by Build.
    private volatile bool _built;
    private Layer[] _layerArray = [];
    private AlignedFloats _parameters = AlignedFloats.Empty;
    private AlignedFloats _gradients = AlignedFloats.Empty;
    private AlignedFloats _buffers = AlignedFloats.Empty;
    private AlignedFloats _optimizerState = AlignedFloats.Empty;
    private AlignedFloats _deltaA = AlignedFloats.Empty, _deltaB = AlignedFloats.Empty;
    private AlignedFloats _inferA = AlignedFloats.Empty, _inferB = AlignedFloats.Empty, _inferScratch = AlignedFloats.Empty;
    private TensorInfo[] _tensors = [];
    private string _architecture = "";
    private NetworkSummary? _summary;
    private int _outputSize, _widestHidden, _inferenceScratch, _maxBatchSize, _firstTrainable;
    private float _learningRate;
    private long _optimizerStep;
    private int _trainingRows;

    /// <summary>Starts a network whose samples have <paramref name="inputs"/> features.</summary>
    public Sequential(int inputs)
    {
        if (inputs <= 0) throw new ArgumentOutOfRangeException(nameof(inputs), inputs, "A network needs at least one input feature.");
        _inputs = inputs;
        _inputShape = LayerShape.Flat(inputs);
    }

    /// <summary>
    /// Starts a network whose samples are images of <paramref name="channels"/> × <paramref name="height"/> ×
    /// <paramref name="width"/> values, as <c>[Network(InputShape = new[] { channels, height, width })]</c>: each input row
    /// holds one sample in NCHW order (channel by channel, then row by row), so an MNIST row of 784 pixels is
    /// <c>new Sequential(1, 28, 28)</c>. <see cref="InputSize"/> is the product.
    /// </summary>
    public Sequential(int channels, int height, int width)
    {
        _inputShape = LayerShape.CheckedImage(channels, height, width, "The input shape");
        _inputs = _inputShape.Size;
    }

    /// <summary>The shape of one input sample: <c>[features]</c>, or <c>[channels, height, width]</c> for an image network.</summary>
    public IReadOnlyList<int> InputShape => _inputShape.Dimensions;

    /// <summary>True once the buffers are allocated and the weights initialised; the architecture is then fixed.</summary>
    public bool IsBuilt => _built;

    /// <summary>
    /// Adds a fully connected layer of <paramref name="units"/> outputs followed by <paramref name="activation"/>,
    /// as <c>[Dense(units, activation)]</c> does.
    /// </summary>
    /// <param name="units">Number of outputs.</param>
    /// <param name="activation">Activation applied to the outputs. Softmax only on the last layer; Step only in an <see cref="InferenceOnly"/> network.</param>
    /// <param name="alpha">LeakyReLU slope (default 0.01) or ELU saturation (default 1); NaN means the default.</param>
    /// <param name="init">Weight initialiser; <see cref="Init.Default"/> is He uniform for the ReLU family and Glorot uniform otherwise.</param>
    /// <param name="biasInit">Bias initialiser; <see cref="Init.Default"/> means zeros.</param>
    /// <param name="l2">L2 coefficient of this layer's weights (λ/2·Σw² added to the loss); NaN means the network's <see cref="WeightDecay"/>.</param>
    public Sequential Dense(int units, Activation activation = CompiledNets.Activation.Linear, float alpha = float.NaN, Init init = Init.Default, Init biasInit = Init.Default, float l2 = float.NaN)
    {
        ThrowIfBuilt();
        string position = $"Layer {_layers.Count + 1} (Dense {units})";
        if (units <= 0) throw new ArgumentOutOfRangeException(nameof(units), units, $"{position}: a Dense layer needs at least one unit.");
        CheckDefined(activation, nameof(activation), position, "activation");
        CheckDefined(init, nameof(init), position, "weight initialiser");
        CheckDefined(biasInit, nameof(biasInit), position, "bias initialiser");
        alpha = ResolveAlpha(activation, alpha, position);
        if (!float.IsNaN(l2)) CheckNonNegative(l2, nameof(l2), $"{position}: L2", "1e-4f");
        return Add(new DenseLayer(NextName("dense"), FlatInput(position), units, activation, alpha, init, biasInit, l2));
    }

    /// <summary>
    /// Adds inverted dropout, as <c>[Dropout(rate)]</c>: in training each value is zeroed with probability
    /// <paramref name="rate"/> and the rest scaled by <c>1 / (1 - rate)</c>; at inference the identity. The masks are
    /// drawn from one stream seeded by the build seed, the same stream a generated network of that seed draws.
    /// </summary>
    /// <param name="rate">Fraction of values dropped, in [0, 1).</param>
    public Sequential Dropout(float rate)
    {
        ThrowIfBuilt();
        if (!(rate >= 0 && rate < 1))
            throw new ArgumentOutOfRangeException(nameof(rate), rate, $"Layer {_layers.Count + 1} (Dropout): rate must be in [0, 1), for example 0.2f.");
        return Add(new DropoutLayer(NextName("dropout"), Current, rate));
    }

    /// <summary>
    /// Adds batch normalisation, as <c>[BatchNorm]</c>: each feature normalised with the batch's mean and (biased)
    /// variance in training, with the running statistics at inference, then scaled by gamma and shifted by beta. On an
    /// image input each channel is normalised over the batch and all its positions (PyTorch's <c>BatchNorm2d</c>).
    /// </summary>
    /// <param name="momentum">Weight of the batch in the running statistics, in (0, 1] (PyTorch's convention).</param>
    /// <param name="epsilon">Added to the variance, a finite number &gt; 0.</param>
    public Sequential BatchNorm(float momentum = 0.1f, float epsilon = 1e-5f)
    {
        ThrowIfBuilt();
        string position = $"Layer {_layers.Count + 1} (BatchNorm)";
        if (!(momentum > 0 && momentum <= 1))
            throw new ArgumentOutOfRangeException(nameof(momentum), momentum, $"{position}: Momentum must be in (0, 1], for example 0.1f.");
        CheckPositive(epsilon, nameof(epsilon), $"{position}: Epsilon", "1e-5f");
        return Add(new BatchNormLayer(NextName("batchnorm"), Current, momentum, epsilon));
    }

    /// <summary>
    /// Adds layer normalisation over each sample's features, as <c>[LayerNorm]</c>, with gamma and beta; on an image input
    /// over all of the sample's <c>C·H·W</c> values, with gamma and beta of shape <c>[C, H, W]</c> (PyTorch's <c>LayerNorm([C, H, W])</c>).
    /// </summary>
    /// <param name="epsilon">Added to the variance, a finite number &gt; 0.</param>
    public Sequential LayerNorm(float epsilon = 1e-5f)
    {
        ThrowIfBuilt();
        CheckPositive(epsilon, nameof(epsilon), $"Layer {_layers.Count + 1} (LayerNorm): Epsilon", "1e-5f");
        return Add(new LayerNormLayer(NextName("layernorm"), Current, epsilon));
    }

    /// <summary>
    /// Adds a standalone activation, as <c>[ActivationLayer(activation)]</c>, so a normalisation can sit between a
    /// Dense layer and its activation.
    /// </summary>
    /// <param name="activation">The activation. Softmax only as the last layer; Step only in an <see cref="InferenceOnly"/> network.</param>
    /// <param name="alpha">LeakyReLU slope (default 0.01) or ELU saturation (default 1); NaN means the default.</param>
    public Sequential Activation(Activation activation, float alpha = float.NaN)
    {
        ThrowIfBuilt();
        string position = $"Layer {_layers.Count + 1} (Activation)";
        CheckDefined(activation, nameof(activation), position, "activation");
        alpha = ResolveAlpha(activation, alpha, position);
        return Add(new ActivationLayer(NextName("activation"), Current, activation, alpha));
    }

    /// <summary>
    /// Adds a maxout layer, as <c>[Maxout(units, pieces)]</c>: a linear layer of <c>units × pieces</c> outputs, each
    /// of the <paramref name="units"/> outputs being the largest of its <paramref name="pieces"/> consecutive values.
    /// </summary>
    /// <param name="units">Number of outputs.</param>
    /// <param name="pieces">Linear pieces per output, at least 2 (one piece is a plain Dense layer).</param>
    /// <param name="init">Weight initialiser; <see cref="Init.Default"/> is Glorot uniform.</param>
    /// <param name="biasInit">Bias initialiser; <see cref="Init.Default"/> means zeros.</param>
    public Sequential Maxout(int units, int pieces, Init init = Init.Default, Init biasInit = Init.Default)
    {
        ThrowIfBuilt();
        string position = $"Layer {_layers.Count + 1} (Maxout {units})";
        if (units <= 0) throw new ArgumentOutOfRangeException(nameof(units), units, $"{position}: a Maxout layer needs at least one unit.");
        if (pieces < 2) throw new ArgumentOutOfRangeException(nameof(pieces), pieces, $"{position}: pieces must be at least 2 (one piece is a plain Dense layer), for example 3.");
        CheckDefined(init, nameof(init), position, "weight initialiser");
        CheckDefined(biasInit, nameof(biasInit), position, "bias initialiser");
        return Add(new MaxoutLayer(NextName("maxout"), FlatInput(position), units, pieces, init, biasInit));
    }

    /// <summary>Sets the loss the network is trained on, as <c>[Loss(...)]</c> does.</summary>
    public Sequential Loss(LossFunction loss)
    {
        ThrowIfBuilt();
        if (!Enum.IsDefined(loss)) throw new ArgumentOutOfRangeException(nameof(loss), loss, "Unknown loss function.");
        if (_loss is not null) throw new InvalidOperationException($"The network already has a loss ({_loss}); declare exactly one.");
        _loss = loss;
        return this;
    }

    /// <summary>
    /// L2 weight decay on every Dense, Maxout and Conv2D weight (not biases or normalisation parameters), as
    /// <c>[WeightDecay(lambda)]</c>: λ/2·Σw² added to the loss and λ·w to the gradient. A Dense or Conv2D layer's own
    /// <c>l2</c> takes precedence.
    /// </summary>
    /// <param name="lambda">The coefficient, a finite number &gt;= 0.</param>
    public Sequential WeightDecay(float lambda)
    {
        ThrowIfBuilt();
        CheckNonNegative(lambda, nameof(lambda), "WeightDecay: lambda", "1e-4f");
        _weightDecay = lambda;
        return this;
    }

    /// <summary>
    /// Marks the network inference only, as <c>[Network(InferenceOnly = true)]</c>: it predicts but cannot train
    /// (weights are set through <see cref="Parameters"/> or a checkpoint), so it takes no optimizer and may use
    /// Step activations; the loss is optional.
    /// </summary>
    public Sequential InferenceOnly()
    {
        ThrowIfBuilt();
        _inferenceOnly = true;
        return this;
    }

    /// <summary>
    /// Stochastic gradient descent, as <c>[Sgd]</c>: <c>p -= lr * g</c>, or with PyTorch's momentum
    /// (<c>v = μ·v + g</c>; <c>p -= lr·v</c>, or <c>p -= lr·(g + μ·v)</c> with Nesterov).
    /// </summary>
    /// <param name="learningRate">The step size, a finite number &gt; 0.</param>
    /// <param name="momentum">Momentum in [0, 1); 0 is plain SGD.</param>
    /// <param name="nesterov">Nesterov momentum (needs momentum &gt; 0).</param>
    public Sequential Sgd(float learningRate = 0.01f, float momentum = 0f, bool nesterov = false)
    {
        ThrowIfBuilt();
        CheckLearningRate(learningRate);
        CheckUnitInterval(momentum, nameof(momentum), "[Sgd] Momentum", "0.9f");
        if (nesterov && !(momentum > 0))
            throw new ArgumentOutOfRangeException(nameof(momentum), momentum, "[Sgd] Momentum must be > 0 when Nesterov is on, for example 0.9f.");
        return SetOptimizer(new SgdOptimizer(learningRate, momentum, nesterov));
    }

    /// <summary>AdaGrad, as <c>[AdaGrad]</c> (PyTorch's formulas and defaults).</summary>
    /// <param name="learningRate">The step size, a finite number &gt; 0.</param>
    /// <param name="epsilon">Added to the root of the sum of squares, a finite number &gt; 0.</param>
    public Sequential AdaGrad(float learningRate = 0.01f, float epsilon = 1e-10f)
    {
        ThrowIfBuilt();
        CheckLearningRate(learningRate);
        CheckPositive(epsilon, nameof(epsilon), "[AdaGrad] Epsilon", "1e-10f");
        return SetOptimizer(new AdaGradOptimizer(learningRate, epsilon));
    }

    /// <summary>RMSprop, as <c>[RmsProp]</c> (PyTorch's formulas and defaults, not centred).</summary>
    /// <param name="learningRate">The step size, a finite number &gt; 0.</param>
    /// <param name="alpha">Smoothing of the squared-gradient average, in [0, 1).</param>
    /// <param name="epsilon">Added to the root of the average, a finite number &gt; 0.</param>
    /// <param name="momentum">Momentum in [0, 1); 0 means none.</param>
    public Sequential RmsProp(float learningRate = 0.01f, float alpha = 0.99f, float epsilon = 1e-8f, float momentum = 0f)
    {
        ThrowIfBuilt();
        CheckLearningRate(learningRate);
        CheckUnitInterval(alpha, nameof(alpha), "[RmsProp] Alpha", "0.99f");
        CheckPositive(epsilon, nameof(epsilon), "[RmsProp] Epsilon", "1e-8f");
        CheckUnitInterval(momentum, nameof(momentum), "[RmsProp] Momentum", "0.9f");
        return SetOptimizer(new RmsPropOptimizer(learningRate, alpha, epsilon, momentum));
    }

    /// <summary>Adam with bias correction, as <c>[Adam]</c> (PyTorch's formulas and defaults).</summary>
    /// <param name="learningRate">The step size, a finite number &gt; 0.</param>
    /// <param name="beta1">Decay of the first moment, in [0, 1).</param>
    /// <param name="beta2">Decay of the second moment, in [0, 1).</param>
    /// <param name="epsilon">Added to the root of the second moment, a finite number &gt; 0.</param>
    public Sequential Adam(float learningRate = 1e-3f, float beta1 = 0.9f, float beta2 = 0.999f, float epsilon = 1e-8f)
    {
        ThrowIfBuilt();
        CheckAdam("[Adam]", learningRate, beta1, beta2, epsilon);
        return SetOptimizer(new AdamOptimizer(learningRate, beta1, beta2, epsilon));
    }

    /// <summary>AdamW, as <c>[AdamW]</c>: Adam with decoupled weight decay, <c>p *= 1 - lr·λ</c> before each Adam update (PyTorch's defaults).</summary>
    /// <param name="learningRate">The step size, a finite number &gt; 0.</param>
    /// <param name="beta1">Decay of the first moment, in [0, 1).</param>
    /// <param name="beta2">Decay of the second moment, in [0, 1).</param>
    /// <param name="epsilon">Added to the root of the second moment, a finite number &gt; 0.</param>
    /// <param name="weightDecay">The decoupled decay λ, a finite number &gt;= 0.</param>
    public Sequential AdamW(float learningRate = 1e-3f, float beta1 = 0.9f, float beta2 = 0.999f, float epsilon = 1e-8f, float weightDecay = 0.01f)
    {
        ThrowIfBuilt();
        CheckAdam("[AdamW]", learningRate, beta1, beta2, epsilon);
        CheckNonNegative(weightDecay, nameof(weightDecay), "[AdamW] WeightDecay", "0.01f");
        return SetOptimizer(new AdamWOptimizer(learningRate, beta1, beta2, epsilon, weightDecay));
    }

    /// <summary>
    /// Checks the architecture, allocates every buffer for batches of up to <paramref name="maxBatchSize"/> rows and
    /// initialises the weights from <paramref name="seed"/> (the generated network of the same architecture and seed
    /// starts from the same weights). Null draws a random seed.
    /// </summary>
    /// <exception cref="InvalidOperationException">The architecture is incomplete or invalid, or the network is already built.</exception>
    public Sequential Build(int? seed = null, int maxBatchSize = DefaultMaxBatchSize)
    {
        if (maxBatchSize <= 0) throw new ArgumentOutOfRangeException(nameof(maxBatchSize), maxBatchSize, "The maximum batch size must be positive.");
        lock (_buildLock)
        {
            ThrowIfBuilt();
            BuildCore(seed ?? Random.Shared.Next(), maxBatchSize);
        }
        return this;
    }

    /// <summary>
    /// The loss the network is trained on (also <see cref="INetwork.Loss"/>); MeanSquaredError for an inference-only
    /// network declared without one, as the generator does.
    /// </summary>
    public LossFunction LossFunction => EnsureBuilt()._loss ?? LossFunction.MeanSquaredError;

    /// <inheritdoc/>
    LossFunction INetwork.Loss => LossFunction;

    /// <inheritdoc/>
    public int InputSize => _inputs;

    /// <inheritdoc/>
    public int OutputSize => EnsureBuilt()._outputSize;

    /// <inheritdoc/>
    public int ParameterCount => EnsureBuilt()._parameters.Length;

    /// <inheritdoc/>
    public int MaxBatchSize => EnsureBuilt()._maxBatchSize;

    /// <inheritdoc/>
    public Span<float> Parameters => EnsureBuilt()._parameters;

    /// <inheritdoc/>
    public Span<float> Gradients => EnsureBuilt()._gradients;

    /// <inheritdoc/>
    public Span<float> Buffers => EnsureBuilt()._buffers;

    /// <inheritdoc/>
    public Span<float> OptimizerState => EnsureBuilt()._optimizerState;

    /// <inheritdoc/>
    public IReadOnlyList<TensorInfo> Tensors => EnsureBuilt()._tensors;

    /// <inheritdoc/>
    public string Architecture => EnsureBuilt()._architecture;

    /// <inheritdoc/>
    public NetworkSummary Summary => EnsureBuilt()._summary!;

    /// <inheritdoc/>
    public float LearningRate
    {
        get => EnsureBuilt()._learningRate;
        set => EnsureBuilt()._learningRate = value;
    }

    /// <inheritdoc/>
    public long OptimizerStep
    {
        get => EnsureBuilt()._optimizerStep;
        set => EnsureBuilt()._optimizerStep = value;
    }

    /// <inheritdoc/>
    public ReadOnlySpan<float> TrainingOutputs =>
        EnsureBuilt()._trainingRows == 0 ? ReadOnlySpan<float>.Empty : _layerArray[^1].Output(_trainingRows);

    /// <inheritdoc/>
    [SkipLocalsInit]
    public void Predict(ReadOnlySpan<float> input, Span<float> output)
    {
        EnsureBuilt();
        if (input.Length != _inputs) ThrowLength(nameof(input), _inputs, input.Length, "one sample of InputSize features");
        if (output.Length != _outputSize) ThrowLength(nameof(output), _outputSize, output.Length, "OutputSize values");
        var layers = _layerArray;
        // Thread-safe: the intermediate rows live on this call's stack (or this thread's buffer for very wide layers).
        int width = _widestHidden, extra = _inferenceScratch; // the scratch of one sample
        int length = 2 * width + extra;
        Span<float> scratch = length <= StackScratchLimit ? stackalloc float[length] : ThreadScratch(length);
        Span<float> rowA = scratch[..width], rowB = scratch.Slice(width, width), layerScratch = scratch.Slice(2 * width, extra);
        scoped ReadOnlySpan<float> current = input;
        int written = 0;
        for (int i = 0; i < layers.Length; i++)
        {
            var layer = layers[i];
            bool last = i == layers.Length - 1;
            if (layer.IdentityAtInference && !last) continue;
            Span<float> destination = last ? output : (written++ % 2 == 0 ? rowA : rowB)[..layer.Outputs];
            layer.Infer(current, destination, 1, layerScratch);
            current = destination;
        }
    }

    /// <inheritdoc/>
    public void PredictBatch(ReadOnlySpan<float> inputs, Span<float> outputs, int batchSize)
    {
        EnsureBuilt();
        if (batchSize < 0) throw new ArgumentOutOfRangeException(nameof(batchSize), batchSize, "The batch size must not be negative.");
        if (inputs.Length != batchSize * _inputs) ThrowLength(nameof(inputs), batchSize * _inputs, inputs.Length, $"{batchSize} samples × {_inputs} features");
        if (outputs.Length != batchSize * _outputSize) ThrowLength(nameof(outputs), batchSize * _outputSize, outputs.Length, $"{batchSize} samples × {_outputSize} outputs");
        var layers = _layerArray;
        for (int start = 0; start < batchSize; start += _maxBatchSize)
        {
            int rows = Math.Min(_maxBatchSize, batchSize - start);
            ReadOnlySpan<float> current = inputs.Slice(start * _inputs, rows * _inputs);
            int written = 0;
            for (int i = 0; i < layers.Length; i++)
            {
                var layer = layers[i];
                bool last = i == layers.Length - 1;
                if (layer.IdentityAtInference && !last) continue;
                Span<float> destination = last
                    ? outputs.Slice(start * _outputSize, rows * _outputSize)
                    : (written++ % 2 == 0 ? _inferA : _inferB).AsSpan(0, rows * layer.Outputs);
                layer.Infer(current, destination, rows, _inferScratch);
                current = destination;
            }
        }
    }

    /// <inheritdoc/>
    public float ComputeGradients(ReadOnlySpan<float> inputs, ReadOnlySpan<float> targets, int batchSize)
    {
        EnsureBuilt();
        if (_inferenceOnly) throw InferenceOnlyError();
        if (batchSize <= 0 || batchSize > _maxBatchSize)
            throw new ArgumentException($"The batch size is {batchSize}, but it must be between 1 and MaxBatchSize ({_maxBatchSize}); build the network with a larger maxBatchSize to train on larger batches.", nameof(batchSize));
        if (inputs.Length != batchSize * _inputs) ThrowLength(nameof(inputs), batchSize * _inputs, inputs.Length, $"{batchSize} samples × {_inputs} features");
        if (targets.Length != batchSize * _outputSize) ThrowLength(nameof(targets), batchSize * _outputSize, targets.Length, $"{batchSize} samples × {_outputSize} outputs");

        var layers = _layerArray;
        ReadOnlySpan<float> current = inputs;
        foreach (var layer in layers) current = layer.Forward(current, batchSize);
        _trainingRows = batchSize;

        // The loss writes d loss / d (last pre-activation): fused with softmax / sigmoid, else through the activation's derivative.
        var last = layers[^1];
        ReadOnlySpan<float> lastInput = layers.Length == 1 ? inputs : layers[^2].Output(batchSize);
        float loss = LossKernels.LossAndGradient(_loss!.Value, last.OutputActivation, last.OutputAlpha,
            current, last.PreActivation(lastInput, batchSize), targets, _deltaA, batchSize, _outputSize);

        // Backward, last layer first, down to the first layer with parameters (it needs no input gradient). Dense and
        // Maxout write their input gradient into the other delta buffer; the other kinds work in place.
        Span<float> delta = _deltaA, other = _deltaB;
        for (int i = layers.Length - 1; i >= _firstTrainable; i--)
        {
            var layer = layers[i];
            ReadOnlySpan<float> layerInput = i == 0 ? inputs : layers[i - 1].Output(batchSize);
            var layerDelta = delta[..(batchSize * layer.Outputs)];
            bool lastLayer = i == layers.Length - 1;
            if (layer.BackwardInPlace)
            {
                layer.Backward(layerInput, layerDelta, layerDelta, batchSize, gradientIsPreActivation: lastLayer);
                continue;
            }
            Span<float> inputGradient = i == _firstTrainable ? Span<float>.Empty : other[..(batchSize * layer.Inputs)];
            layer.Backward(layerInput, layerDelta, inputGradient, batchSize, gradientIsPreActivation: lastLayer);
            var swap = delta;
            delta = other;
            other = swap;
        }

        // L2 weight decay on the weights, layer by layer as the generated network adds it.
        foreach (var layer in layers) loss += layer.AddL2Penalty(_weightDecay);
        return loss;
    }

    /// <inheritdoc/>
    public void ApplyGradients()
    {
        EnsureBuilt();
        if (_inferenceOnly) throw InferenceOnlyError();
        _optimizerStep++;
        _optimizer!.Step(_parameters, _gradients, _optimizerState, _learningRate, _optimizerStep);
    }

    /// <inheritdoc/>
    public float TrainBatch(ReadOnlySpan<float> inputs, ReadOnlySpan<float> targets, int batchSize)
    {
        float loss = ComputeGradients(inputs, targets, batchSize);
        ApplyGradients();
        return loss;
    }

    /// <summary>The architecture string, or the layers declared so far when not built yet.</summary>
    public override string ToString() => _built ? _architecture : DescribeArchitecture();

    private Sequential EnsureBuilt()
    {
        if (!_built)
        {
            lock (_buildLock)
            {
                if (!_built) BuildCore(Random.Shared.Next(), DefaultMaxBatchSize);
            }
        }
        return this;
    }

    private void BuildCore(int seed, int maxBatchSize)
    {
        Validate();
        var layers = _layers.ToArray();
        long parameterTotal = 0, bufferTotal = 0;
        foreach (var layer in layers)
        {
            parameterTotal += layer.ParameterCount;
            bufferTotal += layer.BufferCount;
        }
        if (parameterTotal > AlignedFloats.MaxLength) throw new InvalidOperationException($"The network has {parameterTotal:N0} parameters; at most {AlignedFloats.MaxLength:N0} fit in one buffer.");
        int parameterCount = (int)parameterTotal;
        var optimizer = _optimizer;
        long stateTotal = optimizer is null ? 0 : (long)optimizer.StateSize(1) * parameterCount;
        if (stateTotal > AlignedFloats.MaxLength) throw new InvalidOperationException($"The {optimizer!.Name} state needs {stateTotal:N0} values; at most {AlignedFloats.MaxLength:N0} fit in one buffer.");
        bool training = !_inferenceOnly;
        var parameters = new AlignedFloats(parameterCount);
        var gradients = new AlignedFloats(parameterCount); // also for an inference-only network, as the generated one has
        var buffers = new AlignedFloats((int)bufferTotal);
        var dropout = new DropoutStream(~(long)seed);
        int parameterOffset = 0, bufferOffset = 0;
        for (int i = 0; i < layers.Length; i++)
        {
            layers[i].Bind(new LayerBinding(parameters, gradients, buffers, parameterOffset, bufferOffset, maxBatchSize,
                IsLast: i == layers.Length - 1, training, dropout));
            parameterOffset += layers[i].ParameterCount;
            bufferOffset += layers[i].BufferCount;
        }

        // The generated network's order: one generator, layer by layer, weight then bias; unit gammas and running variances.
        var random = new SeededRandom(seed);
        foreach (var layer in layers) layer.Initialize(ref random);

        int widest = layers.Max(l => l.Outputs);
        _widestHidden = layers.Length > 1 ? layers[..^1].Max(l => l.Outputs) : 1;
        _inferenceScratch = layers.Max(l => l.InferenceScratchFor(1));
        _firstTrainable = Math.Max(0, Array.FindIndex(layers, l => l.ParameterCount > 0));
        _layerArray = layers;
        _parameters = parameters;
        _gradients = gradients;
        _buffers = buffers;
        _optimizerState = new AlignedFloats((int)stateTotal);
        _deltaA = training ? new AlignedFloats(maxBatchSize * widest) : AlignedFloats.Empty;
        _deltaB = training ? new AlignedFloats(maxBatchSize * widest) : AlignedFloats.Empty;
        _inferA = new AlignedFloats(maxBatchSize * _widestHidden);
        _inferB = new AlignedFloats(maxBatchSize * _widestHidden);
        _inferScratch = new AlignedFloats(layers.Max(l => l.InferenceScratchFor(maxBatchSize)));
        _tensors = [.. layers.SelectMany(l => l.Tensors()), .. optimizer?.StateTensors(parameterCount) ?? []];
        _architecture = DescribeArchitecture();
        var loss = _loss?.ToString() ?? "none";
        _summary = new NetworkSummary(nameof(Sequential), _inputs, layers.Select(l => l.Summary()).ToArray(), loss, optimizer?.Describe() ?? "none (inference only)");
        _outputSize = layers[^1].Outputs;
        _maxBatchSize = maxBatchSize;
        _learningRate = optimizer?.LearningRate ?? 0f;
        _optimizerStep = 0;
        _trainingRows = 0;
        _built = true;
    }

    /// <summary>The checks the generator makes at build time (CN diagnostics), as exceptions.</summary>
    private void Validate()
    {
        if (_layers.Count == 0) throw new InvalidOperationException("The network has no layers: add at least one, for example .Dense(10, Activation.Softmax).");
        if (_inferenceOnly)
        {
            if (_optimizer is not null)
                throw new InvalidOperationException($"The network is inference only, so it never takes an optimizer step: remove .{_optimizer.Name}(...), or remove .InferenceOnly() to train it.");
        }
        else
        {
            if (_loss is null) throw new InvalidOperationException("The network has no loss: call .Loss(LossFunction...) before building.");
            if (_optimizer is null) throw new InvalidOperationException("The network has no optimizer: call .Sgd(...), .Adam(...) or another optimizer before building.");
        }
        for (int i = 0; i < _layers.Count; i++)
        {
            var layer = _layers[i];
            if (!layer.HasActivation) continue;
            if (layer.OutputActivation == CompiledNets.Activation.Softmax && i < _layers.Count - 1)
                throw new InvalidOperationException($"Layer {i + 1} ({layer.Describe()}): Softmax is only valid on the last layer; use ReLU, Tanh or another element-wise activation here.");
            if (layer.OutputActivation == CompiledNets.Activation.Step && !_inferenceOnly)
                throw new InvalidOperationException($"Layer {i + 1} ({layer.Describe()}) uses Step, whose derivative is zero almost everywhere, so the network cannot be trained: use Sigmoid for a smooth perceptron output, or call .InferenceOnly() (and no optimizer) to set the weights by hand.");
        }
        if (_loss is null) return;
        var last = _layers[^1];
        var output = last.OutputActivation;
        if (output == CompiledNets.Activation.Step) return;
        string label = $"Layer {_layers.Count} ({last.Describe()})";
        if (_loss == LossFunction.CrossEntropy && output != CompiledNets.Activation.Softmax)
            throw new InvalidOperationException($"CrossEntropy needs a Softmax output, but {label} ends in {output}: end with .Dense({last.Outputs}, Activation.Softmax) or .Activation(Activation.Softmax), or use BinaryCrossEntropy with a Sigmoid output.");
        if (_loss == LossFunction.BinaryCrossEntropy && output != CompiledNets.Activation.Sigmoid)
            throw new InvalidOperationException($"BinaryCrossEntropy needs a Sigmoid output, but {label} ends in {output}: end with .Dense({last.Outputs}, Activation.Sigmoid), or use CrossEntropy with a Softmax output.");
        if (_loss == LossFunction.CrossEntropy && last.Outputs < 2)
            throw new InvalidOperationException($"CrossEntropy needs at least two classes, but {label} has one unit: use one Sigmoid unit with BinaryCrossEntropy for two classes.");
    }

    private string DescribeArchitecture() =>
        _inputShape.ArchitectureText + " -> " + string.Join(" -> ", _layers.Select(l => l.Describe())) +
        " | " + (_loss?.ToString() ?? (_inferenceOnly ? "none" : "?")) +
        " | " + (_inferenceOnly ? "InferenceOnly" : _optimizer?.Name ?? "?");

    /// <summary>The shape of a sample coming into the next layer added.</summary>
    private LayerShape Current => _layers.Count == 0 ? _inputShape : _layers[^1].OutputShape;

    /// <summary>Features per sample coming into the next layer added, which must be flat (Dense, Maxout).</summary>
    private int FlatInput(string position)
    {
        var shape = Current;
        if (shape.IsImage)
            throw new InvalidOperationException(
                $"{position}: its input is the image-shaped {shape} {PreviousOutput()}, but it needs a flat [features] input: add .Flatten() before it (or .GlobalAvgPool2D() to average each channel).");
        return shape.Size;
    }

    /// <summary>What produced the next layer's input, for messages: <c>output of layer 2 (maxpool1)</c> or <c>network input</c>.</summary>
    private string PreviousOutput() =>
        _layers.Count == 0 ? "network input" : $"output of layer {_layers.Count} ({_layers[^1].Name})";

    private Sequential SetOptimizer(Optimizer optimizer)
    {
        if (_optimizer is not null)
            throw new InvalidOperationException($"The network already has an optimizer ({_optimizer.Name}); declare exactly one.");
        _optimizer = optimizer;
        return this;
    }

    internal static InvalidOperationException InferenceOnlyError() =>
        new("The network is inference only (.InferenceOnly()): it predicts but cannot train. Build it with a loss and an optimizer, without InferenceOnly, to train it.");

    internal static float ResolveAlpha(Activation activation, float alpha, string position)
    {
        if (float.IsNaN(alpha)) return ActivationKernels.DefaultAlpha(activation);
        if (float.IsInfinity(alpha) || alpha < 0)
            throw new ArgumentOutOfRangeException(nameof(alpha), alpha, $"{position}: alpha must be a finite number >= 0, for example {(activation == CompiledNets.Activation.ELU ? "1f" : "0.01f")}.");
        return alpha;
    }

    internal static void CheckDefined<T>(T value, string name, string position, string what) where T : struct, Enum
    {
        if (!Enum.IsDefined(value)) throw new ArgumentOutOfRangeException(name, value, $"{position}: unknown {what}.");
    }

    internal static void CheckPositive(float value, string name, string what, string example)
    {
        if (!(value > 0) || float.IsInfinity(value))
            throw new ArgumentOutOfRangeException(name, value, $"{what} must be a finite number > 0, for example {example}.");
    }

    internal static void CheckNonNegative(float value, string name, string what, string example)
    {
        if (!(value >= 0) || float.IsInfinity(value))
            throw new ArgumentOutOfRangeException(name, value, $"{what} must be a finite number >= 0, for example {example}.");
    }

    internal static void CheckUnitInterval(float value, string name, string what, string example)
    {
        if (!(value >= 0 && value < 1))
            throw new ArgumentOutOfRangeException(name, value, $"{what} must be in [0, 1), for example {example}.");
    }

    internal static void CheckAdam(string owner, float learningRate, float beta1, float beta2, float epsilon)
    {
        CheckLearningRate(learningRate);
        CheckUnitInterval(beta1, nameof(beta1), owner + " Beta1", "0.9f");
        CheckUnitInterval(beta2, nameof(beta2), owner + " Beta2", "0.999f");
        CheckPositive(epsilon, nameof(epsilon), owner + " Epsilon", "1e-8f");
    }

    private Sequential Add(Layer layer)
    {
        _layers.Add(layer);
        return this;
    }

    /// <summary>1-based per layer kind: dense1, dense2, dropout1, ...</summary>
    private string NextName(string kind)
    {
        int count = _kindCounts.GetValueOrDefault(kind) + 1;
        _kindCounts[kind] = count;
        return kind + count.ToString(CultureInfo.InvariantCulture);
    }

    private void ThrowIfBuilt()
    {
        if (_built) throw new InvalidOperationException("The network is already built; its architecture can no longer change. Start a new Sequential.");
    }

    internal static void CheckLearningRate(float learningRate)
    {
        if (!(learningRate > 0) || float.IsInfinity(learningRate))
            throw new ArgumentOutOfRangeException(nameof(learningRate), learningRate, "The learning rate must be a finite number > 0.");
    }

    internal static Span<float> ThreadScratch(int length)
    {
        var scratch = t_predictScratch;
        if (scratch is null || scratch.Length < length) t_predictScratch = scratch = new float[length];
        return scratch.AsSpan(0, length);
    }

    [System.Diagnostics.CodeAnalysis.DoesNotReturn]
    internal static void ThrowLength(string name, int expected, int actual, string meaning) =>
        throw new ArgumentException($"The span '{name}' has {Plural.Count(actual, "value")}; expected {expected} ({meaning}).", name);
}
