using Microsoft.Extensions.Logging;
using Orleans.Runtime;

namespace CompiledNets.Cluster;

/// <summary>
/// A training slot pinned to one silo. Training runs on a dedicated thread (a trial takes seconds to hours; the grain
/// scheduler's threads stay free for calls), then the checkpoint goes to storage and the report to the coordinator.
/// A report the coordinator did not get is kept until the coordinator polls for it.
/// </summary>
[SiloPinnedPlacement, KeepAlive]
internal sealed partial class TrialWorkerGrain(NetworkCatalog networks, DataSourceCatalog dataSources, ILocalSiloDetails silo,
    ILogger<TrialWorkerGrain> logger) : Grain, ITrialWorkerGrain
{
    private readonly Dictionary<(string Sweep, int Trial, long Dispatch), Run> _runs = new();

    public Task StartAsync(TrialAssignment assignment)
    {
        ArgumentNullException.ThrowIfNull(assignment);
        var key = (assignment.Sweep, assignment.TrialId, assignment.Dispatch);
        if (_runs.ContainsKey(key)) return Task.CompletedTask;
        var run = new Run(assignment);
        _runs[key] = run;
        _ = TrainAsync(run);
        return Task.CompletedTask;
    }

    public Task<TrialPoll> PollAsync(string sweep, int trialId, long dispatch)
    {
        var key = (sweep, trialId, dispatch);
        if (!_runs.TryGetValue(key, out var run)) return Task.FromResult(new TrialPoll(false, null));
        if (run.Report is null) return Task.FromResult(new TrialPoll(true, null));
        _runs.Remove(key);
        return Task.FromResult(new TrialPoll(true, run.Report));
    }

    public async Task<int> LoadDataAsync(string data) => (await dataSources.GetAsync(data)).Train.Count;

    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        // Training cannot outlive the activation that reports it; the coordinator reruns what was cut short.
        foreach (var run in _runs.Values) run.Cancel.Cancel();
        return Task.CompletedTask;
    }

    private async Task TrainAsync(Run run)
    {
        var assignment = run.Assignment;
        var key = (assignment.Sweep, assignment.TrialId, assignment.Dispatch);
        TrialReport report;
        try
        {
            var data = await dataSources.GetAsync(assignment.Data);
            byte[]? resume = assignment.ResumeFrom is null ? null : await GrainFactory.GetGrain<ICheckpointGrain>(assignment.ResumeFrom).GetAsync();
            LogStarting(assignment.Sweep, assignment.TrialId, assignment.StartEpoch + 1, assignment.EndEpoch, silo.Name);
            var outcome = await Task.Factory.StartNew(
                () => TrialRunner.Run(networks, data, assignment, resume, assignment.PreviousEpochs, run.Cancel.Token),
                run.Cancel.Token, TaskCreationOptions.LongRunning, TaskScheduler.Default);
            await GrainFactory.GetGrain<ICheckpointGrain>(assignment.CheckpointKey).SaveAsync(outcome.Checkpoint);
            report = new TrialReport
            {
                Sweep = assignment.Sweep, TrialId = assignment.TrialId, Dispatch = assignment.Dispatch, Silo = silo.Name,
                Epochs = outcome.Epochs, Result = outcome.Result, Checkpoint = assignment.CheckpointKey,
            };
        }
        catch (OperationCanceledException) when (run.Cancel.IsCancellationRequested)
        {
            _runs.Remove(key);
            return;
        }
        catch (Exception error)
        {
            LogFailed(error, assignment.Sweep, assignment.TrialId);
            report = new TrialReport
            {
                Sweep = assignment.Sweep, TrialId = assignment.TrialId, Dispatch = assignment.Dispatch, Silo = silo.Name,
                Error = $"{error.GetType().Name} on silo {silo.Name}: {error.Message}",
            };
        }

        run.Report = report;
        try
        {
            await GrainFactory.GetGrain<ISweepGrain>(assignment.Sweep).ReportAsync(report);
            _runs.Remove(key);
        }
        catch (Exception error)
        {
            // Kept in _runs: the coordinator's next poll collects it.
            LogReportFailed(error, assignment.Sweep, assignment.TrialId);
        }
    }

    private sealed class Run(TrialAssignment assignment)
    {
        public TrialAssignment Assignment { get; } = assignment;
        public CancellationTokenSource Cancel { get; } = new();
        public TrialReport? Report { get; set; }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Sweep {Sweep}: trial {Trial} trains epochs {First}-{Last} on silo {Silo}")]
    private partial void LogStarting(string sweep, int trial, int first, int last, string silo);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Sweep {Sweep}: trial {Trial} failed")]
    private partial void LogFailed(Exception error, string sweep, int trial);

    [LoggerMessage(Level = LogLevel.Information, Message = "Sweep {Sweep}: the report of trial {Trial} did not reach the coordinator; it waits for its poll")]
    private partial void LogReportFailed(Exception error, string sweep, int trial);
}
