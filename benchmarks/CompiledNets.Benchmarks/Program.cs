using System.Globalization;
using System.Text;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using CompiledNets.Benchmarks;

// Usage: dotnet run -c Release --project benchmarks/CompiledNets.Benchmarks -- [--quick] [BenchmarkDotNet options]
//   --filter '*TrainBatch*'   any BenchmarkDotNet option works (BenchmarkSwitcher); without --filter it asks.
//   --quick                   a short in-process job (1 launch, 3 warm-ups, 5 iterations: a median of 5): everything in a few minutes.
// After the run, a Markdown "generated vs interpreted" table is printed (and written to
// BenchmarkDotNet.Artifacts/results/performance.md) with speed-ups, GFLOP/s and % of the FMA peak, all from medians.
bool quick = args.Contains("--quick");
args = args.Where(a => a != "--quick").ToArray();

IConfig config = DefaultConfig.Instance
    .AddDiagnoser(MemoryDiagnoser.Default)
    .AddColumn(StatisticColumn.Median, new GflopsColumn(), new PeakColumn());
if (quick)
    config = config.AddJob(Job.ShortRun.WithIterationCount(5).WithToolchain(InProcessEmitToolchain.Instance).WithId("Quick").AsDefault());

var summaries = BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args, config).ToList();
if (summaries.Count > 0)
{
    string report = PerformanceReport.Markdown(summaries);
    Console.WriteLine();
    Console.WriteLine(report);
    var directory = summaries[0].ResultsDirectoryPath;
    Directory.CreateDirectory(directory);
    File.WriteAllText(Path.Combine(directory, "performance.md"), report);
}

/// <summary>The post-run table: one row per benchmark and network, generated next to interpreted.</summary>
internal static class PerformanceReport
{
    public static string Markdown(IReadOnlyList<Summary> summaries)
    {
        var reports = summaries.SelectMany(s => s.Reports.Select(r => (Summary: s, Report: r))).Where(x => x.Report.ResultStatistics is not null).ToList();
        double probe = Probe(reports, threads: 1);
        double peak = probe > 0 ? probe : FmaPeak.MeasuredGflops();
        double bothCores = Probe(reports, threads: 2);
        var text = new StringBuilder();
        text.AppendLine(Invariant($"FMA peak probe ({FmaPeak.VectorName}, {FmaPeak.Chains} chains, 1 core): {peak:0.0} GFLOP/s{(probe > 0 ? "" : " (host stopwatch measurement)")}"));
        if (bothCores > 0)
            text.AppendLine(Invariant($"\nThe same probe on 2 cores at once: {bothCores:0.0} GFLOP/s ({bothCores / peak:0.00}× one core)."));
        text.AppendLine();
        var groups = reports.Where(x => x.Report.BenchmarkCase.Descriptor.WorkloadMethod.Name is "Generated" or "Interpreted")
            .GroupBy(x => (Type: x.Report.BenchmarkCase.Descriptor.Type.Name.Replace("Benchmarks", ""), Network: Network(x.Report))).ToList();
        if (groups.Count > 0)
        {
            text.AppendLine("| Benchmark | Network | Interpreted | Generated | Speed-up | Interp. GFLOP/s | Gen. GFLOP/s | Interp. % peak | Gen. % peak | Allocated (I / G) |");
            text.AppendLine("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|");
        }
        foreach (var group in groups)
        {
            var i = group.FirstOrDefault(x => x.Report.BenchmarkCase.Descriptor.WorkloadMethod.Name == "Interpreted");
            var g = group.FirstOrDefault(x => x.Report.BenchmarkCase.Descriptor.WorkloadMethod.Name == "Generated");
            if (i.Report is null || g.Report is null) continue;
            double ti = i.Report.ResultStatistics!.Median, tg = g.Report.ResultStatistics!.Median;
            double? fi = BenchmarkFlops.Gflops(i.Summary, i.Report.BenchmarkCase), fg = BenchmarkFlops.Gflops(g.Summary, g.Report.BenchmarkCase);
            string label = group.Key.Network + (group.Key.Type == "TrainBatch" ? Invariant($" (batch {BenchNets.TrainBatch(group.Key.Network)})") : "");
            text.AppendLine(Invariant($"| {group.Key.Type} | {label} | {Time(ti)} | {Time(tg)} | {ti / tg:0.0}× | {fi:0.00} | {fg:0.00} | {100 * fi / peak:0.0}% | {100 * fg / peak:0.0}% | {Bytes(i.Report)} / {Bytes(g.Report)} |"));
        }
        foreach (var (type, title) in new[] { (typeof(ThreadScalingBenchmarks), "Generated TrainBatch"), (typeof(PredictThreadScalingBenchmarks), "Generated Predict (one sample)") })
        {
            var scaling = reports.Where(x => x.Report.BenchmarkCase.Descriptor.Type == type).ToList();
            if (scaling.Count == 0) continue;
            bool training = type == typeof(ThreadScalingBenchmarks);
            text.AppendLine();
            text.AppendLine($"| {title} | 1 thread | 2 threads | 2 vs 1 | GFLOP/s (1 / 2) | % of one core's peak (1 thread) | % of two cores' peak (2 threads) |");
            text.AppendLine("|---|---:|---:|---:|---:|---:|---:|");
            foreach (var network in scaling.GroupBy(x => Network(x.Report)))
            {
                var one = network.FirstOrDefault(x => Equals(x.Report.BenchmarkCase.Parameters["Threads"], 1));
                var two = network.FirstOrDefault(x => Equals(x.Report.BenchmarkCase.Parameters["Threads"], 2));
                if (one.Report is null || two.Report is null) continue;
                double t1 = one.Report.ResultStatistics!.Median, t2 = two.Report.ResultStatistics!.Median;
                double? g1 = BenchmarkFlops.Gflops(one.Summary, one.Report.BenchmarkCase), g2 = BenchmarkFlops.Gflops(two.Summary, two.Report.BenchmarkCase);
                string label = training ? Invariant($"{network.Key} (batch {BenchNets.TrainBatch(network.Key)})") : network.Key;
                string twoCores = bothCores > 0 ? Invariant($"{100 * g2 / bothCores:0.0}%") : "-";
                text.AppendLine(Invariant($"| {label} | {Time(t1)} | {Time(t2)} | {t1 / t2:0.00}× | {g1:0.0} / {g2:0.0} | {100 * g1 / peak:0.0}% | {twoCores} |"));
            }
        }
        string onnx = OnnxRuntimeReport.Markdown(reports, peak, bothCores);
        if (onnx.Length > 0)
        {
            text.AppendLine();
            text.AppendLine("CompiledNets against ONNX Runtime on the same weights (medians; the last column: each engine's share of its row's ceiling):");
            text.AppendLine();
            text.Append(onnx);
        }
        foreach (var x in reports.Where(x => x.Report.BenchmarkCase.Descriptor.Type == typeof(GeneratorBenchmarks)))
            text.AppendLine(Invariant($"\nGenerator (fresh driver, deep network's declaration): {Time(x.Report.ResultStatistics!.Median)} per run, {Bytes(x.Report)} allocated."));
        return text.ToString();
    }

    /// <summary>The FMA probe's GFLOP/s on this many threads, 0 when it was not in the run.</summary>
    private static double Probe(List<(Summary Summary, BenchmarkReport Report)> reports, int threads) =>
        reports.Where(x => x.Report.BenchmarkCase.Descriptor.Type == typeof(FmaPeakBenchmarks) && BenchmarkFlops.Threads(x.Report.BenchmarkCase) == threads)
            .Select(x => BenchmarkFlops.Gflops(x.Summary, x.Report.BenchmarkCase) ?? 0).DefaultIfEmpty(0).Max();

    internal static string Network(BenchmarkReport report) =>
        report.BenchmarkCase.Parameters.Items.FirstOrDefault(p => p.Name == "Network")?.Value as string ?? "";

    private static string Bytes(BenchmarkReport report) =>
        report.GcStats.GetBytesAllocatedPerOperation(report.BenchmarkCase) is { } b ? Invariant($"{b} B") : "?";

    internal static string Time(double ns) => ns switch
    {
        < 1e3 => Invariant($"{ns:0.0} ns"),
        < 1e6 => Invariant($"{ns / 1e3:0.00} µs"),
        _ => Invariant($"{ns / 1e6:0.00} ms"),
    };

    internal static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
