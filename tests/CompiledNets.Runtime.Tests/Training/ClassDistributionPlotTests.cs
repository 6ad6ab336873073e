using CompiledNets.Tests.Shared;

namespace CompiledNets.Runtime.Tests.Training;

public class ClassDistributionPlotTests
{
    private static readonly byte[] PngSignature = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A];

    [Fact]
    public void Labelled_and_one_hot_data_are_drawn_as_pngs()
    {
        using var dir = new TempDirectory();
        var labelled = Dataset.FromLabels(new float[5], 1, [0, 2, 2, 1, 2], 3);
        labelled.SaveClassDistributionPlot(dir.File("labels.png"), ["A", "B", "C"]);
        var oneHot = new Dataset(new float[2], 1, [0, 1, 1, 0], 2);
        oneHot.SaveClassDistributionPlot(dir.File("one-hot.png"), width: 300, height: 200);
        foreach (string name in new[] { "labels.png", "one-hot.png" })
        {
            var bytes = File.ReadAllBytes(dir.File(name));
            Assert.Equal(PngSignature, bytes[..8]);
        }
        Assert.Equal(2, Directory.GetFiles(dir.Path).Length); // no temporary file left behind
    }

    [Fact]
    public void A_name_per_class_is_required()
    {
        var data = Dataset.FromLabels(new float[2], 1, [0, 1], 2);
        var error = Assert.Throws<ArgumentException>(() => data.SaveClassDistributionPlot("unused.png", ["A"]));
        Assert.Contains("Expected 2 class names", error.Message);
    }
}
