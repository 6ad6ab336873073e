using Orleans.Placement;
using Orleans.Runtime;

namespace CompiledNets.Cluster;

/// <summary>The stored form of a checkpoint.</summary>
[GenerateSerializer, Alias("CompiledNets.CheckpointState")]
public sealed class CheckpointState
{
    /// <summary>The safetensors bytes, or null.</summary>
    [Id(0)] public byte[]? Bytes { get; set; }
}

/// <summary>
/// Keeps one checkpoint in the <see cref="CompiledNetsStorage.Name"/> storage, apart from the sweep's state (which stays
/// small). Activated on the silo that writes it (the worker or coordinator, which is alive when it writes), so a write
/// never waits on a silo that is going away; the bytes are in storage, and a later read activates it wherever it can.
/// </summary>
[PreferLocalPlacement]
internal sealed class CheckpointGrain([PersistentState("checkpoint", CompiledNetsStorage.Name)] IPersistentState<CheckpointState> state)
    : Grain, ICheckpointGrain
{
    public async Task SaveAsync(byte[] safetensors)
    {
        ArgumentNullException.ThrowIfNull(safetensors);
        state.State.Bytes = safetensors;
        await state.WriteStateAsync();
    }

    public Task<byte[]?> GetAsync() => Task.FromResult(state.State.Bytes);

    public async Task ClearAsync()
    {
        if (state.RecordExists) await state.ClearStateAsync();
        state.State.Bytes = null;
        DeactivateOnIdle();
    }
}
