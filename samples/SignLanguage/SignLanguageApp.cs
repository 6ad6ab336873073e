using System.Globalization;
using System.Text;
using System.Text.Json;
using CompiledNets;

namespace SignLanguageSample;

/// <summary>The lecture's exercise, step by step: load, look at the labels, train with the test set as validation data, evaluate.</summary>
internal static class SignLanguageApp
{
    /// <summary>Pixels per image: 28 × 28 greyscale, one CSV column each.</summary>
    public const int Pixels = 784;

    public const string LabelPlotName = "sign-language-labels.png";
    public const string HistoryPlotName = "sign-language-history.png";
    public const string ConfusionPlotName = "sign-language-confusion.png";

    public static int Run(Settings settings, TextWriter output, TextWriter error)
    {
        if ((MissingFile(settings.TrainPath, "training") ?? MissingFile(settings.TestPath, "test")) is string missing)
        {
            error.WriteLine(missing);
            return 2;
        }

        Dataset train, test;
        try
        {
            output.WriteLine($"Loading {settings.TrainPath} and {settings.TestPath} ...");
            // Pixels are divided by 255 while reading (the notes' `/ 255.0`); the map turns labels 0-24 without 9
            // into the classes 0-23 the softmax outputs.
            train = CsvImageReader.Read(settings.TrainPath, labelMap: Letters.Map);
            test = CsvImageReader.Read(settings.TestPath, labelMap: Letters.Map);
            CheckPixels(train, settings.TrainPath);
            CheckPixels(test, settings.TestPath);
        }
        catch (Exception failure) when (failure is IOException or InvalidDataException or UnauthorizedAccessException)
        {
            error.WriteLine($"error: {failure.Message}");
            return 2;
        }
        output.WriteLine($"{train.Count:N0} training and {test.Count:N0} test images of {Pixels} pixels; {Letters.Count} classes, the letters {string.Concat(Letters.Names)} (no J).");
        output.WriteLine($"Training images per letter: {LabelCounts(train)}");

        if (settings.PlotDirectory is not null)
        {
            Directory.CreateDirectory(settings.PlotDirectory);
            string labels = Path.Combine(settings.PlotDirectory, LabelPlotName);
            train.SaveClassDistributionPlot(labels, Letters.Names, "Sign Language MNIST: training images per letter");
            output.WriteLine($"Label distribution written to {labels}");
        }

        var network = new SignLanguageNet(settings.Seed, settings.BatchSize) { Threads = settings.Threads };
        output.WriteLine();
        output.WriteLine(network.Summary.ToString());
        output.WriteLine($"Adam 1e-3, {settings.Epochs} epochs, batch size {settings.BatchSize}, seed {settings.Seed}, threads {settings.Threads}; the test set is the validation data, as in the notes.");

        // On the console Fit draws Keras's live progress bar; another writer (the tests') gets a line per epoch instead,
        // because Fit's progress always goes to the console.
        bool console = ReferenceEquals(output, Console.Out);
        var history = network.Fit(train, settings.Epochs, settings.BatchSize, validation: test, verbose: console ? 1 : 0, seed: settings.Seed,
            callbacks: console ? [] : [new EpochPrinter(output)]);

        var result = network.Evaluate(test);
        output.WriteLine();
        output.WriteLine($"Test: loss {F(result.Loss, "0.0000")} - accuracy {F(result.Accuracy * 100, "0.00")}% ({Math.Round(result.Accuracy * result.Count):N0}/{result.Count:N0})");
        PrintPredictions(network, test, output, count: Math.Min(12, test.Count));

        double trainSeconds = history.Epochs.Sum(e => e.TrainingSeconds);
        double samplesPerSecond = train.Count * (double)history.Epochs.Count / Math.Max(trainSeconds, 1e-9);
        if (settings.PlotDirectory is not null)
        {
            string png = Path.Combine(settings.PlotDirectory, HistoryPlotName);
            string csv = Path.ChangeExtension(png, ".csv");
            history.SavePlot(png);
            history.SaveCsv(csv);
            output.WriteLine($"History (loss/val_loss, accuracy/val_accuracy) written to {png} and {csv}");
            if (result.Confusion is not null)
            {
                string confusion = Path.Combine(settings.PlotDirectory, ConfusionPlotName);
                result.Confusion.SavePlot(confusion, labels: Letters.Names);
                output.WriteLine($"Test confusion matrix (letters) written to {confusion}");
            }
        }

        if (settings.Json)
            output.WriteLine(ToJson(settings, train, test, result, trainSeconds, samplesPerSecond));
        return 0;
    }

    /// <summary>The message for a file that is not there: where the data set comes from and how to pass it.</summary>
    private static string? MissingFile(string path, string role)
    {
        if (File.Exists(path)) return null;
        return $"""
            error: the {role} file {Path.GetFullPath(path)} does not exist.
            Sign Language MNIST is a Kaggle dataset: download "datamunge/sign-language-mnist"
            (https://www.kaggle.com/datasets/datamunge/sign-language-mnist, or `kaggle datasets download -d datamunge/sign-language-mnist`),
            unzip it, and pass its two CSV files:
              dotnet run -c Release --project samples/SignLanguage -- --train sign_mnist_train.csv --test sign_mnist_test.csv
            """;
    }

    private static void CheckPixels(Dataset data, string path)
    {
        if (data.FeatureCount != Pixels)
            throw new InvalidDataException($"{path}: expected a label and {Pixels} pixel columns (28 × 28 images), found {data.FeatureCount} pixel columns.");
    }

    private static string LabelCounts(Dataset data)
    {
        var counts = new int[Letters.Count];
        foreach (int label in data.Labels) counts[label]++;
        return string.Join(" ", counts.Select((count, c) => $"{Letters.Name(c)} {count}"));
    }

    // Classes back to letters for people: the network's class 9 is label 10, the letter K.
    private static void PrintPredictions(INetwork network, Dataset test, TextWriter output, int count)
    {
        var predicted = network.PredictClasses(test.Slice(0, count));
        var line = new StringBuilder("The first test images: ");
        for (int i = 0; i < count; i++)
        {
            int truth = test.GetClass(i);
            line.Append(Letters.Name(predicted[i])).Append(predicted[i] == truth ? " ✓" : $" ✗ (true {Letters.Name(truth)})");
            if (i < count - 1) line.Append(", ");
        }
        output.WriteLine(line.ToString());
    }

    private static string ToJson(Settings settings, Dataset train, Dataset test, EvaluationResult result, double trainSeconds, double samplesPerSecond)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("model", "sign-language");
            json.WriteNumber("epochs", settings.Epochs);
            json.WriteNumber("batch_size", settings.BatchSize);
            json.WriteNumber("threads", settings.Threads);
            json.WriteNumber("seed", settings.Seed);
            json.WriteNumber("classes", Letters.Count);
            json.WriteString("letters", string.Concat(Letters.Names));
            json.WriteNumber("train_samples", train.Count);
            json.WriteNumber("test_samples", test.Count);
            json.WriteNumber("test_accuracy", Math.Round(result.Accuracy, 6));
            json.WriteNumber("test_loss", Math.Round(result.Loss, 6));
            json.WriteNumber("train_seconds", Math.Round(trainSeconds, 3));
            json.WriteNumber("train_samples_per_second", Math.Round(samplesPerSecond, 1));
            json.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    private static string F(double value, string format) => value.ToString(format, CultureInfo.InvariantCulture);
}
