namespace CompiledNets.Cluster;

/// <summary>Starting and collecting data-parallel runs from a cluster client (or from inside a silo).</summary>
public static class DataParallelClientExtensions
{
    private static readonly TimeSpan PollWait = TimeSpan.FromSeconds(15);

    /// <summary>The coordinator of data-parallel run <paramref name="name"/>.</summary>
    public static IDataParallelGrain GetDataParallelRun(this IGrainFactory grains, string name)
    {
        ArgumentNullException.ThrowIfNull(grains);
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        return grains.GetGrain<IDataParallelGrain>(name);
    }

    /// <summary>
    /// Trains <typeparamref name="TNetwork"/> data-parallel and returns it trained, with the run's status. Calling it
    /// again with the same name and definition picks the run up where it is.
    /// </summary>
    /// <exception cref="DataParallelFailedException">A worker was lost or threw; the exception's status says which step the stored checkpoint holds.</exception>
    public static async Task<(TNetwork Network, DataParallelStatus Status)> TrainDataParallelAsync<TNetwork>(this IGrainFactory grains, string name,
        DataParallelDefinition definition, Action<DataParallelStatus>? onChange = null, CancellationToken cancellationToken = default)
        where TNetwork : class, INetwork, new()
    {
        var status = await grains.RunDataParallelAsync(name, definition, onChange, cancellationToken).ConfigureAwait(false);
        if (status.State != DataParallelState.Completed) throw new DataParallelFailedException(status);
        var bytes = await SweepClientExtensions.Retry(grains.GetDataParallelRun(name).GetCheckpointAsync, cancellationToken).ConfigureAwait(false)
            ?? throw new InvalidOperationException($"Data-parallel run '{name}' completed but its checkpoint is missing.");
        return (SweepClientExtensions.Load<TNetwork>(bytes), status);
    }

    /// <summary>Starts the run and waits until it stops (completed, failed or cancelled), calling <paramref name="onChange"/> with new snapshots.</summary>
    public static async Task<DataParallelStatus> RunDataParallelAsync(this IGrainFactory grains, string name, DataParallelDefinition definition,
        Action<DataParallelStatus>? onChange = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(definition);
        definition.Validate();
        var run = grains.GetDataParallelRun(name);
        var status = await SweepClientExtensions.Retry(() => run.StartAsync(definition), cancellationToken).ConfigureAwait(false);
        long version = status.Version;
        onChange?.Invoke(status);
        while (!status.IsFinished)
        {
            cancellationToken.ThrowIfCancellationRequested();
            status = await SweepClientExtensions.Retry(() => run.WaitForChangeAsync(version, PollWait), cancellationToken).ConfigureAwait(false);
            if (status.Version != version)
            {
                version = status.Version;
                onChange?.Invoke(status);
            }
        }
        return status;
    }
}
