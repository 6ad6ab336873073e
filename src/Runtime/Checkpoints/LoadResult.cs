namespace CompiledNets;

/// <summary>
/// What <see cref="Checkpoint.Load(INetwork, string, IReadOnlyDictionary{string, string}?, bool)"/> restored. The
/// parameters and buffers always load (or the load fails and changes nothing); the optimizer state loads only when the
/// checkpoint was saved by the same optimizer, and <see cref="OptimizerStateSkipReason"/> says why it did not.
/// </summary>
/// <remarks>
/// This is what PyTorch keeps apart as <c>model.load_state_dict(...)</c> and <c>optimizer.load_state_dict(...)</c>:
/// weights trained with Adam load into the same layers declared <c>InferenceOnly</c>, or with another optimizer, and
/// predict exactly the same; only the optimizer starts fresh there.
/// </remarks>
public sealed record LoadResult
{
    /// <summary>The <see cref="INetwork.Architecture"/> the checkpoint was saved from; null for a file without CompiledNets metadata (one PyTorch wrote).</summary>
    public string? CheckpointArchitecture { get; init; }

    /// <summary>
    /// True when the optimizer state, the optimizer step and the learning rate came from the checkpoint, so training
    /// resumes exactly where it stopped. When false the network's optimizer starts fresh: zero state, step 0, and the
    /// network's own learning rate.
    /// </summary>
    public bool OptimizerStateLoaded { get; init; }

    /// <summary>Why the optimizer state was not loaded, for example <c>the checkpoint was saved with Adam, this network uses Sgd</c>; null when it was.</summary>
    public string? OptimizerStateSkipReason { get; init; }

    /// <summary>
    /// Tensors of the file that were not loaded: the optimizer's when its state was skipped, and those the name map
    /// maps to the empty string. Every other tensor of the file went into the network.
    /// </summary>
    public IReadOnlyList<string> SkippedTensors { get; init; } = [];
}
