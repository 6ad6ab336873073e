using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using CompiledNets;
using MnistSample;

// MNIST with a compiled network: the program a new user runs first.
//   dotnet run -c Release --project samples/Mnist -- --model small --epochs 5

var modelOption = new Option<string>("--model")
{
    Description = "Which compiled network to train: small (784-128-10), deep (784-1024-512-256-10), cnn (Keras's mnist_convnet), lenet (LeNet-5) or resnet (a small residual convnet).",
    DefaultValueFactory = _ => "small",
};
modelOption.AcceptOnlyFromAmong("small", "deep", "cnn", "lenet", "resnet");
var epochsOption = new Option<int>("--epochs") { Description = "Passes over the training data.", DefaultValueFactory = _ => 5 };
var batchOption = new Option<int>("--batch-size") { Description = "Samples per optimizer step (1-256).", DefaultValueFactory = _ => 32 };
var threadsOption = new Option<int>("--threads")
{
    Description = "Threads sharing each matrix product (default: all cores); results are identical for any count.",
    DefaultValueFactory = _ => Environment.ProcessorCount,
};
var seedOption = new Option<int>("--seed") { Description = "Seed of the weight initialisation, the validation split and the shuffling.", DefaultValueFactory = _ => 1 };
var dataOption = new Option<DirectoryInfo?>("--data")
{
    Description = "A directory holding the four MNIST IDX files (raw or .gz). Default: the cache folder, downloaded on first use.",
};
var saveOption = new Option<FileInfo?>("--save") { Description = "Write a checkpoint (.safetensors) of the trained network to this path." };
var plotOption = new Option<DirectoryInfo?>("--plot") { Description = "Write the training history (PNG chart and CSV) into this directory." };
var jsonOption = new Option<bool>("--json") { Description = "Print the results as one JSON object on the last line." };
var augmentOption = new Option<bool>("--augment")
{
    Description = "Shift and rotate every training image a little (seeded ImageAugmentation); validation and test images are never changed.",
};

epochsOption.Validators.Add(result =>
{
    if (result.GetValueOrDefault<int>() < 1) result.AddError("--epochs must be at least 1.");
});
batchOption.Validators.Add(result =>
{
    int value = result.GetValueOrDefault<int>();
    if (value is < 1 or > 256) result.AddError($"--batch-size must be in [1, 256] (the networks' MaxBatchSize), not {value}.");
});
threadsOption.Validators.Add(result =>
{
    if (result.GetValueOrDefault<int>() < 1) result.AddError("--threads must be at least 1.");
});

var root = new RootCommand("Trains a compiled network on MNIST and reports accuracy and throughput.")
{
    modelOption, epochsOption, batchOption, threadsOption, seedOption, dataOption, saveOption, plotOption, jsonOption, augmentOption,
};
root.SetAction(parse => Run(new Settings(
    parse.GetValue(modelOption)!,
    parse.GetValue(epochsOption),
    parse.GetValue(batchOption),
    parse.GetValue(threadsOption),
    parse.GetValue(seedOption),
    parse.GetValue(dataOption)?.FullName,
    parse.GetValue(saveOption)?.FullName,
    parse.GetValue(plotOption)?.FullName,
    parse.GetValue(jsonOption),
    parse.GetValue(augmentOption))));
return root.Parse(args).Invoke();

static int Run(Settings settings)
{
    Console.OutputEncoding = Encoding.UTF8;
    MnistData data;
    try
    {
        if (settings.DataDirectory is null)
        {
            Console.WriteLine($"Loading MNIST from {Mnist.DefaultDirectory} (downloaded on first use) ...");
            data = Mnist.Load();
        }
        else
        {
            Console.WriteLine($"Loading MNIST from {settings.DataDirectory} ...");
            data = Mnist.Load(settings.DataDirectory);
        }
    }
    catch (Exception error) when (error is IOException or InvalidDataException or UnauthorizedAccessException)
    {
        Console.Error.WriteLine($"error: {error.Message}");
        return 2;
    }

    // 10% of the training set is held out as validation data (seeded), reported after every epoch.
    var (train, validation) = data.Train.Split(0.1, settings.Seed);
    Console.WriteLine($"{train.Count:N0} training, {validation.Count:N0} validation and {data.Test.Count:N0} test samples.");

    // The training buffers are sized for the batch: what the network allocates is its whole training memory.
    long allocatedBefore = GC.GetAllocatedBytesForCurrentThread();
    INetwork network = settings.Model switch
    {
        "deep" => new DeepMnistNet(settings.Seed, settings.BatchSize) { Threads = settings.Threads },
        "cnn" => new ConvMnistNet(settings.Seed, settings.BatchSize) { Threads = settings.Threads },
        "lenet" => new LeNet(settings.Seed, settings.BatchSize) { Threads = settings.Threads },
        "resnet" => new ResidualMnistNet(settings.Seed, settings.BatchSize) { Threads = settings.Threads },
        _ => new SmallMnistNet(settings.Seed, settings.BatchSize) { Threads = settings.Threads },
    };
    double networkMegabytes = (GC.GetAllocatedBytesForCurrentThread() - allocatedBefore) / 1e6;
    Console.WriteLine();
    Console.WriteLine($"Model '{settings.Model}': {settings.Epochs} epochs, batch size {settings.BatchSize}, seed {settings.Seed}, threads {settings.Threads}" +
        (settings.Augment ? ", augmented" : ""));
    Console.WriteLine(network.Summary.ToString());
    Console.WriteLine($"Memory: {F(networkMegabytes, "0.0")} MB for the parameters, optimizer state and training buffers of batches of {settings.BatchSize}");

    BatchTransform? augment = settings.Augment ? new ImageAugmentation(seed: settings.Seed).Transform : null;
    var history = network.Fit(train, settings.Epochs, settings.BatchSize, validation: validation, verbose: 1, seed: settings.Seed, transform: augment);

    var test = network.Evaluate(data.Test);
    Console.WriteLine();
    Console.WriteLine($"Test: loss {F(test.Loss, "0.0000")} - accuracy {F(test.Accuracy * 100, "0.00")}% ({Math.Round(test.Accuracy * test.Count):N0}/{test.Count:N0})");

    DrawDigits(network, data.Test, count: Math.Clamp(TerminalWidth() / (Mnist.ImageSize + 2), 1, 6));

    double trainSeconds = history.Epochs.Sum(e => e.TrainingSeconds);
    double samplesPerSecond = train.Count * (double)history.Epochs.Count / Math.Max(trainSeconds, 1e-9);
    double predictMicroseconds = MeasurePredict(network, data.Test);
    Console.WriteLine($"Throughput: training {F(samplesPerSecond, "N0")} samples/s ({F(trainSeconds, "0.0")} s of training batches in {history.Epochs.Count} epochs); " +
        $"single-sample Predict {F(predictMicroseconds, "0.00")} µs (median of 5 × 10,000 calls)");

    // small and deep also predict through a twin that reads bfloat16 weights: both accuracies counted with single-sample Predict.
    BFloat16Comparison? bfloat16 = null;
    if (BFloat16Twin(settings.Model, settings.Threads) is { } twin)
    {
        network.Parameters.CopyTo(twin.Parameters);
        bfloat16 = new BFloat16Comparison(PredictAccuracy(network, data.Test), PredictAccuracy(twin, data.Test), MeasurePredict(twin, data.Test));
        Console.WriteLine($"bfloat16 weights: test accuracy {F(bfloat16.Accuracy * 100, "0.00")}% (float32 {F(bfloat16.Float32Accuracy * 100, "0.00")}%, both by Predict); " +
            $"single-sample Predict {F(bfloat16.PredictMicroseconds, "0.00")} µs");
    }

    if (settings.PlotDirectory is not null)
    {
        Directory.CreateDirectory(settings.PlotDirectory);
        string png = Path.Combine(settings.PlotDirectory, $"mnist-{settings.Model}-history.png");
        string csv = Path.Combine(settings.PlotDirectory, $"mnist-{settings.Model}-history.csv");
        history.SavePlot(png);
        history.SaveCsv(csv);
        Console.WriteLine($"History written to {png} and {csv}");
        if (test.Confusion is not null)
        {
            string confusion = Path.Combine(settings.PlotDirectory, $"mnist-{settings.Model}-confusion.png");
            test.Confusion.SavePlot(confusion);
            Console.WriteLine($"Test confusion matrix written to {confusion}");
        }
    }

    if (settings.SavePath is not null)
    {
        network.Save(settings.SavePath);
        Console.WriteLine($"Checkpoint written to {settings.SavePath} (safetensors)");
    }

    if (settings.Json)
        Console.WriteLine(ToJson(settings, test, trainSeconds, samplesPerSecond, predictMicroseconds, bfloat16));
    return 0;
}

// Draws test digits as Unicode shading (two pixel rows per text line) with the predicted and true labels.
static void DrawDigits(INetwork network, Dataset test, int count)
{
    const string Shades = " ░▒▓█";
    const int Size = Mnist.ImageSize;
    var predicted = network.PredictClasses(test.Slice(0, count));
    Console.WriteLine();
    Console.WriteLine("The first test digits:");
    var line = new StringBuilder();
    for (int row = 0; row < Size; row += 2)
    {
        line.Clear();
        for (int digit = 0; digit < count; digit++)
        {
            var pixels = test.GetFeatures(digit);
            for (int column = 0; column < Size; column++)
            {
                float value = (pixels[row * Size + column] + pixels[(row + 1) * Size + column]) / 2;
                line.Append(Shades[Math.Min((int)(value * Shades.Length), Shades.Length - 1)]);
            }
            line.Append("  ");
        }
        Console.WriteLine(line.ToString().TrimEnd());
    }
    line.Clear();
    for (int digit = 0; digit < count; digit++)
    {
        int truth = test.GetClass(digit);
        line.Append($"predicted {predicted[digit]}, true {truth} {(predicted[digit] == truth ? "✓" : "✗")}".PadRight(Size + 2));
    }
    Console.WriteLine(line.ToString().TrimEnd());
    Console.WriteLine();
}

// Median over 5 repetitions of the mean time of 10,000 single-sample Predict calls, after a warm-up.
static double MeasurePredict(INetwork network, Dataset test)
{
    const int Calls = 10_000, Repetitions = 5;
    var output = new float[network.OutputSize];
    int samples = Math.Min(test.Count, 1000);
    for (int i = 0; i < 2_000; i++) network.Predict(test.GetFeatures(i % samples), output);
    var times = new double[Repetitions];
    for (int r = 0; r < Repetitions; r++)
    {
        long start = Stopwatch.GetTimestamp();
        for (int i = 0; i < Calls; i++) network.Predict(test.GetFeatures(i % samples), output);
        times[r] = Stopwatch.GetElapsedTime(start).TotalMicroseconds / Calls;
    }
    Array.Sort(times);
    return times[Repetitions / 2];
}

// The bfloat16-inference twin of a model that has one (the same layers, so the trained parameters copy over).
static INetwork? BFloat16Twin(string model, int threads) => model switch
{
    "small" => new SmallMnistNetBFloat16(0) { Threads = threads },
    "deep" => new DeepMnistNetBFloat16(0) { Threads = threads },
    _ => null,
};

// The fraction of samples whose largest single-sample Predict output is their class.
static double PredictAccuracy(INetwork network, Dataset data)
{
    var output = new float[network.OutputSize];
    int correct = 0;
    for (int i = 0; i < data.Count; i++)
    {
        network.Predict(data.GetFeatures(i), output);
        if (output.AsSpan().IndexOf(output.Max()) == data.GetClass(i)) correct++;
    }
    return correct / (double)data.Count;
}

static string ToJson(Settings settings, EvaluationResult test, double trainSeconds, double samplesPerSecond, double predictMicroseconds, BFloat16Comparison? bfloat16)
{
    using var buffer = new MemoryStream();
    using (var json = new Utf8JsonWriter(buffer))
    {
        json.WriteStartObject();
        json.WriteString("model", settings.Model);
        json.WriteNumber("epochs", settings.Epochs);
        json.WriteNumber("batch_size", settings.BatchSize);
        json.WriteNumber("threads", settings.Threads);
        json.WriteNumber("test_accuracy", Math.Round(test.Accuracy, 6));
        json.WriteNumber("test_loss", Math.Round(test.Loss, 6));
        json.WriteNumber("train_seconds", Math.Round(trainSeconds, 3));
        json.WriteNumber("train_samples_per_second", Math.Round(samplesPerSecond, 1));
        json.WriteNumber("predict_single_us", Math.Round(predictMicroseconds, 3));
        if (bfloat16 is not null)
        {
            json.WriteNumber("predict_test_accuracy", Math.Round(bfloat16.Float32Accuracy, 6));
            json.WriteNumber("bf16_test_accuracy", Math.Round(bfloat16.Accuracy, 6));
            json.WriteNumber("bf16_predict_single_us", Math.Round(bfloat16.PredictMicroseconds, 3));
        }
        json.WriteEndObject();
    }
    return Encoding.UTF8.GetString(buffer.ToArray());
}

// A redirected output is assumed 120 columns wide; a terminal reports its own width.
static int TerminalWidth()
{
    if (Console.IsOutputRedirected) return 120;
    try { return Console.WindowWidth > 0 ? Console.WindowWidth : 80; }
    catch (IOException) { return 80; }
}

static string F(double value, string format) => value.ToString(format, CultureInfo.InvariantCulture);

/// <summary>The parsed command line.</summary>
internal sealed record Settings(string Model, int Epochs, int BatchSize, int Threads, int Seed,
    string? DataDirectory, string? SavePath, string? PlotDirectory, bool Json, bool Augment);

/// <summary>Test accuracy by single-sample Predict with float32 and bfloat16 weights, and the bfloat16 twin's Predict time.</summary>
internal sealed record BFloat16Comparison(double Float32Accuracy, double Accuracy, double PredictMicroseconds);
