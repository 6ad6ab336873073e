using System.Text.Json;
using CompiledNets.Tests.Shared;
using SignLanguageSample;

namespace CompiledNets.Samples.Tests.SignLanguage;

public class SignLanguageSampleTests
{
    private static readonly byte[] PngSignature = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A];

    [Fact]
    public void Trains_on_kaggle_format_files_writes_both_charts_and_ends_with_the_json_line()
    {
        using var dir = new TempDirectory();
        string train = dir.File("sign_mnist_train.csv"), test = dir.File("sign_mnist_test.csv"), plots = dir.File("plots");
        KaggleCsv.Write(train, rows: 480, seed: 1);
        KaggleCsv.Write(test, rows: 96, seed: 2);

        var run = SampleRun.Of("--train", train, "--test", test, "--epochs", "2", "--seed", "3", "--threads", "1", "--plot", plots, "--json");

        Assert.True(run.ExitCode == 0, run.Error + run.Output);
        Assert.Contains("Epoch 1/2", run.Output);
        Assert.Contains("Epoch 2/2", run.Output);
        using var json = JsonDocument.Parse(run.LastLine);
        var root = json.RootElement;
        Assert.Equal(24, root.GetProperty("classes").GetInt32());
        Assert.Equal("ABCDEFGHIKLMNOPQRSTUVWXY", root.GetProperty("letters").GetString());
        Assert.Equal(2, root.GetProperty("epochs").GetInt32());
        Assert.Equal(32, root.GetProperty("batch_size").GetInt32());
        Assert.Equal(480, root.GetProperty("train_samples").GetInt32());
        Assert.Equal(96, root.GetProperty("test_samples").GetInt32());
        double accuracy = root.GetProperty("test_accuracy").GetDouble();
        Assert.True(accuracy >= 0.9, $"test accuracy {accuracy} on letters that each light their own patch");
        Assert.True(root.GetProperty("test_loss").GetDouble() >= 0);
        Assert.True(root.GetProperty("train_samples_per_second").GetDouble() > 0);
        foreach (string name in new[] { SignLanguageApp.LabelPlotName, SignLanguageApp.HistoryPlotName, SignLanguageApp.ConfusionPlotName })
        {
            var bytes = File.ReadAllBytes(Path.Combine(plots, name));
            Assert.Equal(PngSignature, bytes[..8]);
            Assert.True(bytes.Length > 5_000, $"{name} is only {bytes.Length} bytes");
        }
        Assert.Equal(3, File.ReadAllLines(Path.Combine(plots, "sign-language-history.csv")).Length); // header and two epochs
    }

    [Fact]
    public void The_network_is_the_notes_functional_model_with_named_layers()
    {
        var network = new SignLanguageNet(seed: 1);
        Assert.Equal(1_466_136, SignLanguageNet.ParameterCount);
        Assert.Equal(24, SignLanguageNet.OutputSize);
        Assert.Equal(
            ["hidden1.weight", "hidden1.bias", "hidden2.weight", "hidden2.bias", "hidden3.weight", "hidden3.bias", "letters.weight", "letters.bias"],
            network.Tensors.Where(t => t.Storage == TensorStorage.Parameters).Select(t => t.Name));
        Assert.StartsWith("pixels:784 -> hidden1=Dense(1024, ReLU)(pixels) -> ", network.Architecture);
    }

    [Fact]
    public void Labels_skip_9_so_class_9_is_the_letter_K()
    {
        Assert.Equal(24, Letters.Count);
        Assert.False(Letters.Map.Contains(9));
        Assert.Equal(8, Letters.Map.ToClass(8));
        Assert.Equal(9, Letters.Map.ToClass(10));
        Assert.Equal(23, Letters.Map.ToClass(24));
        Assert.Equal("I", Letters.Name(8));
        Assert.Equal("K", Letters.Name(9));
        Assert.Equal("Y", Letters.Name(23));
        Assert.DoesNotContain("J", Letters.Names);
    }

    [Fact]
    public void A_row_labelled_9_names_the_file_and_line()
    {
        using var dir = new TempDirectory();
        string train = dir.File("sign_mnist_train.csv"), test = dir.File("sign_mnist_test.csv");
        KaggleCsv.Write(train, rows: 24, seed: 1);
        File.WriteAllText(test, KaggleCsv.Header + "\n9," + string.Join(",", new int[784]) + "\n");

        var run = SampleRun.Of("--train", train, "--test", test, "--epochs", "1");

        Assert.Equal(2, run.ExitCode);
        Assert.Contains($"{test}, line 2: column 1 ('label'): the label 9 is not one of the 24 classes' labels (0-8, 10-24)", run.Error);
    }

    [Fact]
    public void Missing_files_say_where_to_get_the_dataset()
    {
        using var dir = new TempDirectory();
        string train = dir.File("sign_mnist_train.csv"), test = dir.File("sign_mnist_test.csv");

        var noTrain = SampleRun.Of("--train", train, "--test", test);
        Assert.Equal(2, noTrain.ExitCode);
        Assert.Contains($"the training file {train} does not exist", noTrain.Error);
        Assert.Contains("Kaggle dataset", noTrain.Error);
        Assert.Contains("datamunge/sign-language-mnist", noTrain.Error);
        Assert.Contains("--train sign_mnist_train.csv --test sign_mnist_test.csv", noTrain.Error);

        KaggleCsv.Write(train, rows: 24, seed: 1);
        var noTest = SampleRun.Of("--train", train, "--test", test);
        Assert.Equal(2, noTest.ExitCode);
        Assert.Contains($"the test file {test} does not exist", noTest.Error);
        Assert.Contains("datamunge/sign-language-mnist", noTest.Error);
    }

    [Fact]
    public void Images_that_are_not_28_by_28_are_reported()
    {
        using var dir = new TempDirectory();
        string train = dir.File("train.csv"), test = dir.File("test.csv");
        File.WriteAllText(train, "label,pixel1,pixel2\n0,0,255\n");
        KaggleCsv.Write(test, rows: 24, seed: 2);

        var run = SampleRun.Of("--train", train, "--test", test);

        Assert.Equal(2, run.ExitCode);
        Assert.Contains($"{train}: expected a label and 784 pixel columns (28 × 28 images), found 2", run.Error);
    }

    [Fact]
    public void Bad_options_are_rejected_before_any_file_is_read()
    {
        var run = SampleRun.Of("--epochs", "0", "--batch-size", "0");
        Assert.NotEqual(0, run.ExitCode);
        Assert.Contains("--epochs must be at least 1", run.Error);
        Assert.Contains("--batch-size must be in [1, 1024], not 0", run.Error);
    }
}
