using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Orleans.Runtime;
using Orleans.Serialization;

namespace CompiledNets.Cluster;

/// <summary>
/// The data-parallel coordinator. Its training loop runs inside the activation (its awaits interleave with status
/// calls); it changes the reference network only after every worker's reply to a round has arrived, so the network,
/// and every checkpoint of it, always holds whole steps.
/// </summary>
internal sealed partial class DataParallelGrain : Grain, IDataParallelGrain
{
    private static readonly TimeSpan LongestWait = TimeSpan.FromSeconds(20);

    private readonly IPersistentState<DataParallelStatus> _state;
    private readonly IClusterMembershipService _membership;
    private readonly NetworkCatalog _networks;
    private readonly DataSourceCatalog _data;
    private readonly ILogger<DataParallelGrain> _logger;
    private readonly DeepCopier<DataParallelStatus> _copier;
    private readonly CancellationTokenSource _cancel = new();
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Task? _run;
    private string? _checkpointKey;

    public DataParallelGrain([PersistentState("dataparallel", CompiledNetsStorage.Name)] IPersistentState<DataParallelStatus> state,
        IClusterMembershipService membership, NetworkCatalog networks, DataSourceCatalog data, ILogger<DataParallelGrain> logger,
        DeepCopier<DataParallelStatus> copier)
    {
        _copier = copier;
        _state = state;
        _membership = membership;
        _networks = networks;
        _data = data;
        _logger = logger;
    }

    private DataParallelStatus Run => _state.State;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        Run.Name = this.GetPrimaryKeyString();
        _checkpointKey = Run.CheckpointStep >= 0 ? CheckpointKey(Run.CheckpointStep) : null;
        // A coordinator whose silo was lost carries on from its last checkpoint when it is called again.
        if (Run.State == DataParallelState.Running) _run = TrainAsync();
        return Task.CompletedTask;
    }

    public async Task<DataParallelStatus> StartAsync(DataParallelDefinition definition)
    {
        ArgumentNullException.ThrowIfNull(definition);
        definition.Validate();
        if (Run.State != DataParallelState.NotStarted)
        {
            if (Run.Definition != definition)
                throw new InvalidOperationException($"Data-parallel run '{Run.Name}' already exists with another definition; start the new one under another name.");
            return Snapshot();
        }
        if (!_networks.Contains(definition.Model))
            throw new ArgumentException($"No network named '{definition.Model}' is registered; registered: {NetworkCatalog.Describe(_networks.Names)}.");
        if (!_data.Contains(definition.Data))
            throw new ArgumentException($"No data source named '{definition.Data}' is registered; registered: {NetworkCatalog.Describe(_data.Names)}.");
        Run.Definition = definition;
        Run.State = DataParallelState.Running;
        await SaveAsync();
        _run = TrainAsync();
        return Snapshot();
    }

    public Task<DataParallelStatus> GetStatusAsync() => Task.FromResult(Snapshot());

    public async Task<DataParallelStatus> WaitForChangeAsync(long knownVersion, TimeSpan maxWait)
    {
        if (Run.Version > knownVersion || Run.IsFinished) return Snapshot();
        var wait = maxWait > LongestWait ? LongestWait : maxWait;
        if (wait > TimeSpan.Zero) await Task.WhenAny(_changed.Task, Task.Delay(wait));
        return Snapshot();
    }

    /// <summary>A copy: a response may be serialized after the turn that returned it, while the training loop changes the state.</summary>
    private DataParallelStatus Snapshot() => _copier.Copy(Run);

    public async Task<byte[]?> GetCheckpointAsync() =>
        _checkpointKey is null ? null : await GrainFactory.GetGrain<ICheckpointGrain>(_checkpointKey).GetAsync();

    public async Task CancelAsync()
    {
        _cancel.Cancel();
        if (_run is not null) await _run;
    }

    // ------------------------------------------------------------------ the training loop

    private async Task TrainAsync()
    {
        var definition = Run.Definition!;
        INetwork? network = null;
        long step = 0;
        var outcome = DataParallelState.Completed;
        string? error = null;
        IDataParallelWorkerGrain[] workers = [];
        try
        {
            network = _networks.Create(definition.Model, definition.Seed);
            if (definition.LearningRate is float rate) network.LearningRate = rate;
            if (_checkpointKey is not null)
            {
                var bytes = await GrainFactory.GetGrain<ICheckpointGrain>(_checkpointKey).GetAsync()
                    ?? throw new InvalidOperationException($"The checkpoint of step {Run.CheckpointStep} is missing from storage.");
                using var stream = new MemoryStream(bytes, writable: false);
                network.Load(stream);
                step = Run.CheckpointStep;
                LogResumed(Run.Name, step);
            }
            var data = await _data.GetAsync(definition.Data);
            int stepsPerEpoch = ShardSampler.CountSteps(data.Train.Count, definition.Workers, definition.WorkerBatchSize);
            long total = definition.Steps ?? (long)definition.Epochs * stepsPerEpoch;
            Run.TotalSteps = total;
            Run.Epochs.RemoveAll(e => (long)e.Epoch * stepsPerEpoch > step);

            var silos = _membership.CurrentSnapshot.Members.Values.Where(m => m.Status == SiloStatus.Active)
                .OrderBy(m => m.SiloAddress.ToParsableString(), StringComparer.Ordinal).ToList();
            if (silos.Count == 0) throw new InvalidOperationException("No active silo to place the workers on.");
            workers = new IDataParallelWorkerGrain[definition.Workers];
            Run.WorkerSilos = new List<string>();
            for (int rank = 0; rank < workers.Length; rank++)
            {
                var silo = silos[rank % silos.Count];
                workers[rank] = GrainFactory.GetGrain<IDataParallelWorkerGrain>(SiloPinnedPlacement.Key(silo.SiloAddress, $"dp/{Run.Name}/{rank}"));
                Run.WorkerSilos.Add(silo.Name);
            }
            await AllWorkers(workers, step, (w, rank) => w.InitializeAsync(new WorkerSetup
            {
                Model = definition.Model, Data = definition.Data, Workers = definition.Workers, Rank = rank,
                BatchSize = definition.WorkerBatchSize, Seed = definition.Seed, LearningRate = definition.LearningRate,
            }));
            await SaveAsync();
            LogStarted(Run.Name, definition.Workers, string.Join(", ", Run.WorkerSilos), total);

            var epoch = new EpochTally();
            while (step < total)
            {
                if (_cancel.IsCancellationRequested)
                {
                    outcome = DataParallelState.Cancelled;
                    break;
                }
                DelayDeactivation(TimeSpan.FromMinutes(10));
                // A round never crosses an epoch's end, so every epoch's record covers exactly its own steps.
                long left = Math.Min(total - step, stepsPerEpoch - step % stepsPerEpoch);
                int steps = definition.SyncEvery is int every ? (int)Math.Min(every, left) : 1;
                long start = Stopwatch.GetTimestamp();
                double compute = definition.SyncEvery is null
                    ? await SynchronousStepAsync(network, workers, step, epoch)
                    : await LocalRoundAsync(network, workers, step, steps, epoch);
                Run.Rounds++;
                Run.RoundSeconds += Stopwatch.GetElapsedTime(start).TotalSeconds;
                Run.ComputeSeconds += compute;
                long before = step;
                step += steps;
                Run.Step = step;

                if (step % stepsPerEpoch == 0 || step == total)
                {
                    var validation = data.Validation is null ? null : network.Evaluate(data.Validation);
                    Run.Epochs.Add(epoch.ToRecord((int)((step - 1) / stepsPerEpoch) + 1, network.LearningRate, validation));
                    epoch = new EpochTally();
                    Notify();
                }
                if (definition.CheckpointEvery > 0 && step / definition.CheckpointEvery > before / definition.CheckpointEvery && step < total)
                {
                    try
                    {
                        await CheckpointAsync(network, step);
                    }
                    catch (Exception failure) when (failure is not WorkerFailure)
                    {
                        // Storage trouble is not the run's: the previous checkpoint stands, the next one tries again.
                        LogCheckpointFailed(failure, Run.Name, step);
                    }
                }
            }
            LogFinished(Run.Name, outcome.ToString(), step);
        }
        catch (WorkerFailure failure)
        {
            outcome = DataParallelState.Failed;
            error = $"Worker {failure.Rank} on silo {Run.WorkerSilos[failure.Rank]} failed at step {failure.Step + 1} ({failure.InnerException!.GetType().Name}: {failure.InnerException.Message}). " +
                $"Training stopped; the checkpoint holds step {step}, which every worker had completed.";
            LogFailed(failure.InnerException, Run.Name, error);
        }
        catch (Exception failure)
        {
            outcome = DataParallelState.Failed;
            error = $"{failure.GetType().Name}: {failure.Message}" + (network is null ? "" : $" The checkpoint holds step {step}.");
            LogFailed(failure, Run.Name, error);
        }

        // The run shows as finished only once its final checkpoint is stored (status calls interleave with this loop).
        try
        {
            if (network is not null && Run.CheckpointStep != step) await CheckpointAsync(network, step, outcome, error);
            else await FinishAsync(outcome, error);
        }
        catch (Exception failure)
        {
            LogFailed(failure, Run.Name, "could not store the final checkpoint");
            await FinishAsync(DataParallelState.Failed, $"{error} The final checkpoint could not be stored: {failure.Message}".TrimStart());
        }
        foreach (var worker in workers) _ = worker.ReleaseAsync().ContinueWith(static t => _ = t.Exception, TaskScheduler.Default);
    }

    /// <summary>Every worker computes the gradients of its batch for the same parameters; their rank-ordered mean takes one optimizer step.</summary>
    private async Task<double> SynchronousStepAsync(INetwork network, IDataParallelWorkerGrain[] workers, long step, EpochTally epoch)
    {
        var replica = new ReplicaState
        {
            Parameters = TensorBytes.From(network.Parameters),
            Buffers = network.Buffers.Length == 0 ? [] : TensorBytes.From(network.Buffers),
        };
        var replies = await AllWorkers(workers, step, (w, _) => w.ComputeGradientsAsync(step, replica));
        ReplicaAveraging.Average(replies.Select(r => r.Gradients).ToArray(), network.Gradients, "gradients");
        network.ApplyGradients();
        // Running statistics follow rank 0 (as PyTorch's DistributedDataParallel broadcasts rank 0's buffers).
        if (network.Buffers.Length > 0) TensorBytes.CopyTo(replies[0].Buffers, network.Buffers, "buffers");
        int batch = Run.Definition!.WorkerBatchSize;
        foreach (var reply in replies) epoch.Add(reply.Loss * (double)batch, reply.Correct, batch);
        Run.BytesPerWorkerPerRound = 2L * (replica.Parameters.Length + replica.Buffers.Length);
        return replies.Max(r => r.Seconds);
    }

    /// <summary>Every worker takes <paramref name="steps"/> local steps from the same replica; the replicas' rank-ordered mean is the new one.</summary>
    private async Task<double> LocalRoundAsync(INetwork network, IDataParallelWorkerGrain[] workers, long step, int steps, EpochTally epoch)
    {
        var replica = new ReplicaState
        {
            Parameters = TensorBytes.From(network.Parameters),
            Buffers = TensorBytes.From(network.Buffers),
            OptimizerState = TensorBytes.From(network.OptimizerState),
            OptimizerStep = network.OptimizerStep,
        };
        var replies = await AllWorkers(workers, step, (w, _) => w.TrainLocalAsync(step, steps, replica));
        ReplicaAveraging.Average(replies.Select(r => r.Replica.Parameters).ToArray(), network.Parameters, "parameters");
        ReplicaAveraging.Average(replies.Select(r => r.Replica.OptimizerState).ToArray(), network.OptimizerState, "optimizer state");
        if (network.Buffers.Length > 0) ReplicaAveraging.Average(replies.Select(r => r.Replica.Buffers).ToArray(), network.Buffers, "buffers");
        network.OptimizerStep = replies[0].Replica.OptimizerStep;
        int batch = Run.Definition!.WorkerBatchSize;
        foreach (var reply in replies) epoch.Add(reply.LossSum * batch, reply.Correct, batch * steps);
        Run.BytesPerWorkerPerRound = 2L * (replica.Parameters.Length + replica.Buffers.Length + replica.OptimizerState.Length);
        return replies.Max(r => r.Seconds);
    }

    /// <summary>Calls every worker and waits for all; the first failed rank (in rank order) becomes a <see cref="WorkerFailure"/>.</summary>
    private static async Task<T[]> AllWorkers<T>(IDataParallelWorkerGrain[] workers, long step, Func<IDataParallelWorkerGrain, int, Task<T>> call)
    {
        var tasks = workers.Select((w, rank) => call(w, rank)).ToArray();
        try
        {
            return await Task.WhenAll(tasks);
        }
        catch
        {
            int rank = Array.FindIndex(tasks, t => t.IsFaulted || t.IsCanceled);
            var cause = tasks[rank].Exception?.InnerException ?? new TaskCanceledException($"The call to worker {rank} was cancelled.");
            throw new WorkerFailure(rank, step, cause);
        }
    }

    private static Task AllWorkers(IDataParallelWorkerGrain[] workers, long step, Func<IDataParallelWorkerGrain, int, Task> call) =>
        AllWorkers(workers, step, async (w, rank) =>
        {
            await call(w, rank);
            return true;
        });

    /// <summary>
    /// Stores the network as the checkpoint of <paramref name="step"/>: the bytes first, then the status that points at
    /// them (with the run's final state when <paramref name="final"/> is given), then the previous checkpoint goes.
    /// </summary>
    private async Task CheckpointAsync(INetwork network, long step, DataParallelState? final = null, string? error = null)
    {
        using var stream = new MemoryStream();
        network.Save(stream);
        string key = CheckpointKey(step);
        await GrainFactory.GetGrain<ICheckpointGrain>(key).SaveAsync(stream.ToArray());
        string? previous = _checkpointKey;
        Run.CheckpointStep = step;
        _checkpointKey = key;
        if (final is DataParallelState state) await FinishAsync(state, error);
        else await SaveAsync();
        if (previous is not null && previous != key)
        {
            try
            {
                await GrainFactory.GetGrain<ICheckpointGrain>(previous).ClearAsync();
            }
            catch (Exception failure)
            {
                LogCheckpointFailed(failure, Run.Name, step);
            }
        }
    }

    private Task FinishAsync(DataParallelState state, string? error)
    {
        Run.State = state;
        Run.Error = error;
        return SaveAsync();
    }

    private string CheckpointKey(long step) => FormattableString.Invariant($"dataparallel/{Run.Name}/{step}");

    private async Task SaveAsync()
    {
        Run.Version++;
        await _state.WriteStateAsync();
        Notify();
    }

    private void Notify()
    {
        Run.Version++;
        var changed = _changed;
        _changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        changed.TrySetResult();
    }

    /// <summary>Loss and accuracy sums of the steps of one epoch.</summary>
    private sealed class EpochTally
    {
        private readonly long _start = Stopwatch.GetTimestamp();
        private double _lossSum;
        private long _correct, _samples;

        public void Add(double lossTimesSamples, int correct, int samples)
        {
            _lossSum += lossTimesSamples;
            _correct += correct;
            _samples += samples;
        }

        public EpochRecord ToRecord(int epoch, float learningRate, EvaluationResult? validation)
        {
            double seconds = Stopwatch.GetElapsedTime(_start).TotalSeconds;
            return new EpochRecord(epoch, (float)(_lossSum / _samples), (float)_correct / _samples,
                validation?.Loss ?? float.NaN, validation?.Accuracy ?? float.NaN, learningRate, seconds, seconds);
        }
    }

    private sealed class WorkerFailure(int rank, long step, Exception cause) : Exception($"Worker {rank} failed at step {step}.", cause)
    {
        public int Rank { get; } = rank;
        public long Step { get; } = step;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Data-parallel run {Run}: {Workers} workers on {Silos}, {Steps} steps")]
    private partial void LogStarted(string run, int workers, string silos, long steps);

    [LoggerMessage(Level = LogLevel.Information, Message = "Data-parallel run {Run} resumes from its checkpoint of step {Step}")]
    private partial void LogResumed(string run, long step);

    [LoggerMessage(Level = LogLevel.Information, Message = "Data-parallel run {Run}: {State} after step {Step}")]
    private partial void LogFinished(string run, string state, long step);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Data-parallel run {Run}: storing or trimming checkpoints at step {Step} failed")]
    private partial void LogCheckpointFailed(Exception error, string run, long step);

    [LoggerMessage(Level = LogLevel.Error, Message = "Data-parallel run {Run}: {Message}")]
    private partial void LogFailed(Exception error, string run, string message);
}
