namespace CompiledNets.Generator.Emit;

/// <summary>
/// A kernel a layer calls, identified by what specialises it (its sizes, its fused activation). Requests are records,
/// so the kernel class writes each distinct one once however many layers ask for it.
/// </summary>
internal abstract record KernelRequest
{
    /// <summary>Writes the kernel into the kernel class.</summary>
    public abstract void Emit(SourceWriter w);
}
