using System.Globalization;
using System.Text;

namespace CompiledNets;

/// <summary>The metrics of one epoch. Metrics that were not computed are <see cref="float.NaN"/>.</summary>
/// <param name="Epoch">1-based epoch number.</param>
/// <param name="Loss">Mean training loss over the epoch (training mode, as the batches were seen).</param>
/// <param name="Accuracy">Training accuracy over the epoch (classification losses only).</param>
/// <param name="ValidationLoss">Loss on the validation data in inference mode.</param>
/// <param name="ValidationAccuracy">Accuracy on the validation data in inference mode.</param>
/// <param name="LearningRate">Learning rate used during the epoch.</param>
/// <param name="Seconds">Wall time of the epoch, validation included.</param>
public sealed record EpochMetrics(int Epoch, float Loss, float Accuracy, float ValidationLoss, float ValidationAccuracy, float LearningRate, double Seconds)
{
    /// <summary>The CSV columns of <see cref="AppendCsvRow"/>, shared by <c>History.ToCsv</c> and <c>CsvLogger</c>.</summary>
    internal const string CsvHeader = "epoch,loss,accuracy,val_loss,val_accuracy,lr,seconds";

    /// <summary>Appends this epoch as one CSV row (metrics not computed are empty cells) and a newline.</summary>
    internal void AppendCsvRow(StringBuilder text) =>
        text.Append(Epoch.ToString(CultureInfo.InvariantCulture)).Append(',')
            .Append(Cell(Loss)).Append(',').Append(Cell(Accuracy)).Append(',')
            .Append(Cell(ValidationLoss)).Append(',').Append(Cell(ValidationAccuracy)).Append(',')
            .Append(Cell(LearningRate)).Append(',')
            .Append(Seconds.ToString("0.###", CultureInfo.InvariantCulture)).Append('\n');

    private static string Cell(float value) => float.IsNaN(value) ? "" : value.ToString("R", CultureInfo.InvariantCulture);

    /// <summary>Wall time of the training batches alone (no validation): the basis of throughput figures. NaN when unknown.</summary>
    public double TrainingSeconds { get; init; } = double.NaN;

    /// <summary>Reads a metric by its Keras name: <c>loss</c>, <c>accuracy</c>, <c>val_loss</c>, <c>val_accuracy</c>, <c>lr</c>.</summary>
    public float this[string metric] => metric switch
    {
        "loss" => Loss,
        "accuracy" => Accuracy,
        "val_loss" => ValidationLoss,
        "val_accuracy" => ValidationAccuracy,
        "lr" or "learning_rate" => LearningRate,
        _ => throw new ArgumentException($"Unknown metric '{metric}'; expected loss, accuracy, val_loss, val_accuracy or lr.", nameof(metric)),
    };
}

/// <summary>What <c>Fit</c> returns: one <see cref="EpochMetrics"/> per completed epoch.</summary>
public sealed class History
{
    private readonly List<EpochMetrics> _epochs = new();

    /// <summary>Completed epochs in order.</summary>
    public IReadOnlyList<EpochMetrics> Epochs => _epochs;

    /// <summary>Training loss per epoch.</summary>
    public IReadOnlyList<float> Loss => _epochs.Select(e => e.Loss).ToArray();

    /// <summary>Training accuracy per epoch.</summary>
    public IReadOnlyList<float> Accuracy => _epochs.Select(e => e.Accuracy).ToArray();

    /// <summary>Validation loss per epoch.</summary>
    public IReadOnlyList<float> ValidationLoss => _epochs.Select(e => e.ValidationLoss).ToArray();

    /// <summary>Validation accuracy per epoch.</summary>
    public IReadOnlyList<float> ValidationAccuracy => _epochs.Select(e => e.ValidationAccuracy).ToArray();

    /// <summary>Learning rate per epoch.</summary>
    public IReadOnlyList<float> LearningRate => _epochs.Select(e => e.LearningRate).ToArray();

    /// <summary>Seconds per epoch.</summary>
    public IReadOnlyList<double> Seconds => _epochs.Select(e => e.Seconds).ToArray();

    /// <summary>True when training stopped before the requested number of epochs (a callback or cancellation).</summary>
    public bool StoppedEarly { get; internal set; }

    /// <summary>Why training stopped early, when it did (for a divergence: the non-finite loss, the epoch and the batch).</summary>
    public string? StopReason { get; internal set; }

    /// <summary>
    /// True when <c>Fit</c> stopped because a batch's loss was NaN or infinite (<see cref="StopReason"/> says where).
    /// The epoch that diverged is in <see cref="Epochs"/> when at least one of its batches had a finite loss.
    /// </summary>
    public bool Diverged { get; internal set; }

    /// <summary>Appends an epoch.</summary>
    public void Add(EpochMetrics epoch)
    {
        ArgumentNullException.ThrowIfNull(epoch);
        _epochs.Add(epoch);
    }

    /// <summary>CSV with a header row: <c>epoch,loss,accuracy,val_loss,val_accuracy,lr,seconds</c>; missing metrics are empty.</summary>
    public string ToCsv()
    {
        var text = new StringBuilder(EpochMetrics.CsvHeader).Append('\n');
        foreach (var e in _epochs) e.AppendCsvRow(text);
        return text.ToString();
    }

    /// <summary>Writes <see cref="ToCsv"/> to a file.</summary>
    public void SaveCsv(string path) => File.WriteAllText(path, ToCsv());

    /// <summary>
    /// A table of the epochs with the metrics the progress line shows, in its formats: the epoch, its time, the loss,
    /// then accuracy, val_loss and val_accuracy when they were computed (a cell is <c>-</c> for an epoch without it),
    /// and the learning rate; a last line says why training stopped early, when it did.
    /// </summary>
    /// <example>
    /// <code>
    /// epoch  time    loss  accuracy  val_loss  val_accuracy     lr
    ///     1  1.3s  0.5000    0.8000    0.4000        0.8500  0.001
    ///     2  1.5s  0.2500    0.9000    0.3000        0.8750  0.001
    /// </code>
    /// </example>
    public override string ToString()
    {
        if (_epochs.Count == 0) return "History: no epochs";
        var columns = new List<(string Header, Func<EpochMetrics, string> Cell)>
        {
            ("epoch", e => e.Epoch.ToString(CultureInfo.InvariantCulture)),
            ("time", e => MetricText.Seconds(e.Seconds)),
            ("loss", e => Cell(e.Loss)),
        };
        if (_epochs.Any(e => !float.IsNaN(e.Accuracy))) columns.Add(("accuracy", e => Cell(e.Accuracy)));
        if (_epochs.Any(e => !float.IsNaN(e.ValidationLoss))) columns.Add(("val_loss", e => Cell(e.ValidationLoss)));
        if (_epochs.Any(e => !float.IsNaN(e.ValidationAccuracy))) columns.Add(("val_accuracy", e => Cell(e.ValidationAccuracy)));
        columns.Add(("lr", e => MetricText.LearningRate(e.LearningRate)));

        var cells = _epochs.Select(e => columns.Select(c => c.Cell(e)).ToArray()).ToList();
        var widths = columns.Select((c, i) => Math.Max(c.Header.Length, cells.Max(row => row[i].Length))).ToArray();
        var text = new StringBuilder();
        void Row(IEnumerable<string> values) =>
            text.AppendJoin("  ", values.Select((value, i) => value.PadLeft(widths[i]))).Append('\n');
        Row(columns.Select(c => c.Header));
        foreach (var row in cells) Row(row);
        if (StoppedEarly) text.Append("stopped early").Append(StopReason is null ? "" : ": " + StopReason).Append('\n');
        return text.ToString();

        static string Cell(float value) => float.IsNaN(value) ? "-" : MetricText.Metric(value);
    }
}
