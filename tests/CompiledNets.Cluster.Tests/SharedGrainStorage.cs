using System.Collections.Concurrent;
using Orleans.Runtime;
using Orleans.Serialization;
using Orleans.Storage;

namespace CompiledNets.Cluster.Tests;

/// <summary>
/// Grain storage that outlives the silos of an in-process cluster, as a database outlives the machines of a real one:
/// one dictionary for every silo, serialized copies, optimistic concurrency by ETag. Orleans' memory storage keeps
/// state in grains of its own, which die with their silo; the tests that kill silos need storage that does not.
/// Each silo has its own instance: a killed in-process silo's threads live on, so a test severs the dead silo's
/// instance, and what is left of that silo can no longer write, as a killed process could not.
/// </summary>
internal sealed class SharedGrainStorage(ConcurrentDictionary<string, (byte[] Data, string ETag)> store, Serializer serializer) : IGrainStorage
{
    private volatile bool _severed;

    public void Sever() => _severed = true;

    public Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        ThrowIfSevered();
        if (store.TryGetValue(Key(stateName, grainId), out var entry))
        {
            grainState.State = serializer.Deserialize<T>(entry.Data);
            grainState.ETag = entry.ETag;
            grainState.RecordExists = true;
        }
        return Task.CompletedTask;
    }

    public Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        ThrowIfSevered();
        string key = Key(stateName, grainId);
        string etag = Guid.NewGuid().ToString("N");
        var data = serializer.SerializeToArray(grainState.State);
        lock (store)
        {
            store.TryGetValue(key, out var current);
            if (current.ETag != grainState.ETag)
                throw new InconsistentStateException($"ETag mismatch writing {key}", current.ETag, grainState.ETag);
            store[key] = (data, etag);
        }
        grainState.ETag = etag;
        grainState.RecordExists = true;
        return Task.CompletedTask;
    }

    public Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        ThrowIfSevered();
        lock (store) store.TryRemove(Key(stateName, grainId), out _);
        grainState.ETag = null;
        grainState.RecordExists = false;
        return Task.CompletedTask;
    }

    private void ThrowIfSevered()
    {
        if (_severed) throw new IOException("This silo was killed: its storage connection is gone.");
    }

    private static string Key(string stateName, GrainId grainId) => stateName + "/" + grainId;
}
