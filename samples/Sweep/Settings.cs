namespace SweepSample;

/// <summary>The parsed command line.</summary>
internal sealed record Settings
{
    public int Silos { get; init; } = 2;
    public bool SiloOnly { get; init; }
    public string? Join { get; init; }
    public int? Port { get; init; }
    public int Trials { get; init; } = 4;
    public int Epochs { get; init; } = 2;
    public string[] Models { get; init; } = ["small"];
    public int Seed { get; init; } = 1;
    public bool Halving { get; init; }
    public int Ensemble { get; init; }
    public string? DataParallel { get; init; }
    public int Workers { get; init; } = 2;
    public int Steps { get; init; } = 200;
    public int BatchSize { get; init; } = 64;
    public int? SyncEvery { get; init; }
    public int Threads { get; init; } = 1;
    public string? DataDirectory { get; init; }
    public string? Name { get; init; }
    public string? SavePath { get; init; }
    public bool Json { get; init; }
    public bool Verbose { get; init; }
}
