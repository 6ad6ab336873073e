namespace CompiledNets;

/// <summary>
/// The <c>__metadata__</c> keys of a CompiledNets checkpoint. Every value is a string (the safetensors
/// format allows nothing else). See <c>docs/checkpoints.md</c>.
/// </summary>
public static class CheckpointMetadata
{
    /// <summary><c>format</c> = <c>"pt"</c>: what PyTorch's <c>safetensors.torch</c> writes and expects.</summary>
    public const string Format = "format";

    /// <summary>The value of <see cref="Format"/> the project writes.</summary>
    public const string FormatValue = "pt";

    /// <summary>Prefix of every key the project owns; a file with none of them is treated as foreign.</summary>
    public const string Prefix = "compilednets.";

    /// <summary><see cref="INetwork.Architecture"/> of the network that was saved.</summary>
    public const string Architecture = "compilednets.architecture";

    /// <summary>
    /// <see cref="Checkpoint.Fingerprint(string)"/> of the architecture: the first 16 hex digits of its SHA-256.
    /// </summary>
    public const string Fingerprint = "compilednets.fingerprint";

    /// <summary><see cref="INetwork.OptimizerStep"/>, a decimal integer.</summary>
    public const string OptimizerStep = "compilednets.optimizer_step";

    /// <summary><see cref="INetwork.LearningRate"/> in round-trip (<c>"R"</c>) format, invariant culture.</summary>
    public const string LearningRate = "compilednets.learning_rate";

    /// <summary>
    /// Lower-case hex SHA-256 of the whole data buffer (the bytes after the header) followed by every other
    /// <c>compilednets.*</c> metadata entry in ordinal key order, each as UTF-8 <c>key</c>, a zero byte,
    /// <c>value</c>, a zero byte. Flipped bytes in the tensors or in these values are detected on load.
    /// </summary>
    public const string Checksum = "compilednets.checksum";

    /// <summary>The checkpoint format version, <see cref="Checkpoint.FormatVersion"/>.</summary>
    public const string Version = "compilednets.version";
}
