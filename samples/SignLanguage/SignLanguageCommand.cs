using System.CommandLine;

namespace SignLanguageSample;

/// <summary>The command line, writing to the given writers so the tests can run it in process.</summary>
internal static class SignLanguageCommand
{
    public static int Invoke(string[] args, TextWriter output, TextWriter error)
    {
        var train = new Option<FileInfo>("--train")
        {
            Description = "sign_mnist_train.csv of the Kaggle dataset datamunge/sign-language-mnist (label,pixel1,...,pixel784).",
            DefaultValueFactory = _ => new FileInfo("sign_mnist_train.csv"),
        };
        var test = new Option<FileInfo>("--test")
        {
            Description = "sign_mnist_test.csv of the same dataset; also the validation data, as in the lecture notes.",
            DefaultValueFactory = _ => new FileInfo("sign_mnist_test.csv"),
        };
        var epochs = new Option<int>("--epochs") { Description = "Passes over the training data.", DefaultValueFactory = _ => 20 };
        var batch = new Option<int>("--batch-size") { Description = "Samples per optimizer step (Keras's default: 32).", DefaultValueFactory = _ => 32 };
        var seed = new Option<int>("--seed") { Description = "Seed of the weight initialisation and the shuffling.", DefaultValueFactory = _ => 1 };
        var threads = new Option<int>("--threads")
        {
            Description = "Threads sharing each matrix product (default: all cores); results are identical for any count.",
            DefaultValueFactory = _ => Environment.ProcessorCount,
        };
        var plot = new Option<DirectoryInfo?>("--plot") { Description = $"Write {SignLanguageApp.LabelPlotName} (images per letter), {SignLanguageApp.HistoryPlotName} (loss and accuracy per epoch, and its CSV) and {SignLanguageApp.ConfusionPlotName} (test letters) into this directory." };
        var json = new Option<bool>("--json") { Description = "Print the results as one JSON object on the last line." };

        foreach (var option in new[] { epochs, threads })
            option.Validators.Add(result =>
            {
                if (result.GetValueOrDefault<int>() < 1) result.AddError($"{result.Option.Name} must be at least 1.");
            });
        batch.Validators.Add(result =>
        {
            int value = result.GetValueOrDefault<int>();
            if (value is < 1 or > 1024) result.AddError($"--batch-size must be in [1, 1024], not {value}.");
        });

        var root = new RootCommand("Trains the lecture notes' 784-1024-512-256-24 network on Kaggle's Sign Language MNIST (the letters A-Y without J).")
        {
            train, test, epochs, batch, seed, threads, plot, json,
        };
        root.SetAction(parse => SignLanguageApp.Run(new Settings(
            parse.GetValue(train)!.FullName,
            parse.GetValue(test)!.FullName,
            parse.GetValue(epochs),
            parse.GetValue(batch),
            parse.GetValue(seed),
            parse.GetValue(threads),
            parse.GetValue(plot)?.FullName,
            parse.GetValue(json)), output, error));
        return root.Parse(args).Invoke(new InvocationConfiguration { Output = output, Error = error });
    }
}
