namespace SignLanguageSample;

/// <summary>The parsed command line.</summary>
internal sealed record Settings(string TrainPath, string TestPath, int Epochs, int BatchSize, int Seed, int Threads,
    string? PlotDirectory, bool Json);
