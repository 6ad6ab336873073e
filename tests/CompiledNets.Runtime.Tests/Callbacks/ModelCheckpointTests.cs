using CompiledNets.Kernels;
using CompiledNets.Tests.Shared;
using static CompiledNets.Runtime.Tests.Callbacks.Scripted;

namespace CompiledNets.Runtime.Tests.Callbacks;

public class ModelCheckpointTests
{
    /// <summary>
    /// Runs the callback over scripted epochs on a real (generated) network whose parameters are filled with the epoch
    /// number during each epoch, so a saved file tells which epoch it holds.
    /// </summary>
    private static CallbackLinearNet Run(ModelCheckpoint callback, params EpochMetrics[] epochs)
    {
        var network = new CallbackLinearNet(seed: 1);
        var context = Context(network);
        callback.OnTrainBegin(context);
        foreach (var metrics in epochs)
        {
            callback.OnEpochBegin(context, metrics.Epoch - 1);
            network.Parameters.Fill(metrics.Epoch);
            callback.OnEpochEnd(context, metrics);
        }
        callback.OnTrainEnd(context);
        return network;
    }

    /// <summary>The epoch a checkpoint file holds (every parameter equals it).</summary>
    private static float SavedEpoch(string path)
    {
        var network = new CallbackLinearNet(seed: 2);
        network.Load(path);
        float first = network.Parameters[0];
        Assert.All(network.Parameters.ToArray(), p => Assert.Equal(first, p));
        return first;
    }

    [Fact]
    public void Without_save_best_only_every_epoch_is_saved_to_its_own_file()
    {
        using var temp = new TempDirectory();
        var callback = new ModelCheckpoint(temp.File("net-{epoch:02d}.safetensors"));
        // No validation data: without saveBestOnly the monitor (val_loss) is never read.
        Run(callback, Epoch(1), Epoch(2), Epoch(3));
        Assert.Equal([temp.File("net-01.safetensors"), temp.File("net-02.safetensors"), temp.File("net-03.safetensors")], callback.SavedPaths);
        for (int e = 1; e <= 3; e++) Assert.Equal(e, SavedEpoch(temp.File($"net-{e:00}.safetensors")));
        Assert.Equal(3, callback.LastSavedEpoch);
    }

    [Fact]
    public void Without_a_placeholder_each_save_overwrites_the_same_file()
    {
        using var temp = new TempDirectory();
        var callback = new ModelCheckpoint(temp.File("last.safetensors"));
        Run(callback, Epoch(1, 0.5f), Epoch(2, 0.9f));
        Assert.Equal(2, callback.SavedPaths.Count);
        Assert.Single(Directory.GetFiles(temp.Path));
        Assert.Equal(2, SavedEpoch(temp.File("last.safetensors")));
    }

    [Fact]
    public void Save_best_only_keeps_the_epoch_with_the_lowest_validation_loss()
    {
        using var temp = new TempDirectory();
        var callback = new ModelCheckpoint(temp.File("best.safetensors"), saveBestOnly: true);
        Run(callback, Epoch(1, 1.0f), Epoch(2, 0.6f), Epoch(3, 0.7f), Epoch(4, 0.6f), Epoch(5, 0.8f));
        // Saved at epochs 1 and 2; 0.6 at epoch 4 only equals the best, which is not an improvement.
        Assert.Equal(2, callback.SavedPaths.Count);
        Assert.Equal(2, callback.LastSavedEpoch);
        Assert.Equal(0.6f, callback.Best);
        Assert.Equal(2, SavedEpoch(temp.File("best.safetensors")));
    }

    [Fact]
    public void Accuracy_is_maximised_and_the_file_name_can_carry_the_metric()
    {
        using var temp = new TempDirectory();
        var callback = new ModelCheckpoint(temp.File("acc-{epoch}-{val_accuracy:.2f}.safetensors"), "val_accuracy", saveBestOnly: true);
        Assert.Equal(MonitorMode.Max, callback.Mode);
        var network = new FakeNetwork(loss: LossFunction.CrossEntropy, outputSize: 3);
        var context = Context(network);
        callback.OnTrainBegin(context);
        // FakeNetwork has no tensors, so its checkpoints are metadata only, but they are written all the same.
        callback.OnEpochEnd(context, Epoch(1, valAccuracy: 0.5f));
        callback.OnEpochEnd(context, Epoch(2, valAccuracy: 0.4f));
        callback.OnEpochEnd(context, Epoch(3, valAccuracy: 0.75f));
        Assert.Equal([temp.File("acc-1-0.50.safetensors"), temp.File("acc-3-0.75.safetensors")], callback.SavedPaths);
        Assert.All(callback.SavedPaths, path => Assert.True(File.Exists(path)));
    }

    [Fact]
    public void Mode_overrides_the_direction_inferred_from_the_name()
    {
        using var temp = new TempDirectory();
        var callback = new ModelCheckpoint(temp.File("{epoch}.safetensors"), "loss", saveBestOnly: true, mode: MonitorMode.Max);
        Run(callback, Epoch(1, loss: 1f), Epoch(2, loss: 0.5f), Epoch(3, loss: 2f));
        Assert.Equal([temp.File("1.safetensors"), temp.File("3.safetensors")], callback.SavedPaths);
    }

    [Fact]
    public void Nothing_is_saved_until_the_initial_threshold_is_beaten()
    {
        using var temp = new TempDirectory();
        var callback = new ModelCheckpoint(temp.File("{epoch}.safetensors"), saveBestOnly: true, initialValueThreshold: 0.5f);
        Run(callback, Epoch(1, 0.9f), Epoch(2, 0.5f), Epoch(3, 0.4f), Epoch(4, float.NaN), Epoch(5, 0.45f));
        // NaN after a computed value never counts as better.
        Assert.Equal([temp.File("3.safetensors")], callback.SavedPaths);
        Assert.Equal(0.4f, callback.Best);
    }

    [Fact]
    public void A_missing_directory_is_created()
    {
        using var temp = new TempDirectory();
        var callback = new ModelCheckpoint(Path.Combine(temp.Path, "run", "ckpt", "e{epoch:03d}.safetensors"));
        Run(callback, Epoch(7));
        Assert.True(File.Exists(Path.Combine(temp.Path, "run", "ckpt", "e007.safetensors")));
    }

    [Fact]
    public void A_validation_metric_that_is_never_computed_is_a_clear_error_with_save_best_only()
    {
        var context = Context(new FakeNetwork());
        var callback = new ModelCheckpoint("unused.safetensors", saveBestOnly: true);
        callback.OnTrainBegin(context);
        var error = Assert.Throws<InvalidOperationException>(() => callback.OnEpochEnd(context, Epoch(1)));
        Assert.StartsWith("ModelCheckpoint monitors 'val_loss', but epoch 1 did not compute it", error.Message);
        Assert.False(File.Exists("unused.safetensors"));
    }

    [Fact]
    public void Bad_patterns_and_metrics_are_rejected_at_construction()
    {
        Assert.Contains("{epochs}", Assert.Throws<ArgumentException>(() => new ModelCheckpoint("m-{epochs}.safetensors")).Message);
        Assert.Contains("Unclosed", Assert.Throws<ArgumentException>(() => new ModelCheckpoint("m-{epoch.safetensors")).Message);
        Assert.Contains("Unbalanced", Assert.Throws<ArgumentException>(() => new ModelCheckpoint("m-epoch}.safetensors")).Message);
        Assert.Contains("'val_los'", Assert.Throws<ArgumentException>(() => new ModelCheckpoint("m.safetensors", "val_los")).Message);
    }

    [Theory]
    [InlineData("{epoch}", "12")]
    [InlineData("{epoch:02d}", "12")]
    [InlineData("{epoch:04d}", "0012")]
    [InlineData("{val_loss:.3f}", "0.123")]
    [InlineData("{val_loss:F1}", "0.1")]
    [InlineData("{val_loss:.2e}", "1.23e-01")]
    [InlineData("{{epoch}}-{loss:.1f}", "{epoch}-2.5")]
    public void Placeholders_follow_keras_formats(string pattern, string expected)
    {
        var metrics = Epoch(12, valLoss: 0.12345f, loss: 2.5f);
        Assert.Equal(expected, new ModelCheckpoint(pattern).FormatPath(metrics));
    }

    [Fact]
    public void Fit_with_a_checkpoint_saves_the_best_epoch_and_it_loads_back()
    {
        using var temp = new TempDirectory();
        // y = 2·x0 - x1 + 0.5·x2, and y + 1: a linear regression the net learns, so validation loss mostly falls.
        var random = new SeededRandom(3);
        const int n = 128;
        var x = new float[n * 3];
        var y = new float[n * 2];
        for (int i = 0; i < n; i++)
        {
            for (int k = 0; k < 3; k++) x[i * 3 + k] = random.NextGaussian();
            y[i * 2] = 2 * x[i * 3] - x[i * 3 + 1] + 0.5f * x[i * 3 + 2];
            y[i * 2 + 1] = y[i * 2] + 1;
        }
        var data = new Dataset(x, 3, y, 2);
        var (train, validation) = data.Split(0.25, seed: 1);
        var network = new CallbackLinearNet(seed: 4);
        var checkpoint = new ModelCheckpoint(temp.File("best.safetensors"), saveBestOnly: true);
        var history = network.Fit(train, epochs: 8, batchSize: 16, validation: validation, callbacks: [checkpoint], verbose: 0, seed: 1);

        int best = history.Epochs.MinBy(e => e.ValidationLoss)!.Epoch;
        Assert.Equal(best, checkpoint.LastSavedEpoch);
        Assert.Equal(history.Epochs[best - 1].ValidationLoss, checkpoint.Best);

        var restored = new CallbackLinearNet(seed: 5);
        restored.Load(temp.File("best.safetensors"));
        Assert.Equal(checkpoint.Best, restored.Evaluate(validation).Loss, 5);
        if (best == history.Epochs.Count) Assert.Equal(network.Parameters.ToArray(), restored.Parameters.ToArray());
    }
}
