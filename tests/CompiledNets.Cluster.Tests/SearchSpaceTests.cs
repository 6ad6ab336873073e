namespace CompiledNets.Cluster.Tests;

public sealed class SearchSpaceTests
{
    private static readonly TrialSpec Template = new() { Model = "tiny", Epochs = 2 };

    [Fact]
    public void Grid_takes_every_combination_with_the_first_dimension_slowest()
    {
        var trials = new SearchSpace().Models("a", "b").LearningRates(1e-3f, 1e-2f, 1e-1f).BatchSizes(16, 32).Grid(Template);

        Assert.Equal(12, trials.Count);
        Assert.Equal(("a", 1e-3f, 16), (trials[0].Model, trials[0].LearningRate!.Value, trials[0].BatchSize));
        Assert.Equal(("a", 1e-3f, 32), (trials[1].Model, trials[1].LearningRate!.Value, trials[1].BatchSize));
        Assert.Equal(("b", 1e-1f, 32), (trials[11].Model, trials[11].LearningRate!.Value, trials[11].BatchSize));
        Assert.Equal(12, trials.Distinct().Count());
        Assert.All(trials, t => Assert.Equal(2, t.Epochs));
    }

    [Fact]
    public void Random_search_is_reproducible_from_its_seed_and_stays_in_its_ranges()
    {
        var space = new SearchSpace().LearningRateLogUniform(1e-4f, 1e-1f).BatchSizes(16, 32, 64);

        var first = space.Random(200, seed: 42, Template);
        var again = space.Random(200, seed: 42, Template);
        var other = space.Random(200, seed: 43, Template);

        Assert.Equal(first, again);
        Assert.NotEqual(first, other);
        Assert.All(first, t => Assert.InRange(t.LearningRate!.Value, 1e-4f, 1e-1f));
        Assert.Equal([16, 32, 64], first.Select(t => t.BatchSize).Distinct().Order());
        // Log-uniform: about a third of the draws in each decade.
        int lowDecade = first.Count(t => t.LearningRate < 1e-3f);
        Assert.InRange(lowDecade, 40, 95);
    }

    [Fact]
    public void A_range_has_no_grid()
    {
        var error = Assert.Throws<InvalidOperationException>(() => new SearchSpace().LearningRateLogUniform(1e-4f, 1e-2f).Grid(Template));
        Assert.Contains("learning_rate", error.Message);
    }

    [Fact]
    public void Custom_dimensions_set_any_option()
    {
        var trials = new SearchSpace().Choice("patience", [1, 3], (t, p) => t with { EarlyStopping = new EarlyStoppingSpec { Patience = p } }).Grid(Template);
        Assert.Equal([1, 3], trials.Select(t => t.EarlyStopping!.Patience));
    }

    [Fact]
    public void Definitions_with_bad_values_are_rejected_with_the_trial_named()
    {
        var bad = new SweepDefinition { Data = "d", Trials = [new TrialSpec { Model = "m" }, new TrialSpec { Model = "m", BatchSize = 0 }] };
        Assert.Contains("Trial 1 (m)", Assert.Throws<ArgumentException>(bad.Validate).Message);
        Assert.Contains("objective", Assert.Throws<ArgumentException>(new SweepDefinition { Data = "d", Trials = [new TrialSpec { Model = "m" }], Objective = "f1" }.Validate).Message);
        Assert.Contains("ReductionFactor", Assert.Throws<ArgumentException>(new SweepDefinition { Data = "d", Trials = [new TrialSpec { Model = "m" }], Halving = new SuccessiveHalving { ReductionFactor = 1 } }.Validate).Message);
    }

    [Theory]
    [InlineData(1, 9, 3, 0, 1)]
    [InlineData(1, 9, 3, 1, 3)]
    [InlineData(1, 9, 3, 2, 9)]
    [InlineData(2, 5, 2, 1, 4)]
    [InlineData(2, 5, 2, 2, 5)]
    public void Successive_halving_budgets_grow_by_the_reduction_factor_up_to_the_trial_epochs(int min, int epochs, int factor, int rung, int expected) =>
        Assert.Equal(expected, new SuccessiveHalving { MinEpochs = min, ReductionFactor = factor }.EpochsAfterRung(rung, epochs));
}
