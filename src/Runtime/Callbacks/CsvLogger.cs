using System.Globalization;
using System.Text;

namespace CompiledNets;

/// <summary>
/// Writes one CSV row per epoch as it ends (Keras' <c>keras.callbacks.CSVLogger</c>), flushed at once so the file
/// can be followed while training runs. The columns are those of <see cref="History.ToCsv"/>:
/// <c>epoch,loss,accuracy,val_loss,val_accuracy,lr,seconds</c>, missing metrics empty.
/// </summary>
/// <remarks>
/// The file is opened when training begins and closed when it ends. When <c>Fit</c> throws (cancellation), the
/// file stays open until <see cref="Dispose"/>; use the logger in a <c>using</c> declaration to be safe.
/// </remarks>
public sealed class CsvLogger : Callback, IDisposable
{
    /// <summary>The header row (without its newline).</summary>
    public const string Header = EpochMetrics.CsvHeader;

    private readonly StringBuilder _row = new(128);
    private StreamWriter? _writer;

    /// <summary>Creates the logger.</summary>
    /// <param name="path">The CSV file.</param>
    /// <param name="append">Append to an existing file (the header is written only when the file is new or empty) instead of overwriting it.</param>
    public CsvLogger(string path, bool append = false)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        Path = path;
        Append = append;
    }

    /// <summary>The CSV file.</summary>
    public string Path { get; }

    /// <summary>Whether rows are appended to an existing file.</summary>
    public bool Append { get; }

    /// <inheritdoc />
    public override void OnTrainBegin(TrainingContext context)
    {
        _writer?.Dispose();
        var stream = new FileStream(Path, Append ? FileMode.Append : FileMode.Create, FileAccess.Write, FileShare.Read);
        bool writeHeader = stream.Length == 0;
        _writer = new StreamWriter(stream, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false)) { NewLine = "\n" };
        if (writeHeader)
        {
            _writer.Write(Header);
            _writer.Write('\n');
            _writer.Flush();
        }
    }

    /// <inheritdoc />
    public override void OnEpochEnd(TrainingContext context, EpochMetrics metrics)
    {
        ArgumentNullException.ThrowIfNull(metrics);
        if (_writer is null) throw new InvalidOperationException("CsvLogger received an epoch before OnTrainBegin opened its file.");
        _row.Clear();
        metrics.AppendCsvRow(_row);
        _writer.Write(_row);
        _writer.Flush();
    }

    /// <inheritdoc />
    public override void OnTrainEnd(TrainingContext context) => Dispose();

    /// <summary>Closes the file if it is open.</summary>
    public void Dispose()
    {
        _writer?.Dispose();
        _writer = null;
    }

}
