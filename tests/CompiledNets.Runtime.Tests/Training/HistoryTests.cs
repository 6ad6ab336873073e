using CompiledNets.Tests.Shared;

namespace CompiledNets.Runtime.Tests.Training;

public class HistoryTests
{
    private static History Sample()
    {
        var history = new History();
        history.Add(new EpochMetrics(1, 0.5f, 0.8f, 0.4f, 0.85f, 1e-3f, 1.25));
        history.Add(new EpochMetrics(2, 0.25f, 0.9f, 0.3f, 0.875f, 1e-3f, 1.5));
        history.Add(new EpochMetrics(3, 0.125f, 0.95f, float.NaN, float.NaN, 5e-4f, 1.0));
        return history;
    }

    [Fact]
    public void Csv_has_a_header_and_one_row_per_epoch_with_missing_metrics_empty()
    {
        var lines = Sample().ToCsv().TrimEnd('\n').Split('\n');
        Assert.Equal("epoch,loss,accuracy,val_loss,val_accuracy,lr,seconds", lines[0]);
        Assert.Equal("1,0.5,0.8,0.4,0.85,0.001,1.25", lines[1]);
        Assert.Equal("2,0.25,0.9,0.3,0.875,0.001,1.5", lines[2]);
        Assert.Equal("3,0.125,0.95,,,0.0005,1", lines[3]);
        Assert.Equal(4, lines.Length);
    }

    [Fact]
    public void SavePlot_writes_a_png()
    {
        using var dir = new TempDirectory();
        string path = dir.File("history.png");
        Sample().SavePlot(path);
        var bytes = File.ReadAllBytes(path);
        Assert.Equal(new byte[] { 0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A }, bytes[..8]);
        Assert.True(bytes.Length > 10_000, $"only {bytes.Length} bytes");
        Assert.Single(Directory.GetFiles(dir.Path)); // no temporary file left behind
    }

    [Fact]
    public void SavePlot_handles_regression_histories_and_rejects_empty_ones()
    {
        using var dir = new TempDirectory();
        var regression = new History();
        regression.Add(new EpochMetrics(1, 2f, float.NaN, float.NaN, float.NaN, 0.01f, 0.1));
        regression.SavePlot(dir.File("regression.png"), width: 400, height: 300);
        Assert.True(new FileInfo(dir.File("regression.png")).Length > 1_000);
        Assert.Throws<ArgumentException>(() => new History().SavePlot(dir.File("empty.png")));
    }
}
