namespace CompiledNets;

/// <summary>
/// The three parts of an <see cref="INetwork.Architecture"/> string, <c>inputs -> layer -> … | loss | optimizer</c>,
/// which a checkpoint load compares separately: the layers strictly, the optimizer to decide whether its state loads, the
/// loss not at all (it changes no weight).
/// </summary>
/// <param name="Layers">The input size and the layers, for example <c>4 -> Dense(8, ReLU) -> Dense(3, Softmax)</c>.</param>
/// <param name="Loss">The loss, <c>none</c> for an inference-only network without one; null when the text has no such part.</param>
/// <param name="Optimizer">The optimizer's kind (<c>Adam</c>, <c>Sgd</c>, …) or <c>InferenceOnly</c>; null when the text has no such part.</param>
internal readonly record struct ArchitectureParts(string Layers, string? Loss, string? Optimizer)
{
    private const string Separator = " | ";

    /// <summary>The optimizer part of a network without an optimizer.</summary>
    public const string InferenceOnly = "InferenceOnly";

    /// <summary>Splits at the last two separators (layer descriptions never contain one); missing parts are null.</summary>
    public static ArchitectureParts Parse(string architecture)
    {
        ArgumentNullException.ThrowIfNull(architecture);
        int last = architecture.LastIndexOf(Separator, StringComparison.Ordinal);
        if (last < 0) return new(architecture, null, null);
        string optimizer = architecture[(last + Separator.Length)..];
        int middle = architecture.AsSpan(0, last).LastIndexOf(Separator, StringComparison.Ordinal);
        return middle < 0
            ? new(architecture[..last], null, optimizer)
            : new(architecture[..middle], architecture[(middle + Separator.Length)..last], optimizer);
    }
}
