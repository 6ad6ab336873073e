using CompiledNets.Kernels;

namespace CompiledNets;

/// <summary>Build: validation, buffers, initialisation, and the plan the forward and backward passes follow.</summary>
public sealed partial class Graph
{
    // The plan, fixed by Build.
    private Layer[] _layers = [];
    private int[][] _sourceIds = [];
    private GraphInput[] _inputArray = [];
    private bool _splitInputs;
    private AlignedFloats[] _inputCopies = [];
    private bool[] _runsBackward = [];
    private bool[][] _wantsGradient = [];
    private bool[][] _accumulates = [];
    private AlignedFloats?[] _valueGradients = [];
    private AlignedFloats _gradientScratch = AlignedFloats.Empty;
    private (int Offset, int Length)[] _deadGradients = [];
    private bool[] _live = [];
    private int[] _inferValue = [];
    private int[] _arenaOffset = [];
    private int[] _inputArenaOffset = [];
    private int _arenaRow;
    private int _inferenceScratch;
    private AlignedFloats _inferArena = AlignedFloats.Empty;
    private AlignedFloats _inferScratch = AlignedFloats.Empty;

    private void BuildCore(int seed, int maxBatchSize)
    {
        Validate();
        var layers = _nodes.ToArray();
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
        var gradients = new AlignedFloats(parameterCount);
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

        // Node declaration order, each node as the sequential engine draws a layer; merges draw nothing.
        var random = new SeededRandom(seed);
        foreach (var layer in layers) layer.Initialize(ref random);

        _layers = layers;
        _sourceIds = _sources.ToArray();
        _inputArray = _inputs.ToArray();
        _splitInputs = _inputArray.Length > 1;
        PlanBackward(training, maxBatchSize);
        PlanInference(maxBatchSize);
        _inputCopies = training && _splitInputs ? _inputArray.Select(i => new AlignedFloats(maxBatchSize * i.Shape.Size)).ToArray() : [];
        _parameters = parameters;
        _gradients = gradients;
        _buffers = buffers;
        _optimizerState = new AlignedFloats((int)stateTotal);
        _tensors = [.. layers.SelectMany(l => l.Tensors()), .. optimizer?.StateTensors(parameterCount) ?? []];
        _architecture = DescribeArchitecture();
        _summary = BuildSummary(optimizer);
        _outputSize = layers[^1].Outputs;
        _maxBatchSize = maxBatchSize;
        _learningRate = optimizer?.LearningRate ?? 0f;
        _optimizerStep = 0;
        _trainingRows = 0;
        _built = true;
    }

    /// <summary>
    /// Which nodes the backward pass visits and where their gradients go. A node is live when the output depends on it;
    /// it needs a gradient when it or a node before it has parameters. A source's first gradient (in backward order, i.e.
    /// from its last reader) is written, the later ones added.
    /// </summary>
    private void PlanBackward(bool training, int maxBatchSize)
    {
        int count = _layers.Length;
        var live = new bool[count];
        live[^1] = true;
        for (int n = count - 1; n >= 0; n--)
            if (live[n])
                foreach (int s in _sourceIds[n]) if (s >= 0) live[s] = true;
        var needsGradient = new bool[count];
        for (int n = 0; n < count; n++)
            needsGradient[n] = _layers[n].ParameterCount > 0 || _sourceIds[n].Any(s => s >= 0 && needsGradient[s]);
        _live = live;
        _runsBackward = new bool[count];
        _wantsGradient = new bool[count][];
        _accumulates = new bool[count][];
        _valueGradients = new AlignedFloats?[count];
        var written = new bool[count];
        int widestInput = 0;
        for (int n = count - 1; n >= 0; n--)
        {
            var sources = _sourceIds[n];
            _wantsGradient[n] = new bool[sources.Length];
            _accumulates[n] = new bool[sources.Length];
            // The output node always gets the loss's gradient, even when nothing trains.
            _runsBackward[n] = training && live[n] && (needsGradient[n] || n == count - 1);
            if (!_runsBackward[n]) continue;
            _valueGradients[n] = new AlignedFloats(maxBatchSize * _layers[n].Outputs);
            for (int k = 0; k < sources.Length; k++)
            {
                int s = sources[k];
                if (s < 0 || !needsGradient[s]) continue;
                _wantsGradient[n][k] = true;
                _accumulates[n][k] = written[s];
                written[s] = true;
                if (_accumulates[n][k] && _layers[n] is not MergeLayer && !_layers[n].BackwardInPlace)
                    widestInput = Math.Max(widestInput, _layers[s].Outputs);
            }
        }
        _gradientScratch = widestInput > 0 ? new AlignedFloats(maxBatchSize * widestInput) : AlignedFloats.Empty;
        // Layers the output does not depend on: their gradient is zero (plus weight decay), never written by the backward pass.
        _deadGradients = Enumerable.Range(0, count).Where(n => !live[n] && _layers[n].ParameterCount > 0)
            .Select(n => (_layers[n].ParameterOffset, _layers[n].ParameterCount)).ToArray();
    }

    /// <summary>
    /// Where inference keeps each value: one slot per live node in an arena (per sample), except nodes that are the identity
    /// at inference (they read their source's slot) and the output node (it writes the caller's span). Several inputs are
    /// copied into slots of their own when a batch has more than one row (a row holds them side by side).
    /// </summary>
    private void PlanInference(int maxBatchSize)
    {
        int count = _layers.Length;
        _inferValue = new int[count];
        _arenaOffset = new int[count];
        long row = 0;
        _inputArenaOffset = new int[_inputArray.Length];
        if (_splitInputs)
        {
            for (int i = 0; i < _inputArray.Length; i++)
            {
                _inputArenaOffset[i] = (int)row;
                row += _inputArray[i].Shape.Size;
            }
        }
        for (int n = 0; n < count; n++)
        {
            _inferValue[n] = n;
            _arenaOffset[n] = -1;
            if (!_live[n] || n == count - 1) continue;
            if (_layers[n].IdentityAtInference)
            {
                int s = _sourceIds[n][0];
                _inferValue[n] = s >= 0 ? _inferValue[s] : s;
                continue;
            }
            _arenaOffset[n] = (int)row;
            row += _layers[n].Outputs;
        }
        if (row * maxBatchSize > AlignedFloats.MaxLength)
            throw new InvalidOperationException($"Inference would keep {row * maxBatchSize:N0} values for a batch of {maxBatchSize}; build with a smaller maxBatchSize.");
        _arenaRow = (int)row;
        _inferenceScratch = _layers.Max(l => l.InferenceScratchFor(1));
        _inferArena = new AlignedFloats(_arenaRow * maxBatchSize);
        _inferScratch = new AlignedFloats(_layers.Max(l => l.InferenceScratchFor(maxBatchSize)));
    }

    /// <summary>The Keras Functional table: every layer with the names it reads ("Connected to"), after the inputs.</summary>
    private NetworkSummary BuildSummary(Optimizer? optimizer)
    {
        var inputs = _inputArray.Select(i => new InputSummary(i.Name, i.Shape.Dimensions)).ToArray();
        var rows = new LayerSummary[_layers.Length];
        for (int n = 0; n < rows.Length; n++)
            rows[n] = _layers[n].Summary() with { ConnectedTo = _sourceIds[n].Select(ValueName).ToArray() };
        return new NetworkSummary(nameof(Graph), inputs, rows, _loss?.ToString() ?? "none", optimizer?.Describe() ?? "none (inference only)");
    }

    /// <summary>The checks the generator makes at build time (CN diagnostics), as exceptions.</summary>
    private void Validate()
    {
        if (_inputs.Count == 0) throw new InvalidOperationException("The graph has no input: declare one with g.Input(name, size), for example g.Input(\"input\", 784), and build its layers on it.");
        if (_nodes.Count == 0) throw new InvalidOperationException("The graph has no layers: add at least one, for example g.Dense(input, 10, Activation.Softmax).");
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
        for (int n = 0; n < _nodes.Count; n++)
        {
            var layer = _nodes[n];
            if (!layer.HasActivation) continue;
            if (layer.OutputActivation == CompiledNets.Activation.Softmax && n < _nodes.Count - 1)
                throw new InvalidOperationException($"Node '{layer.Name}' ({layer.Describe()}): Softmax is only valid on the output node (the last one); use ReLU, Tanh or another element-wise activation here.");
            if (layer.OutputActivation == CompiledNets.Activation.Step && !_inferenceOnly)
                throw new InvalidOperationException($"Node '{layer.Name}' ({layer.Describe()}) uses Step, whose derivative is zero almost everywhere, so the network cannot be trained: use Sigmoid, or call .InferenceOnly() (and no optimizer) to set the weights by hand.");
        }
        if (_loss is null) return;
        var last = _nodes[^1];
        var output = last.OutputActivation;
        if (output == CompiledNets.Activation.Step) return;
        string label = $"the output node '{last.Name}' ({last.Describe()})";
        if (_loss == LossFunction.CrossEntropy && output != CompiledNets.Activation.Softmax)
            throw new InvalidOperationException($"CrossEntropy needs a Softmax output, but {label} ends in {output}: end with g.Dense(..., {last.Outputs}, Activation.Softmax) or g.Activation(..., Activation.Softmax), or use BinaryCrossEntropy with a Sigmoid output.");
        if (_loss == LossFunction.BinaryCrossEntropy && output != CompiledNets.Activation.Sigmoid)
            throw new InvalidOperationException($"BinaryCrossEntropy needs a Sigmoid output, but {label} ends in {output}: end with g.Dense(..., {last.Outputs}, Activation.Sigmoid), or use CrossEntropy with a Softmax output.");
        if (_loss == LossFunction.CrossEntropy && last.Outputs < 2)
            throw new InvalidOperationException($"CrossEntropy needs at least two classes, but {label} has one unit: use one Sigmoid unit with BinaryCrossEntropy for two classes.");
    }
}
