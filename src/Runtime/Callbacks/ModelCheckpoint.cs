using System.Globalization;
using System.Text;

namespace CompiledNets;

/// <summary>
/// Saves the network as a <c>.safetensors</c> checkpoint (<see cref="Checkpoint.Save(INetwork, string)"/>) at the
/// end of epochs, with the semantics of Keras 3's <c>keras.callbacks.ModelCheckpoint</c>: every epoch, or only when
/// a monitored metric improves (<see cref="SaveBestOnly"/>).
/// </summary>
/// <remarks>
/// <para>
/// <b>File names.</b> <see cref="FilePath"/> may contain placeholders filled in per epoch: <c>{epoch}</c> (1-based,
/// as Keras writes it) and the metrics <c>{loss}</c>, <c>{accuracy}</c>, <c>{val_loss}</c>, <c>{val_accuracy}</c>,
/// <c>{lr}</c>. A placeholder may carry a format after a colon, either Python's as in Keras (<c>{epoch:02d}</c>,
/// <c>{val_loss:.4f}</c>) or .NET's (<c>{val_loss:F4}</c>); numbers are written with the invariant culture. Without
/// placeholders every save overwrites the same file. Use <c>{{</c> and <c>}}</c> for literal braces. The file's
/// directory is created when it does not exist. Each save is atomic (see <see cref="Checkpoint"/>).
/// </para>
/// <para>
/// <b>Best only.</b> With <see cref="SaveBestOnly"/>, an epoch is saved when its monitored value is strictly better
/// than the best so far (lower for <see cref="MonitorMode.Min"/>, higher for <see cref="MonitorMode.Max"/>; Keras
/// has no minimum delta here either). The best starts at <see cref="InitialValueThreshold"/> when one is given, so
/// nothing is saved until that value is beaten. A NaN value never counts as better. A monitored metric that is not
/// computed at all (<c>val_loss</c> without validation data, an accuracy on a regression loss) is a configuration
/// error and throws <see cref="InvalidOperationException"/>, as in <see cref="EarlyStopping"/> (Keras only warns and
/// never saves). Without <see cref="SaveBestOnly"/> the monitor is not read.
/// </para>
/// <para>
/// A checkpoint holds parameters, buffers, optimizer state, step and learning rate: <see cref="Checkpoint.Load(INetwork, string, IReadOnlyDictionary{string, string}?, bool)"/>
/// restores the network to the saved epoch and training can resume from there.
/// </para>
/// </remarks>
public sealed class ModelCheckpoint : Callback
{
    private static readonly string[] Placeholders = ["epoch", "loss", "accuracy", "val_loss", "val_accuracy", "lr", "learning_rate"];
    private readonly MonitoredMetric _monitor;
    private readonly List<Segment> _segments;
    private readonly List<string> _saved = new();

    /// <summary>Creates the callback.</summary>
    /// <param name="filePath">Where to save; may contain <c>{epoch}</c> and metric placeholders (see the remarks).</param>
    /// <param name="monitor">The metric that decides "best" with <paramref name="saveBestOnly"/>: <c>loss</c>, <c>accuracy</c>, <c>val_loss</c> or <c>val_accuracy</c>.</param>
    /// <param name="saveBestOnly">Save only the epochs whose monitored value beats the best so far; otherwise save every epoch.</param>
    /// <param name="mode">Whether lower or higher is better; <see cref="MonitorMode.Auto"/> infers it from the name.</param>
    /// <param name="initialValueThreshold">With <paramref name="saveBestOnly"/>: the value the first saved epoch must beat; null for none.</param>
    /// <exception cref="ArgumentException">An unknown metric or placeholder, or an unbalanced brace in <paramref name="filePath"/>.</exception>
    public ModelCheckpoint(string filePath, string monitor = "val_loss", bool saveBestOnly = false, MonitorMode mode = MonitorMode.Auto,
        float? initialValueThreshold = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(filePath);
        if (initialValueThreshold is float t && float.IsNaN(t))
            throw new ArgumentOutOfRangeException(nameof(initialValueThreshold), initialValueThreshold, "The threshold must not be NaN.");
        _monitor = new MonitoredMetric(nameof(ModelCheckpoint), monitor, mode);
        _segments = Parse(filePath);
        FilePath = filePath;
        SaveBestOnly = saveBestOnly;
        InitialValueThreshold = initialValueThreshold;
        Best = initialValueThreshold ?? _monitor.Worst;
    }

    /// <summary>The file path pattern.</summary>
    public string FilePath { get; }

    /// <summary>The monitored metric's name.</summary>
    public string Monitor => _monitor.Name;

    /// <summary>The resolved direction (<see cref="MonitorMode.Min"/> or <see cref="MonitorMode.Max"/>).</summary>
    public MonitorMode Mode => _monitor.Mode;

    /// <summary>Whether only improving epochs are saved.</summary>
    public bool SaveBestOnly { get; }

    /// <summary>The value the first saved epoch must beat (with <see cref="SaveBestOnly"/>); null for none.</summary>
    public float? InitialValueThreshold { get; }

    /// <summary>Best monitored value so far (with <see cref="SaveBestOnly"/>); the threshold, or infinitely bad, before any save.</summary>
    public float Best { get; private set; }

    /// <summary>1-based epoch of the last save; 0 before the first.</summary>
    public int LastSavedEpoch { get; private set; }

    /// <summary>The file written by the last save; null before the first.</summary>
    public string? LastSavedPath => _saved.Count == 0 ? null : _saved[^1];

    /// <summary>Every file written during the last training run, in order (a path repeats when it is overwritten).</summary>
    public IReadOnlyList<string> SavedPaths => _saved;

    /// <summary>The path the pattern gives for an epoch's metrics.</summary>
    public string FormatPath(EpochMetrics metrics)
    {
        ArgumentNullException.ThrowIfNull(metrics);
        var text = new StringBuilder(FilePath.Length + 16);
        foreach (var segment in _segments)
        {
            if (segment.Name is null)
            {
                text.Append(segment.Text);
                continue;
            }
            if (segment.Name == "epoch")
            {
                text.Append(metrics.Epoch.ToString(segment.Format, CultureInfo.InvariantCulture));
            }
            else
            {
                float value = metrics[segment.Name];
                text.Append(value.ToString(segment.Format, CultureInfo.InvariantCulture));
            }
        }
        return text.ToString();
    }

    /// <inheritdoc />
    public override void OnTrainBegin(TrainingContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (SaveBestOnly) _monitor.Begin(context.Network);
        Best = InitialValueThreshold ?? _monitor.Worst;
        LastSavedEpoch = 0;
        _saved.Clear();
    }

    /// <inheritdoc />
    public override void OnEpochEnd(TrainingContext context, EpochMetrics metrics)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(metrics);
        if (SaveBestOnly)
        {
            float current = _monitor.Read(metrics);
            if (!_monitor.IsImprovement(current, Best, 0)) return;
            Best = current;
        }
        string path = FormatPath(metrics);
        string? directory = Path.GetDirectoryName(Path.GetFullPath(path));
        if (!string.IsNullOrEmpty(directory)) Directory.CreateDirectory(directory);
        context.Network.Save(path);
        LastSavedEpoch = metrics.Epoch;
        _saved.Add(path);
    }

    private readonly record struct Segment(string? Text, string? Name, string? Format);

    private static List<Segment> Parse(string pattern)
    {
        var segments = new List<Segment>();
        var literal = new StringBuilder();
        for (int i = 0; i < pattern.Length; i++)
        {
            char c = pattern[i];
            if (c == '}')
            {
                if (i + 1 < pattern.Length && pattern[i + 1] == '}') { literal.Append('}'); i++; continue; }
                throw new ArgumentException($"Unbalanced '}}' at position {i} of the file path '{pattern}'; write '}}}}' for a literal brace.", "filePath");
            }
            if (c != '{')
            {
                literal.Append(c);
                continue;
            }
            if (i + 1 < pattern.Length && pattern[i + 1] == '{') { literal.Append('{'); i++; continue; }
            int end = pattern.IndexOf('}', i + 1);
            if (end < 0) throw new ArgumentException($"Unclosed '{{' at position {i} of the file path '{pattern}'; write '{{{{' for a literal brace.", "filePath");
            string body = pattern[(i + 1)..end];
            int colon = body.IndexOf(':');
            string name = colon < 0 ? body : body[..colon];
            string? format = colon < 0 ? null : NetFormat(body[(colon + 1)..], name == "epoch");
            if (Array.IndexOf(Placeholders, name) < 0)
                throw new ArgumentException($"Unknown placeholder '{{{name}}}' in the file path '{pattern}'; expected one of: {string.Join(", ", Placeholders.Select(p => "{" + p + "}"))}.", "filePath");
            if (literal.Length > 0) { segments.Add(new Segment(literal.ToString(), null, null)); literal.Clear(); }
            segments.Add(new Segment(null, name, format));
            i = end;
        }
        if (literal.Length > 0) segments.Add(new Segment(literal.ToString(), null, null));
        return segments;
    }

    /// <summary>Python's <c>02d</c>, <c>.4f</c>, <c>.3e</c> as .NET format strings; anything else is taken as a .NET format.</summary>
    private static string? NetFormat(string spec, bool integer)
    {
        if (spec.Length == 0) return null;
        string digits = spec.Length > 1 ? spec[..^1].TrimStart('.') : "";
        bool numeric = digits.All(char.IsAsciiDigit);
        if (spec[^1] == 'd' && numeric && !spec.StartsWith('.'))
            return spec.StartsWith('0') && digits.Length > 1 ? "D" + digits[1..] : integer ? "D" : "0";
        if (spec[0] == '.' && digits.Length > 0 && numeric)
        {
            int places = int.Parse(digits, CultureInfo.InvariantCulture);
            if (spec[^1] == 'f') return "F" + digits;
            if (spec[^1] == 'e') return (places > 0 ? "0." + new string('0', places) : "0") + "e+00";
        }
        return spec;
    }
}
