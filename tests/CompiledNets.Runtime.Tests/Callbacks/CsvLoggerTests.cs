using CompiledNets.Tests.Shared;
using static CompiledNets.Runtime.Tests.Callbacks.Scripted;

namespace CompiledNets.Runtime.Tests.Callbacks;

public sealed class CsvLoggerTests : IDisposable
{
    private readonly string _path = Path.Combine(Path.GetTempPath(), $"compilednets-csvlogger-{Guid.NewGuid():N}.csv");

    public void Dispose() => File.Delete(_path);

    private static readonly EpochMetrics[] Epochs =
    [
        new(1, 0.5f, 0.75f, 0.625f, 0.5f, 0.001f, 1.23456),
        new(2, 0.25f, float.NaN, float.NaN, float.NaN, 0.0005f, 2),
        new(3, 0.125f, 0.875f, 0.3f, 0.9f, 1e-4f, 0.0001),
    ];

    private string ReadShared()
    {
        using var stream = new FileStream(_path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    [Fact]
    public void Each_row_is_on_disk_as_soon_as_its_epoch_ends()
    {
        var context = Context(new FakeNetwork());
        using var logger = new CsvLogger(_path);
        logger.OnTrainBegin(context);
        Assert.Equal("epoch,loss,accuracy,val_loss,val_accuracy,lr,seconds\n", ReadShared());
        logger.OnEpochEnd(context, Epochs[0]);
        Assert.Equal("epoch,loss,accuracy,val_loss,val_accuracy,lr,seconds\n1,0.5,0.75,0.625,0.5,0.001,1.235\n", ReadShared());
        logger.OnEpochEnd(context, Epochs[1]);
        Assert.EndsWith("\n2,0.25,,,,0.0005,2\n", ReadShared());
    }

    [Fact]
    public void The_file_has_the_same_content_as_History_ToCsv()
    {
        var context = Context(new FakeNetwork());
        var history = new History();
        var logger = new CsvLogger(_path);
        logger.OnTrainBegin(context);
        foreach (var epoch in Epochs)
        {
            history.Add(epoch);
            logger.OnEpochEnd(context, epoch);
        }
        logger.OnTrainEnd(context);
        Assert.Equal(history.ToCsv(), File.ReadAllText(_path));
    }

    [Fact]
    public void Append_adds_rows_without_a_second_header_and_overwrite_starts_afresh()
    {
        var context = Context(new FakeNetwork());
        var first = new CsvLogger(_path, append: true); // a new file still gets its header
        first.OnTrainBegin(context);
        first.OnEpochEnd(context, Epochs[0]);
        first.OnTrainEnd(context);
        var second = new CsvLogger(_path, append: true);
        second.OnTrainBegin(context);
        second.OnEpochEnd(context, Epochs[1]);
        second.OnTrainEnd(context);
        var lines = File.ReadAllLines(_path);
        Assert.Equal(["epoch,loss,accuracy,val_loss,val_accuracy,lr,seconds", "1,0.5,0.75,0.625,0.5,0.001,1.235", "2,0.25,,,,0.0005,2"], lines);

        var overwrite = new CsvLogger(_path);
        overwrite.OnTrainBegin(context);
        overwrite.OnEpochEnd(context, Epochs[2]);
        overwrite.OnTrainEnd(context);
        Assert.Equal(["epoch,loss,accuracy,val_loss,val_accuracy,lr,seconds", "3,0.125,0.875,0.3,0.9,0.0001,0"], File.ReadAllLines(_path));
    }

    [Fact]
    public void Fit_writes_one_row_per_epoch()
    {
        var network = new CallbackLinearNet(seed: 3);
        var data = new Dataset(Enumerable.Range(0, 30).Select(i => i / 30f).ToArray(), 3, new float[20], 2);
        var history = network.Fit(data, epochs: 3, batchSize: 5, callbacks: [new CsvLogger(_path)], verbose: 0, seed: 1);
        Assert.Equal(history.ToCsv(), File.ReadAllText(_path));
    }
}
