namespace CompiledNets.Generator.Emit;

/// <summary>
/// A kernel a layer calls, identified by what specialises it (its sizes, its fused activation). Requests are records,
/// so the kernel class writes each distinct one once however many layers ask for it.
/// </summary>
internal abstract record KernelRequest
{
    /// <summary>True when the kernel ends its tiles with the combined lane sums (<see cref="DotSumEmitter"/>), which the kernel class then holds.</summary>
    public virtual bool NeedsDotSums => false;

    /// <summary>Writes the kernel into the kernel class.</summary>
    public abstract void Emit(SourceWriter w);
}
