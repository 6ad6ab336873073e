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
/// </code>
/// </example>
/// <remarks>
/// The builder methods configure the network until it is built: by <see cref="Build"/>, or on first use of any
/// <see cref="INetwork"/> member (then with a random seed and <see cref="DefaultMaxBatchSize"/>). All buffers are
/// allocated then; no member allocates afterwards. <see cref="Predict"/> is thread-safe.
/// </remarks>
public sealed class Sequential : INetwork
{
    /// <summary>The largest training batch when <see cref="Build"/> is not given one (as the generator's default).</summary>
    public const int DefaultMaxBatchSize = 256;

    /// <summary>Predict keeps its two intermediate rows on the stack up to this many floats (else a per-thread buffer).</summary>
    private const int StackScratchLimit = 8192;

    [ThreadStatic]
    private static float[]? t_predictScratch;

    private readonly int _inputs;
    private readonly List<Layer> _layers = [];
    private readonly Dictionary<string, int> _kindCounts = new();
    private readonly object _buildLock = new();
    private LossFunction? _loss;
    private Optimizer? _optimizer;

    // Everything below is set once by Build.
    private volatile bool _built;
    private Layer[] _layerArray = [];
    private float[] _parameters = [];
    private float[] _gradients = [];
    private float[] _optimizerState = [];
    private float[] _deltaA = [], _deltaB = [];
    private float[] _inferA = [], _inferB = [];
    private TensorInfo[] _tensors = [];
    private string _architecture = "";
    private NetworkSummary? _summary;
    private int _outputSize, _widestHidden, _maxBatchSize;
    private bool _trainable;
    private float _learningRate;
    private long _optimizerStep;
    private int _trainingRows;

    /// <summary>Starts a network whose samples have <paramref name="inputs"/> features.</summary>
    public Sequential(int inputs)
    {
        if (inputs <= 0) throw new ArgumentOutOfRangeException(nameof(inputs), inputs, "A network needs at least one input feature.");
        _inputs = inputs;
    }

    /// <summary>True once the buffers are allocated and the weights initialised; the architecture is then fixed.</summary>
    public bool IsBuilt => _built;

    /// <summary>
    /// Adds a fully connected layer of <paramref name="units"/> outputs followed by <paramref name="activation"/>,
    /// as <c>[Dense(units, activation)]</c> does.
    /// </summary>
    /// <param name="units">Number of outputs.</param>
    /// <param name="activation">Activation applied to the outputs. Softmax only on the last layer; Step makes the network inference only.</param>
    /// <param name="alpha">LeakyReLU slope (default 0.01) or ELU saturation (default 1); NaN means the default.</param>
    /// <param name="init">Weight initialiser; <see cref="Init.Default"/> is He uniform for the ReLU family and Glorot uniform otherwise.</param>
    /// <param name="biasInit">Bias initialiser; <see cref="Init.Default"/> means zeros.</param>
    public Sequential Dense(int units, Activation activation = Activation.Linear, float alpha = float.NaN, Init init = Init.Default, Init biasInit = Init.Default)
    {
        ThrowIfBuilt();
        string position = $"Layer {_layers.Count + 1} (Dense {units})";
        if (units <= 0) throw new ArgumentOutOfRangeException(nameof(units), units, $"{position}: a Dense layer needs at least one unit.");
        if (!Enum.IsDefined(activation)) throw new ArgumentOutOfRangeException(nameof(activation), activation, $"{position}: unknown activation.");
        if (!Enum.IsDefined(init)) throw new ArgumentOutOfRangeException(nameof(init), init, $"{position}: unknown weight initialiser.");
        if (!Enum.IsDefined(biasInit)) throw new ArgumentOutOfRangeException(nameof(biasInit), biasInit, $"{position}: unknown bias initialiser.");
        if (float.IsNaN(alpha)) alpha = ActivationKernels.DefaultAlpha(activation);
        else if (float.IsInfinity(alpha) || alpha < 0) throw new ArgumentOutOfRangeException(nameof(alpha), alpha, $"{position}: alpha must be a finite number >= 0.");
        int inputs = _layers.Count == 0 ? _inputs : _layers[^1].Outputs;
        return Add(new DenseLayer(NextName("dense"), inputs, units, activation, alpha, init, biasInit));
    }

    /// <summary>Sets the loss the network is trained on, as <c>[Loss(...)]</c> does.</summary>
    public Sequential Loss(LossFunction loss)
    {
        ThrowIfBuilt();
        if (!Enum.IsDefined(loss)) throw new ArgumentOutOfRangeException(nameof(loss), loss, "Unknown loss function.");
        _loss = loss;
        return this;
    }

    /// <summary>Plain stochastic gradient descent, as <c>[Sgd]</c>: <c>p -= lr * g</c>.</summary>
    public Sequential Sgd(float learningRate = 0.01f)
    {
        ThrowIfBuilt();
        CheckLearningRate(learningRate);
        _optimizer = new SgdOptimizer(learningRate);
        return this;
    }

    /// <summary>Adam with bias correction, as <c>[Adam]</c> (PyTorch's formulas and defaults).</summary>
    public Sequential Adam(float learningRate = 1e-3f, float beta1 = 0.9f, float beta2 = 0.999f, float epsilon = 1e-8f)
    {
        ThrowIfBuilt();
        CheckLearningRate(learningRate);
        if (!(beta1 >= 0 && beta1 < 1)) throw new ArgumentOutOfRangeException(nameof(beta1), beta1, "Beta1 must be in [0, 1).");
        if (!(beta2 >= 0 && beta2 < 1)) throw new ArgumentOutOfRangeException(nameof(beta2), beta2, "Beta2 must be in [0, 1).");
        if (!(epsilon > 0) || float.IsInfinity(epsilon)) throw new ArgumentOutOfRangeException(nameof(epsilon), epsilon, "Epsilon must be a finite number > 0.");
        _optimizer = new AdamOptimizer(learningRate, beta1, beta2, epsilon);
        return this;
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

    /// <summary>The loss the network is trained on (also <see cref="INetwork.Loss"/>).</summary>
    public LossFunction LossFunction => (EnsureBuilt()._loss)!.Value;

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
    public Span<float> Buffers => Span<float>.Empty;

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
        if (layers.Length == 1)
        {
            layers[0].Infer(input, output, 1);
            return;
        }
        // Thread-safe: the intermediate rows live on this call's stack (or this thread's buffer for very wide layers).
        int width = _widestHidden;
        Span<float> scratch = 2 * width <= StackScratchLimit ? stackalloc float[2 * width] : ThreadScratch(2 * width);
        Span<float> rowA = scratch[..width], rowB = scratch.Slice(width, width);
        scoped ReadOnlySpan<float> current = input;
        for (int i = 0; i < layers.Length; i++)
        {
            var layer = layers[i];
            Span<float> destination = i == layers.Length - 1 ? output : (i % 2 == 0 ? rowA : rowB)[..layer.Outputs];
            layer.Infer(current, destination, 1);
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
            for (int i = 0; i < layers.Length; i++)
            {
                var layer = layers[i];
                Span<float> destination = i == layers.Length - 1
                    ? outputs.Slice(start * _outputSize, rows * _outputSize)
                    : (i % 2 == 0 ? _inferA : _inferB).AsSpan(0, rows * layer.Outputs);
                layer.Infer(current, destination, rows);
                current = destination;
            }
        }
    }

    /// <inheritdoc/>
    public float ComputeGradients(ReadOnlySpan<float> inputs, ReadOnlySpan<float> targets, int batchSize)
    {
        EnsureBuilt();
        if (!_trainable)
            throw new InvalidOperationException("A network with a Step activation is inference only: Step has no useful derivative.");
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
        float loss = LossKernels.LossAndGradient(_loss!.Value, last.OutputActivation, last.OutputAlpha,
            current, last.PreActivation(batchSize), targets, _deltaA, batchSize, _outputSize);

        Span<float> delta = _deltaA, other = _deltaB;
        for (int i = layers.Length - 1; i >= 0; i--)
        {
            var layer = layers[i];
            ReadOnlySpan<float> layerInput = i == 0 ? inputs : layers[i - 1].Output(batchSize);
            Span<float> inputGradient = i == 0 ? Span<float>.Empty : other[..(batchSize * layer.Inputs)];
            layer.Backward(layerInput, delta[..(batchSize * layer.Outputs)], inputGradient, batchSize, gradientIsPreActivation: i == layers.Length - 1);
            var swap = delta;
            delta = other;
            other = swap;
        }
        return loss;
    }

    /// <inheritdoc/>
    public void ApplyGradients()
    {
        EnsureBuilt();
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
        int parameterCount = 0;
        foreach (var layer in layers)
        {
            long total = (long)parameterCount + layer.ParameterCount;
            if (total > Array.MaxLength) throw new InvalidOperationException($"The network has {total:N0} parameters; at most {Array.MaxLength:N0} fit in one buffer.");
            parameterCount = (int)total;
        }
        var parameters = new float[parameterCount];
        var gradients = new float[parameterCount];
        int offset = 0;
        for (int i = 0; i < layers.Length; i++)
        {
            layers[i].Bind(parameters, gradients, offset, maxBatchSize, keepLogits: i == layers.Length - 1);
            offset += layers[i].ParameterCount;
        }

        // The generated network's order: one generator, layer by layer, weight then bias.
        var random = new SeededRandom(seed);
        foreach (var layer in layers) layer.Initialize(ref random);

        var optimizer = _optimizer!;
        int widest = layers.Max(l => l.Outputs);
        _widestHidden = layers.Length > 1 ? layers[..^1].Max(l => l.Outputs) : 1;
        _layerArray = layers;
        _parameters = parameters;
        _gradients = gradients;
        _optimizerState = new float[optimizer.StateSize(parameterCount)];
        _deltaA = new float[maxBatchSize * widest];
        _deltaB = new float[maxBatchSize * widest];
        _inferA = new float[maxBatchSize * _widestHidden];
        _inferB = new float[maxBatchSize * _widestHidden];
        _tensors = [.. layers.SelectMany(l => l.ParameterTensors()), .. optimizer.StateTensors(parameterCount)];
        _architecture = DescribeArchitecture();
        _summary = new NetworkSummary(nameof(Sequential), _inputs, layers.Select(l => l.Summary()).ToArray(), _loss!.Value.ToString(), optimizer.Describe());
        _outputSize = layers[^1].Outputs;
        _maxBatchSize = maxBatchSize;
        _trainable = layers.All(l => l.IsTrainable);
        _learningRate = optimizer.LearningRate;
        _optimizerStep = 0;
        _trainingRows = 0;
        _built = true;
    }

    /// <summary>The checks the generator makes at build time (CN diagnostics), as exceptions.</summary>
    private void Validate()
    {
        if (_layers.Count == 0) throw new InvalidOperationException("The network has no layers: add at least one, for example .Dense(10, Activation.Softmax).");
        if (_loss is null) throw new InvalidOperationException("The network has no loss: call .Loss(LossFunction...) before building.");
        if (_optimizer is null) throw new InvalidOperationException("The network has no optimizer: call .Sgd(...) or .Adam(...) before building.");
        for (int i = 0; i < _layers.Count - 1; i++)
            if (_layers[i].OutputActivation == Activation.Softmax)
                throw new InvalidOperationException($"Layer {i + 1} ({_layers[i].Describe()}): Softmax is only valid on the last layer.");
        var last = _layers[^1];
        string label = $"Layer {_layers.Count} ({last.Describe()})";
        if (_loss == LossFunction.CrossEntropy && last.OutputActivation != Activation.Softmax)
            throw new InvalidOperationException($"CrossEntropy needs a Softmax output, but {label} ends in {last.OutputActivation}: end with .Dense({last.Outputs}, Activation.Softmax), or use BinaryCrossEntropy with a Sigmoid output.");
        if (_loss == LossFunction.BinaryCrossEntropy && last.OutputActivation != Activation.Sigmoid)
            throw new InvalidOperationException($"BinaryCrossEntropy needs a Sigmoid output, but {label} ends in {last.OutputActivation}: end with .Dense({last.Outputs}, Activation.Sigmoid), or use CrossEntropy with a Softmax output.");
        if (_loss == LossFunction.CrossEntropy && last.Outputs < 2)
            throw new InvalidOperationException($"CrossEntropy needs at least two classes, but {label} has one unit: use one Sigmoid unit with BinaryCrossEntropy for two classes.");
    }

    private string DescribeArchitecture() =>
        _inputs.ToString(CultureInfo.InvariantCulture) + " -> " + string.Join(" -> ", _layers.Select(l => l.Describe())) +
        " | " + (_loss?.ToString() ?? "?") + " | " + (_optimizer?.Name ?? "?");

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

    private static void CheckLearningRate(float learningRate)
    {
        if (!(learningRate > 0) || float.IsInfinity(learningRate))
            throw new ArgumentOutOfRangeException(nameof(learningRate), learningRate, "The learning rate must be a finite number > 0.");
    }

    private static Span<float> ThreadScratch(int length)
    {
        var scratch = t_predictScratch;
        if (scratch is null || scratch.Length < length) t_predictScratch = scratch = new float[length];
        return scratch.AsSpan(0, length);
    }

    [System.Diagnostics.CodeAnalysis.DoesNotReturn]
    private static void ThrowLength(string name, int expected, int actual, string meaning) =>
        throw new ArgumentException($"The span '{name}' has {actual} values; expected {expected} ({meaning}).", name);
}
