using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;

namespace CompiledNets.Benchmarks;

/// <summary>Useful FLOPs of one benchmark invocation (see <see cref="Flops"/>); null when the benchmark is not arithmetic.</summary>
public static class BenchmarkFlops
{
    public static double? Of(BenchmarkCase benchmark)
    {
        string? network = benchmark.Parameters.Items.FirstOrDefault(p => p.Name == "Network")?.Value as string;
        var type = benchmark.Descriptor.Type;
        if (type == typeof(TrainBatchBenchmarks) || type == typeof(ThreadScalingBenchmarks)) return Flops.Train(BenchNets.Summary(network!)) * BenchNets.TrainBatch(network!);
        if (type == typeof(PredictBenchmarks) || type == typeof(PredictThreadScalingBenchmarks)) return Flops.Forward(BenchNets.Summary(network!));
        if (type == typeof(PredictBatchBenchmarks)) return Flops.Forward(BenchNets.Summary(network!)) * PredictBatchBenchmarks.Samples;
        if (type == typeof(OnnxRuntimeBenchmarks) && benchmark.Descriptor.WorkloadMethod.Name == nameof(OnnxRuntimeBenchmarks.WeightRead)) return null;
        if (type == typeof(OnnxRuntimeBenchmarks))
            return Flops.Forward(BenchNets.Summary(network!)) * (benchmark.Descriptor.Categories.Contains("PredictBatch") ? OnnxRuntimeBenchmarks.Samples : 1);
        if (type == typeof(FmaPeakBenchmarks)) return FmaPeak.FlopsPer(FmaPeakBenchmarks.Iterations) * Threads(benchmark);
        return null;
    }

    /// <summary>The benchmark's <c>Threads</c> parameter, 1 when it has none.</summary>
    public static int Threads(BenchmarkCase benchmark) =>
        benchmark.Parameters.Items.FirstOrDefault(p => p.Name == "Threads")?.Value is int threads ? threads : 1;

    public static double? Gflops(Summary summary, BenchmarkCase benchmark)
    {
        var flops = Of(benchmark);
        var median = summary[benchmark]?.ResultStatistics?.Median; // nanoseconds
        return flops is { } f && median is { } ns && ns > 0 ? f / ns : null;
    }
}

/// <summary>Effective GFLOP/s: useful FLOPs over the median time (the robust figure on a shared, noisy machine).</summary>
public sealed class GflopsColumn : IColumn
{
    public string Id => nameof(GflopsColumn);
    public string ColumnName => "GFLOP/s";
    public bool AlwaysShow => true;
    public ColumnCategory Category => ColumnCategory.Custom;
    public int PriorityInCategory => 0;
    public bool IsNumeric => true;
    public UnitType UnitType => UnitType.Dimensionless;
    public string Legend => "Useful FLOPs (2·in·out per Dense layer forward, weight gradient, and input gradient but the first) / median time";
    public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;
    public bool IsAvailable(Summary summary) => true;
    public string GetValue(Summary summary, BenchmarkCase benchmarkCase) => GetValue(summary, benchmarkCase, SummaryStyle.Default);
    public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style) =>
        BenchmarkFlops.Gflops(summary, benchmarkCase) is { } g ? g.ToString("0.00", System.Globalization.CultureInfo.InvariantCulture) : "-";
}

/// <summary>Effective GFLOP/s as a percentage of the single-core FMA peak (<see cref="FmaPeak.MeasuredGflops"/>).</summary>
public sealed class PeakColumn : IColumn
{
    public string Id => nameof(PeakColumn);
    public string ColumnName => "% peak";
    public bool AlwaysShow => true;
    public ColumnCategory Category => ColumnCategory.Custom;
    public int PriorityInCategory => 1;
    public bool IsNumeric => true;
    public UnitType UnitType => UnitType.Dimensionless;
    public string Legend => "GFLOP/s over the FMA peak probe's GFLOP/s (measured in the host process)";
    public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;
    public bool IsAvailable(Summary summary) => true;
    public string GetValue(Summary summary, BenchmarkCase benchmarkCase) => GetValue(summary, benchmarkCase, SummaryStyle.Default);
    public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style) =>
        BenchmarkFlops.Gflops(summary, benchmarkCase) is { } g
            ? (100 * g / FmaPeak.MeasuredGflops()).ToString("0.0", System.Globalization.CultureInfo.InvariantCulture) + "%"
            : "-";
}
