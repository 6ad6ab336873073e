namespace CompiledNets.Generator.Model;

/// <summary>Everything the emitter needs about one declared network: pure, equatable data.</summary>
internal sealed record NetworkSpec(
    string? Namespace,
    EquatableArray<ContainingTypeSpec> ContainingTypes,
    string ClassName,
    string FullyQualifiedName,
    Shape InputShape,
    int Seed,
    int MaxBatchSize,
    EquatableArray<LayerSpec> Layers,
    LossKind Loss,
    OptimizerSpec Optimizer,
    float WeightDecay = 0f,
    bool InferenceOnly = false,
    bool LossDeclared = true,
    GraphSpec? Graph = null,
    WeightPrecisionKind InferenceWeights = WeightPrecisionKind.Float32)
{
    /// <summary>Values of one input sample.</summary>
    public int Inputs => (int)InputShape.Size;
}

/// <summary>
/// The wiring of a network in graph form (any <c>[Input]</c>, <c>Name</c>, <c>From</c> or merge): its inputs, and for
/// every layer its name and the values it reads. Null for a chain in sequential form.
/// </summary>
internal sealed record GraphSpec(EquatableArray<InputSpec> Inputs, EquatableArray<NodeSpec> Nodes);

/// <summary>One declared input: its name and the shape of one sample of it.</summary>
internal sealed record InputSpec(string Name, Shape Shape);

/// <summary>
/// One layer's place in a graph: its name (declared, or the per-kind default such as <c>dense3</c>) and the values it
/// reads, each a <see cref="ValueRef"/>.
/// </summary>
internal sealed record NodeSpec(string Name, EquatableArray<int> Sources);

/// <summary>A value a layer reads, encoded as an int: layer <c>i</c> is <c>i</c>, input <c>k</c> is <c>-1 - k</c>.</summary>
internal static class ValueRef
{
    public static int Input(int index) => -1 - index;

    public static bool IsInput(int value) => value < 0;

    public static int InputIndex(int value) => -1 - value;
}

/// <summary>A type the network class is nested in (emitted again as a partial declaration).</summary>
internal sealed record ContainingTypeSpec(string Keyword, string Name);

/// <summary>
/// One declared layer, in declaration order: its kind's settings, as an equatable record each kind defines beside its
/// code (<c>DenseSpec</c>, ...). Settings a user did not write hold their defaults.
/// </summary>
internal abstract record LayerSpec
{
    /// <summary>The kind that reads, plans and emits this layer.</summary>
    public abstract Layers.LayerKind Kind { get; }
}

/// <summary>The optimizer and its hyper-parameters (unused ones are zero).</summary>
/// <param name="Kind">Which optimizer.</param>
/// <param name="LearningRate">Initial learning rate.</param>
/// <param name="Beta1">Adam/AdamW first-moment decay.</param>
/// <param name="Beta2">Adam/AdamW second-moment decay.</param>
/// <param name="Epsilon">Denominator epsilon (Adam, AdamW, AdaGrad, RMSprop).</param>
/// <param name="Momentum">SGD or RMSprop momentum.</param>
/// <param name="Nesterov">SGD Nesterov momentum.</param>
/// <param name="WeightDecay">AdamW decoupled weight decay.</param>
/// <param name="Alpha">RMSprop decay of the squared-gradient average.</param>
internal sealed record OptimizerSpec(
    OptimizerKind Kind,
    float LearningRate,
    float Beta1,
    float Beta2,
    float Epsilon,
    float Momentum = 0f,
    bool Nesterov = false,
    float WeightDecay = 0f,
    float Alpha = 0f);
