using System.Globalization;

namespace CompiledNets;

/// <summary>
/// Reads label-plus-pixels CSV files such as Sign Language MNIST or the Kaggle MNIST CSVs: a header row, one
/// sample per line, the label in the column named <c>label</c> (or another name) and every other column a
/// feature. Files may be gzip-compressed (detected from the content). Malformed input throws
/// <see cref="InvalidDataException"/> naming the file, the line and the column.
/// </summary>
public static class CsvImageReader
{
    /// <summary>Initial capacity of the feature list (values), grown by doubling as rows are read.</summary>
    private const int InitialCapacity = 1 << 14;

    /// <summary>
    /// Reads <paramref name="path"/> into a labelled <see cref="Dataset"/>.
    /// </summary>
    /// <param name="path">The CSV file (comma-separated, header row first).</param>
    /// <param name="labelColumn">Header name of the label column (compared case-insensitively).</param>
    /// <param name="classCount">Number of classes; null uses the largest label + 1.</param>
    /// <param name="scale">Every feature is divided by this (255 maps 8-bit pixels to [0, 1]; 1 keeps raw values).</param>
    /// <param name="labelMap">
    /// When set, each label is replaced by its class in the map (Sign Language MNIST's 0-24 without 9 become 24 classes)
    /// and a label the map does not hold is reported with its line; the class count is the map's.
    /// </param>
    /// <exception cref="InvalidDataException">The file is empty, has no such label column, a row has the wrong number of cells, a cell is not a number, or a label is out of range or not in the map.</exception>
    /// <exception cref="ArgumentException"><paramref name="classCount"/> and <paramref name="labelMap"/> disagree on the number of classes.</exception>
    public static Dataset Read(string path, string labelColumn = "label", int? classCount = null, float scale = Normalization.PixelMax, LabelMap? labelMap = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(labelColumn);
        if (!(scale > 0) || !float.IsFinite(scale)) throw new ArgumentOutOfRangeException(nameof(scale), scale, "The scale must be a positive finite number.");
        if (classCount is <= 0) throw new ArgumentOutOfRangeException(nameof(classCount), classCount, "The class count must be positive.");
        if (labelMap is not null && classCount is not null && classCount != labelMap.ClassCount)
            throw new ArgumentException($"The class count {classCount} disagrees with the label map's {labelMap.ClassCount} classes; give one of them.", nameof(classCount));
        classCount ??= labelMap?.ClassCount;
        try
        {
            return ReadRows(path, labelColumn, classCount, scale, labelMap);
        }
        catch (InvalidDataException error) when (!error.Message.StartsWith(path, StringComparison.Ordinal))
        {
            // A file that starts with the gzip magic bytes is decompressed, and GZipStream's own errors do not name it.
            throw new InvalidDataException($"{path}: the gzip data is corrupt ({error.Message})", error);
        }
    }

    private static Dataset ReadRows(string path, string labelColumn, int? classCount, float scale, LabelMap? labelMap)
    {
        using var reader = new StreamReader(IdxReader.OpenMaybeGzip(path));
        string? header = reader.ReadLine();
        if (header is null) throw Invalid(path, 1, "the file is empty (expected a header row)");
        var names = header.Split(',');
        int labelIndex = -1;
        for (int c = 0; c < names.Length; c++)
        {
            names[c] = names[c].Trim().Trim('"');
            if (labelIndex < 0 && string.Equals(names[c], labelColumn, StringComparison.OrdinalIgnoreCase)) labelIndex = c;
        }
        if (labelIndex < 0)
            throw Invalid(path, 1, $"no column named '{labelColumn}' in the header (columns: {Preview(names)})");
        int featureCount = names.Length - 1;
        if (featureCount == 0) throw Invalid(path, 1, "the header has a label column but no feature columns");

        // Start small and let the lists grow with the rows actually read: a wide header must not reserve
        // memory for rows that never come (the capacity used to be featureCount × 1024).
        var features = new List<float>(Math.Min(featureCount, InitialCapacity));
        var labels = new List<int>(16);
        int lineNumber = 1;
        int maxLabel = -1;
        string? line;
        while ((line = reader.ReadLine()) is not null)
        {
            lineNumber++;
            if (line.Length == 0 || line.AsSpan().IsWhiteSpace()) continue;
            int column = 0;
            int start = 0;
            var text = line.AsSpan();
            while (true)
            {
                int comma = text[start..].IndexOf(',');
                var cell = comma < 0 ? text[start..] : text.Slice(start, comma);
                if (column >= names.Length)
                    throw Invalid(path, lineNumber, $"the row has more cells than the header's {names.Length} columns");
                cell = cell.Trim();
                if (column == labelIndex)
                {
                    if (!int.TryParse(cell, NumberStyles.Integer, CultureInfo.InvariantCulture, out int label))
                        throw Invalid(path, lineNumber, $"column {column + 1} ('{names[column]}'): the label '{cell}' is not an integer");
                    if (labelMap is not null)
                    {
                        if (!labelMap.Contains(label))
                            throw Invalid(path, lineNumber, $"column {column + 1} ('{names[column]}'): the label {label} is not one of the {labelMap.ClassCount} classes' labels ({labelMap})");
                        label = labelMap.ToClass(label);
                    }
                    else if (label < 0 || label >= classCount)
                        throw Invalid(path, lineNumber, $"column {column + 1} ('{names[column]}'): the label {label} is outside [0, {classCount?.ToString(CultureInfo.InvariantCulture) ?? "∞"})");
                    if (label == int.MaxValue)
                        throw Invalid(path, lineNumber, $"column {column + 1} ('{names[column]}'): the label {label} is too large for a class index (the class count would overflow)");
                    labels.Add(label);
                    maxLabel = Math.Max(maxLabel, label);
                }
                else
                {
                    if (!float.TryParse(cell, NumberStyles.Float, CultureInfo.InvariantCulture, out float value) || !float.IsFinite(value))
                        throw Invalid(path, lineNumber, $"column {column + 1} ('{names[column]}'): '{cell}' is not a number");
                    features.Add(value / scale);
                }
                column++;
                if (comma < 0) break;
                start += comma + 1;
            }
            if (column != names.Length)
                throw Invalid(path, lineNumber, $"the row has {column} cells but the header has {names.Length} columns");
        }
        if (labels.Count == 0) throw Invalid(path, lineNumber, "the file has a header but no data rows");
        int classes = classCount ?? maxLabel + 1;
        return Dataset.FromLabels(features.ToArray(), featureCount, labels.ToArray(), classes);
    }

    private static string Preview(string[] names) =>
        names.Length <= 5 ? string.Join(", ", names) : $"{string.Join(", ", names.Take(5))}, … ({names.Length} in all)";

    private static InvalidDataException Invalid(string path, int line, string problem) =>
        new($"{path}, line {line.ToString(CultureInfo.InvariantCulture)}: {problem}.");
}
