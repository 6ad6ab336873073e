using CompiledNets;

namespace CompiledNets.Cluster.Tests;

[Collection(ClusterCollection.Name)]
public sealed class SweepTests(ClusterFixture fixture)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Grid_sweep_spreads_its_trials_over_every_silo_and_records_each_once()
    {
        var trials = new SearchSpace()
            .LearningRates(3e-3f, 1e-2f, 3e-2f)
            .BatchSizes(16, 32)
            .Grid(new TrialSpec { Model = "tiny", Epochs = 3, Seed = 5 });
        var definition = new SweepDefinition { Data = Blobs.Name, Trials = trials.ToArray() };

        using var timeout = new CancellationTokenSource(Timeout);
        var status = await fixture.Client.RunSweepAsync("grid-" + Guid.NewGuid().ToString("N"), definition, cancellationToken: timeout.Token);

        Assert.Equal(SweepState.Completed, status.State);
        Assert.Equal(6, status.Trials.Count);
        Assert.All(status.Trials, t =>
        {
            Assert.Equal(TrialStatus.Completed, t.Status);
            Assert.Equal([1, 2, 3], t.Epochs.Select(e => e.Epoch));
            Assert.Equal(1, t.Attempts);
            Assert.False(float.IsNaN(t.Result!.TestAccuracy));
        });
        var silos = fixture.Cluster.Silos.Select(s => s.Name).ToHashSet();
        Assert.Equal(silos, status.Trials.Select(t => t.Silo!).ToHashSet());
    }
}
