using System.Globalization;
using CompiledNets.Kernels;

namespace CompiledNets;

/// <summary>
/// A network of any shape composed at run time (the Keras Functional API, and the interpreted engine of graph-form
/// generated networks): named inputs, layers that read any earlier value, and the merges <see cref="Add(GraphNode[])"/>,
/// <see cref="Concat(GraphNode[])"/>, <see cref="Multiply(GraphNode[])"/> and <see cref="Average(GraphNode[])"/>. The last
/// node declared is the output. Same math, tensor names, parameter order, seeded initialisation and architecture string
/// as a generated network declared with the same <c>[Input]</c>, <c>Name</c>, <c>From</c> and merge attributes, so a
/// checkpoint moves between the two.
/// </summary>
/// <example>
/// <code>
/// var g = new Graph();
/// var x = g.Input("input", 784);
/// var h1 = g.Dense(x, 256, Activation.ReLU, name: "h1");
/// var h3 = g.Dense(g.Dense(h1, 256, Activation.ReLU, name: "h2"), 256, name: "h3");
/// var res = g.Add([h1, h3], Activation.ReLU, name: "res");          // relu(h1 + h3)
/// var side = g.Dense(h1, 64, Activation.ReLU, name: "side");
/// g.Dense(g.Concat(res, side), 10, Activation.Softmax);
/// g.Loss(LossFunction.CrossEntropy).Adam().Build(seed: 1);
/// </code>
/// </example>
/// <remarks>
/// A sample's row is the concatenation of the inputs in declaration order (each in NCHW order). Nodes run in declaration
/// order; a value read by several nodes receives the sum of their gradients, added in reverse declaration order of the
/// readers. The builder methods configure the network until it is built, by <see cref="Build"/> or on first use of any
/// <see cref="INetwork"/> member; all buffers are allocated then and no member allocates afterwards.
/// <see cref="Predict"/> is thread-safe.
/// </remarks>
public sealed partial class Graph : INetwork
{
    /// <summary>The largest training batch when <see cref="Build"/> is not given one (as the generator's default).</summary>
    public const int DefaultMaxBatchSize = Sequential.DefaultMaxBatchSize;

    private readonly List<GraphInput> _inputs = [];
    private readonly List<Layer> _nodes = [];
    private readonly List<int[]> _sources = [];
    private readonly HashSet<string> _names = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _kindCounts = new(StringComparer.Ordinal);
    private readonly object _buildLock = new();
    private int _inputSize;
    private LossFunction? _loss;
    private Optimizer? _optimizer;
    private float _weightDecay;
    private bool _inferenceOnly;

    // Everything below is set once by Build.
    private volatile bool _built;
    private AlignedFloats _parameters = AlignedFloats.Empty;
    private AlignedFloats _gradients = AlignedFloats.Empty;
    private AlignedFloats _buffers = AlignedFloats.Empty;
    private AlignedFloats _optimizerState = AlignedFloats.Empty;
    private TensorInfo[] _tensors = [];
    private string _architecture = "";
    private NetworkSummary? _summary;
    private int _outputSize, _maxBatchSize;
    private float _learningRate;
    private long _optimizerStep;
    private int _trainingRows;

    /// <summary>A sample's input values, one block per <see cref="Input"/>: where the block starts in the row.</summary>
    private sealed record GraphInput(string Name, LayerShape Shape, int Offset);

    /// <summary>Starts an empty graph: declare its inputs with <see cref="Input"/>, then its nodes.</summary>
    public Graph()
    {
    }

    /// <summary>True once the buffers are allocated and the weights initialised; the architecture is then fixed.</summary>
    public bool IsBuilt => _built;

    /// <summary>The inputs' names, in declaration order (the order of their blocks in a sample's row).</summary>
    public IReadOnlyList<string> InputNames => _inputs.Select(i => i.Name).ToArray();

    /// <summary>
    /// Declares an input, as <c>[Input(name, shape)]</c>: <paramref name="shape"/> is a size, or <c>channels, height,
    /// width</c>. Its values follow the earlier inputs' in each sample's row.
    /// </summary>
    /// <param name="name">The input's name (letters, digits and underscores, not starting with a digit), unique in the graph.</param>
    /// <param name="shape">One sample's shape: <c>{ features }</c> or <c>{ channels, height, width }</c>, every dimension positive.</param>
    public GraphNode Input(string name, params int[] shape)
    {
        ThrowIfBuilt();
        ArgumentNullException.ThrowIfNull(shape);
        CheckName(name, nameof(name));
        string what = $"Input '{name}'";
        LayerShape value = shape.Length switch
        {
            1 when shape[0] > 0 => LayerShape.Flat(shape[0]),
            1 => throw new ArgumentOutOfRangeException(nameof(shape), shape[0], $"{what}: its size is {shape[0]}, but an input needs at least one value, for example g.Input(\"{name}\", 784)."),
            3 => LayerShape.CheckedImage(shape[0], shape[1], shape[2], what),
            _ => throw new ArgumentException($"{what}: the shape has {shape.Length} dimensions; give a size or channels, height, width, for example g.Input(\"{name}\", 1, 28, 28).", nameof(shape)),
        };
        if ((long)_inputSize + value.Size > AlignedFloats.MaxLength)
            throw new ArgumentOutOfRangeException(nameof(shape), $"{what}: the inputs would hold more than {AlignedFloats.MaxLength:N0} values per sample.");
        _inputs.Add(new GraphInput(name, value, _inputSize));
        _inputSize += value.Size;
        _names.Add(name);
        return new GraphNode(this, ~(_inputs.Count - 1), name, value);
    }

    /// <summary>
    /// Checks the architecture, allocates every buffer for batches of up to <paramref name="maxBatchSize"/> rows and
    /// initialises the weights from <paramref name="seed"/>, in node declaration order (the generated network of the same
    /// architecture and seed starts from the same weights). Null draws a random seed.
    /// </summary>
    /// <exception cref="InvalidOperationException">The architecture is incomplete or invalid, or the network is already built.</exception>
    public Graph Build(int? seed = null, int maxBatchSize = DefaultMaxBatchSize)
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
    public int InputSize => _inputSize;

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
        EnsureBuilt()._trainingRows == 0 ? ReadOnlySpan<float>.Empty : _layers[^1].Output(_trainingRows);

    /// <inheritdoc/>
    public void ApplyGradients()
    {
        EnsureBuilt();
        if (_inferenceOnly) throw Sequential.InferenceOnlyError();
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

    /// <summary>The architecture string, or the nodes declared so far when not built yet.</summary>
    public override string ToString() => _built ? _architecture : DescribeArchitecture();

    /// <summary>
    /// The contract's graph form: <c>image:784, meta:4 -> pixels=Dense(128, ReLU)(image) -> ... | loss | optimizer</c>.
    /// </summary>
    private string DescribeArchitecture()
    {
        var parts = new List<string> { string.Join(", ", _inputs.Select(i => i.Name + ":" + i.Shape.ArchitectureText)) };
        for (int n = 0; n < _nodes.Count; n++)
            parts.Add($"{_nodes[n].Name}={_nodes[n].Describe()}({string.Join(", ", _sources[n].Select(ValueName))})");
        return string.Join(" -> ", parts) +
            " | " + (_loss?.ToString() ?? (_inferenceOnly ? "none" : "?")) +
            " | " + (_inferenceOnly ? ArchitectureParts.InferenceOnly : _optimizer?.Name ?? "?");
    }

    private string ValueName(int id) => id < 0 ? _inputs[~id].Name : _nodes[id].Name;

    private LayerShape ValueShape(int id) => id < 0 ? _inputs[~id].Shape : _nodes[id].OutputShape;

    private Graph EnsureBuilt()
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

    private void ThrowIfBuilt()
    {
        if (_built) throw new InvalidOperationException("The graph is already built; its architecture can no longer change. Start a new Graph.");
    }

    /// <summary>Names go into tensor names, the architecture string and generated parameter names: identifiers only.</summary>
    private void CheckName(string? name, string parameter)
    {
        ArgumentNullException.ThrowIfNull(name, parameter);
        bool valid = name.Length > 0 && (char.IsAsciiLetter(name[0]) || name[0] == '_') && name.All(c => char.IsAsciiLetterOrDigit(c) || c == '_');
        if (!valid)
            throw new ArgumentException($"'{name}' is not a valid name: use letters, digits and underscores, not starting with a digit, for example \"h1\" or \"image\".", parameter);
        if (_names.Contains(name))
            throw new ArgumentException($"The graph already has an input or node named '{name}': names must be unique, since tensors and other nodes refer to them.", parameter);
    }

    internal static string Number(int value) => value.ToString(CultureInfo.InvariantCulture);
}
