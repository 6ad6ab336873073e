namespace CompiledNets.Generator.Model;

/// <summary>Everything the emitter needs about one declared network: pure, equatable data.</summary>
internal sealed record NetworkSpec(
    string? Namespace,
    EquatableArray<ContainingTypeSpec> ContainingTypes,
    string ClassName,
    string FullyQualifiedName,
    bool IsSealed,
    int Inputs,
    int Seed,
    int MaxBatchSize,
    EquatableArray<LayerSpec> Layers,
    LossKind Loss,
    OptimizerSpec Optimizer);

/// <summary>A type the network class is nested in (emitted again as a partial declaration).</summary>
internal sealed record ContainingTypeSpec(string Keyword, string Name);

/// <summary>One declared layer, in declaration order.</summary>
internal sealed record LayerSpec(
    LayerKind Kind,
    int Units,
    ActivationKind Activation,
    float Alpha,
    InitKind WeightInit,
    InitKind BiasInit);

/// <summary>The optimizer and its hyper-parameters (unused ones are zero).</summary>
internal sealed record OptimizerSpec(
    OptimizerKind Kind,
    float LearningRate,
    float Beta1,
    float Beta2,
    float Epsilon);
