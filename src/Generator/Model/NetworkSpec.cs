namespace CompiledNets.Generator.Model;

/// <summary>Everything the emitter needs about one declared network: pure, equatable data.</summary>
internal sealed record NetworkSpec(
    string? Namespace,
    EquatableArray<ContainingTypeSpec> ContainingTypes,
    string ClassName,
    string FullyQualifiedName,
    int Inputs,
    int Seed,
    int MaxBatchSize,
    EquatableArray<LayerSpec> Layers,
    LossKind Loss,
    OptimizerSpec Optimizer,
    float WeightDecay = 0f,
    bool InferenceOnly = false,
    bool LossDeclared = true);

/// <summary>A type the network class is nested in (emitted again as a partial declaration).</summary>
internal sealed record ContainingTypeSpec(string Keyword, string Name);

/// <summary>One declared layer, in declaration order. Settings a kind does not use keep their defaults.</summary>
/// <param name="Kind">The layer kind.</param>
/// <param name="Units">Outputs (Dense, Maxout); 0 for kinds whose width follows their input.</param>
/// <param name="Activation">Activation of a Dense or Activation layer.</param>
/// <param name="Alpha">LeakyReLU slope or ELU saturation (already defaulted).</param>
/// <param name="WeightInit">Weight initialiser (Dense, Maxout).</param>
/// <param name="BiasInit">Bias initialiser (Dense, Maxout).</param>
/// <param name="Rate">Dropout rate.</param>
/// <param name="Momentum">Batch-norm momentum of the running statistics.</param>
/// <param name="Epsilon">Normalisation epsilon.</param>
/// <param name="Pieces">Maxout pieces per unit.</param>
/// <param name="L2">Per-layer L2 coefficient; NaN means the network's weight decay.</param>
internal sealed record LayerSpec(
    LayerKind Kind,
    int Units,
    ActivationKind Activation,
    float Alpha,
    InitKind WeightInit,
    InitKind BiasInit,
    float Rate = 0f,
    float Momentum = 0f,
    float Epsilon = 0f,
    int Pieces = 0,
    float L2 = float.NaN);

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
