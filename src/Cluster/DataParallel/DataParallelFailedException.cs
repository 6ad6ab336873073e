namespace CompiledNets.Cluster;

/// <summary>A data-parallel run stopped before its last step: a worker was lost or threw. The run's last checkpoint holds whole steps only.</summary>
public sealed class DataParallelFailedException(DataParallelStatus status)
    : Exception(status?.Error ?? "The data-parallel run failed.")
{
    /// <summary>The run's final snapshot (<see cref="DataParallelStatus.CheckpointStep"/> says which step its checkpoint holds).</summary>
    public DataParallelStatus Status { get; } = status!;
}
