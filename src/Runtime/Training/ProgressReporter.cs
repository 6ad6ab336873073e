using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace CompiledNets;

/// <summary>
/// Prints training progress: a live, redrawn bar on a terminal (verbose 1), one line per epoch otherwise
/// (verbose 2, or verbose 1 with output redirected), nothing at verbose 0.
/// </summary>
internal sealed class ProgressReporter
{
    private const int BarWidth = 30;
    private static readonly TimeSpan RedrawInterval = TimeSpan.FromMilliseconds(100);
    private readonly int _verbose;
    private readonly int _epochs;
    private readonly int _batches;
    private readonly int _samples;
    private readonly bool _live;
    private readonly Stopwatch _clock = new();
    private readonly StringBuilder _line = new(160);
    private TimeSpan _lastDraw;
    private int _epoch;

    public ProgressReporter(int verbose, int epochs, int batches, int samples)
    {
        _verbose = verbose;
        _epochs = epochs;
        _batches = batches;
        _samples = samples;
        _live = verbose == 1 && !Console.IsOutputRedirected;
    }

    public void StartEpoch(int epoch)
    {
        _epoch = epoch;
        _clock.Restart();
        _lastDraw = TimeSpan.Zero;
        if (_verbose == 0) return;
        Console.Out.WriteLine($"Epoch {epoch + 1}/{_epochs}");
    }

    public void Batch(int done, int seen, double loss, double accuracy)
    {
        if (!_live) return;
        var now = _clock.Elapsed;
        if (done < _batches && now - _lastDraw < RedrawInterval) return;
        _lastDraw = now;
        double rate = seen / Math.Max(now.TotalSeconds, 1e-9);
        double left = (_samples - seen) / Math.Max(rate, 1e-9);
        int filled = (int)((long)BarWidth * done / _batches);
        _line.Clear();
        _line.Append('\r').Append(done.ToString(CultureInfo.InvariantCulture).PadLeft(_batches.ToString(CultureInfo.InvariantCulture).Length))
            .Append('/').Append(_batches).Append(" [")
            .Append('=', Math.Max(filled - 1, 0)).Append(filled > 0 ? (done == _batches ? "=" : ">") : "").Append('.', BarWidth - filled)
            .Append("] ").Append(Format(rate, "0")).Append(" samples/s - ETA ").Append(Format(left, "0")).Append("s - loss: ").Append(MetricText.Metric(loss));
        if (!double.IsNaN(accuracy)) _line.Append(" - accuracy: ").Append(MetricText.Metric(accuracy));
        _line.Append("   ");
        Console.Out.Write(_line);
    }

    public void EndEpoch(EpochMetrics metrics)
    {
        if (_verbose == 0) return;
        if (_live) Console.Out.WriteLine();
        _line.Clear();
        _line.Append(MetricText.Seconds(metrics.Seconds)).Append(" - ").Append(Format(_samples / Math.Max(metrics.Seconds, 1e-9), "0")).Append(" samples/s - loss: ").Append(MetricText.Metric(metrics.Loss));
        if (!float.IsNaN(metrics.Accuracy)) _line.Append(" - accuracy: ").Append(MetricText.Metric(metrics.Accuracy));
        if (!float.IsNaN(metrics.ValidationLoss)) _line.Append(" - val_loss: ").Append(MetricText.Metric(metrics.ValidationLoss));
        if (!float.IsNaN(metrics.ValidationAccuracy)) _line.Append(" - val_accuracy: ").Append(MetricText.Metric(metrics.ValidationAccuracy));
        _line.Append(" - lr: ").Append(MetricText.LearningRate(metrics.LearningRate));
        Console.Out.WriteLine(_line);
    }

    public void Message(string text)
    {
        if (_verbose > 0) Console.Out.WriteLine(text);
    }

    private static string Format(double value, string format) => value.ToString(format, CultureInfo.InvariantCulture);
}
