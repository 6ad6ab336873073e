using System.Globalization;
using CompiledNets.Cluster;
using Spectre.Console;

namespace SweepSample;

/// <summary>
/// The sweep's table, best first, redrawn live on a terminal as trials finish; with output redirected, one line per
/// trial as it finishes. Each row names the silo that trained the trial.
/// </summary>
internal sealed class Leaderboard
{
    private readonly HashSet<int> _printed = new();
    private readonly bool _quiet;
    private readonly bool _live;

    /// <summary>A quiet board prints nothing (the caller prints JSON only).</summary>
    public Leaderboard(bool quiet)
    {
        _quiet = quiet;
        _live = !quiet && !Console.IsOutputRedirected && AnsiConsole.Profile.Capabilities.Interactive;
    }

    /// <summary>Runs <paramref name="sweep"/> while showing the table; returns the sweep's final state.</summary>
    public async Task<SweepStatus> ShowAsync(Func<Action<SweepStatus>, Task<SweepStatus>> sweep)
    {
        if (!_live) return await sweep(Print);
        SweepStatus? final = null;
        await AnsiConsole.Live(Render(null)).AutoClear(false).StartAsync(async context =>
        {
            final = await sweep(status => context.UpdateTarget(Render(status)));
            context.UpdateTarget(Render(final));
        });
        return final!;
    }

    private void Print(SweepStatus status)
    {
        if (_quiet) return;
        foreach (var trial in status.Trials.Where(t => t.IsFinished && _printed.Add(t.Id)))
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"trial {trial.Id,2} on {trial.Silo,-8} {trial.Spec.Model,-6} lr {Rate(trial.Spec)} batch {trial.Spec.BatchSize,4}: {trial.Status} after {trial.Epochs.Count} epochs, " +
                $"val {Percent(trial.Result?.ValidationAccuracy)}, test {Percent(trial.Result?.TestAccuracy)}, {trial.Result?.Seconds ?? 0:0.0} s{(trial.Attempts > 1 ? $" ({trial.Attempts} starts: {trial.Message})" : "")}"));
    }

    private static Table Render(SweepStatus? status)
    {
        var table = new Table().Border(TableBorder.Rounded).Title(status is null ? "Starting..." : Title(status));
        foreach (var column in new[] { "#", "trial", "silo", "model", "learning rate", "batch", "epochs", "val acc", "test acc", "seconds", "state" })
            table.AddColumn(new TableColumn(column).RightAligned());
        if (status is null) return table;
        int rank = 0;
        var ranked = status.Leaderboard.Concat(status.Trials.Where(t => t.Result is null).OrderBy(t => t.Id));
        foreach (var trial in ranked)
        {
            bool finished = trial.Result is not null;
            table.AddRow(
                finished ? (++rank).ToString(CultureInfo.InvariantCulture) : "",
                trial.Id.ToString(CultureInfo.InvariantCulture),
                Markup.Escape(trial.Silo ?? "-"),
                Markup.Escape(trial.Spec.Model),
                Rate(trial.Spec),
                trial.Spec.BatchSize.ToString(CultureInfo.InvariantCulture),
                $"{trial.Epochs.Count}/{trial.Spec.Epochs}",
                Percent(trial.Result?.ValidationAccuracy),
                Percent(trial.Result?.TestAccuracy),
                trial.Result is null ? "" : trial.Result.Seconds.ToString("0.0", CultureInfo.InvariantCulture),
                State(trial));
        }
        return table;
    }

    private static string Title(SweepStatus status) => string.Create(CultureInfo.InvariantCulture,
        $"Sweep {Markup.Escape(status.Name)}: {status.Trials.Count(t => t.IsFinished)} of {status.Trials.Count} trials finished");

    private static string State(TrialInfo trial) => trial.Status switch
    {
        TrialStatus.Running => $"[yellow]running[/]{(trial.Attempts > 1 ? " (rerun)" : "")}",
        TrialStatus.Completed => "[green]done[/]",
        TrialStatus.Pruned => "[grey]pruned[/]",
        TrialStatus.Failed => "[red]failed[/]",
        TrialStatus.Paused => "[blue]next rung[/]",
        _ => "pending",
    };

    private static string Rate(TrialSpec spec) => spec.LearningRate?.ToString("0.00000", CultureInfo.InvariantCulture) ?? "default";

    private static string Percent(float? value) =>
        value is float v && !float.IsNaN(v) ? (v * 100).ToString("0.00", CultureInfo.InvariantCulture) + "%" : "";
}
