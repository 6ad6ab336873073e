using System.Globalization;
using System.Text;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;

namespace CompiledNets.Benchmarks;

/// <summary>
/// The post-run table of <see cref="OnnxRuntimeBenchmarks"/>: one row per operation, network and thread count, with
/// ORT's median time over CompiledNets' (above 1: CompiledNets is faster) and each engine against the ceiling of its
/// row, the weight read for single-sample <c>Predict</c> (memory-bound on wide networks) and the FMA probe on as many
/// cores for <c>PredictBatch</c> (compute-bound).
/// </summary>
internal static class OnnxRuntimeReport
{
    public static string Markdown(IReadOnlyList<(Summary Summary, BenchmarkReport Report)> reports, double onePeak, double twoPeak)
    {
        var cases = reports.Where(x => x.Report.BenchmarkCase.Descriptor.Type == typeof(OnnxRuntimeBenchmarks)).ToList();
        if (cases.Count == 0) return "";
        var text = new StringBuilder();
        text.AppendLine("| operation | network | threads | CompiledNets | ONNX Runtime | ORT / CompiledNets | ceiling | CompiledNets / ORT at the ceiling |");
        text.AppendLine("|---|---|---:|---:|---:|---:|---|---:|");
        foreach (var group in cases.GroupBy(x => (Operation: Category(x.Report), Network: PerformanceReport.Network(x.Report), Threads: BenchmarkFlops.Threads(x.Report.BenchmarkCase)))
                     .OrderBy(g => g.Key.Operation).ThenBy(g => NetworkOrder(g.Key.Network)).ThenBy(g => g.Key.Threads))
        {
            var ours = Median(group, nameof(OnnxRuntimeBenchmarks.CompiledNetsPredict), nameof(OnnxRuntimeBenchmarks.CompiledNetsPredictBatch));
            var theirs = Median(group, nameof(OnnxRuntimeBenchmarks.OnnxRuntimePredict), nameof(OnnxRuntimeBenchmarks.OnnxRuntimePredictBatch));
            if (ours is not { } t || theirs is not { } o) continue;
            bool batch = group.Key.Operation == "PredictBatch";
            string operation = batch ? Invariant($"`PredictBatch` of {OnnxRuntimeBenchmarks.Samples:N0}") : "`Predict`, one sample";
            string ceiling = "", against = "";
            if (!batch && Median(group, nameof(OnnxRuntimeBenchmarks.WeightRead)) is { } read)
            {
                ceiling = Invariant($"weight read {PerformanceReport.Time(read)}");
                against = Invariant($"{100 * read / t:0} % / {100 * read / o:0} %");
            }
            else if (batch && (group.Key.Threads == 1 ? onePeak : twoPeak) is > 0 and var peak)
            {
                double flops = BenchmarkFlops.Of(Case(group, nameof(OnnxRuntimeBenchmarks.CompiledNetsPredictBatch))!) ?? 0;
                ceiling = Invariant($"FMA probe, {group.Key.Threads} core{(group.Key.Threads == 1 ? "" : "s")}");
                against = Invariant($"{100 * flops / t / peak:0} % / {100 * flops / o / peak:0} %");
            }
            text.AppendLine(Invariant($"| {operation} | {group.Key.Network} | {group.Key.Threads} | {PerformanceReport.Time(t)} | {PerformanceReport.Time(o)} | {o / t:0.00}× | {ceiling} | {against} |"));
        }
        return text.ToString();
    }

    private static double? Median(IEnumerable<(Summary Summary, BenchmarkReport Report)> group, params string[] methods) =>
        group.FirstOrDefault(x => methods.Contains(x.Report.BenchmarkCase.Descriptor.WorkloadMethod.Name)).Report?.ResultStatistics?.Median;

    private static BenchmarkCase? Case(IEnumerable<(Summary Summary, BenchmarkReport Report)> group, string method) =>
        group.FirstOrDefault(x => x.Report.BenchmarkCase.Descriptor.WorkloadMethod.Name == method).Report?.BenchmarkCase;

    private static string Category(BenchmarkReport report) => report.BenchmarkCase.Descriptor.Categories.FirstOrDefault() ?? "";

    /// <summary>The benchmark's order of its networks, so the table reads as the class declares them.</summary>
    private static int NetworkOrder(string network) => Array.IndexOf(OnnxRuntimeBenchmarks.Networks, network) is var i and >= 0 ? i : int.MaxValue;

    private static string Invariant(FormattableString text) => PerformanceReport.Invariant(text);
}
