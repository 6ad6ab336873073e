namespace CompiledNets;

/// <summary>
/// One-hot encoding of integer class labels. <see cref="Dataset.FromLabels"/> expands labels per batch and is
/// the memory-friendly choice for training; these helpers are for code that wants the dense matrix.
/// </summary>
public static class OneHot
{
    /// <summary>Row-major <c>[labels.Length, classes]</c> targets: row <c>i</c> is 1 at column <c>labels[i]</c>, 0 elsewhere.</summary>
    /// <exception cref="ArgumentException">A label is outside <c>[0, classes)</c>.</exception>
    public static float[] Encode(int[] labels, int classes)
    {
        ArgumentNullException.ThrowIfNull(labels);
        if (classes <= 0) throw new ArgumentOutOfRangeException(nameof(classes), classes, "The class count must be positive.");
        var targets = new float[(long)labels.Length * classes];
        Encode(labels, classes, targets);
        return targets;
    }

    /// <summary>Writes the one-hot rows of <paramref name="labels"/> into <paramref name="destination"/> (<c>[labels.Length, classes]</c>).</summary>
    /// <exception cref="ArgumentException">A label is outside <c>[0, classes)</c> or the destination has the wrong length.</exception>
    public static void Encode(ReadOnlySpan<int> labels, int classes, Span<float> destination)
    {
        if (classes <= 0) throw new ArgumentOutOfRangeException(nameof(classes), classes, "The class count must be positive.");
        if (destination.Length != (long)labels.Length * classes)
            throw new ArgumentException($"The destination holds {destination.Length} values; {labels.Length} labels × {classes} classes need {(long)labels.Length * classes}.", nameof(destination));
        destination.Clear();
        for (int i = 0; i < labels.Length; i++)
        {
            int label = labels[i];
            if ((uint)label >= (uint)classes)
                throw new ArgumentException($"Label {label} at index {i} is outside [0, {classes}).", nameof(labels));
            destination[i * classes + label] = 1f;
        }
    }

    /// <summary>The class of each one-hot (or probability) row: the index of its largest value.</summary>
    public static int[] Decode(ReadOnlySpan<float> targets, int classes)
    {
        if (classes <= 0) throw new ArgumentOutOfRangeException(nameof(classes), classes, "The class count must be positive.");
        if (targets.Length % classes != 0)
            throw new ArgumentException($"{targets.Length} values are not a whole number of rows of {classes}.", nameof(targets));
        var labels = new int[targets.Length / classes];
        for (int i = 0; i < labels.Length; i++) labels[i] = Metrics.ArgMax(targets.Slice(i * classes, classes));
        return labels;
    }
}
