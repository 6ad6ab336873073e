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
    bool LossDeclared = true)
{
    /// <summary>Values of one input sample.</summary>
    public int Inputs => (int)InputShape.Size;
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
