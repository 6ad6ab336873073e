using System.Globalization;
using ScottPlot;

namespace CompiledNets;

/// <summary>A bar chart of how many samples each class has: the first look at a labelled data set.</summary>
public static class ClassDistributionPlot
{
    /// <summary>
    /// Writes a PNG with one bar per class, labelled with its count, so an unbalanced data set shows before training.
    /// Written to a temporary file, then renamed.
    /// </summary>
    /// <param name="data">Labelled samples (or one-hot targets: each sample counts for its largest target).</param>
    /// <param name="path">The PNG file to write (its folder must exist).</param>
    /// <param name="classNames">A name per class for the axis (letters, digits); null numbers them from 0.</param>
    /// <param name="title">The chart's title.</param>
    /// <param name="width">Image width in pixels.</param>
    /// <param name="height">Image height in pixels.</param>
    public static void SaveClassDistributionPlot(this Dataset data, string path, IReadOnlyList<string>? classNames = null,
        string title = "Samples per class", int width = 1000, int height = 420)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(path);
        if (width < 100 || height < 100) throw new ArgumentOutOfRangeException(nameof(width), $"The image must be at least 100 × 100 pixels, not {width} × {height}.");
        int n = data.TargetCount;
        if (classNames is not null && classNames.Count != n)
            throw new ArgumentException($"Expected {n} class names, one per class, got {classNames.Count}.", nameof(classNames));

        var counts = new int[n];
        for (int i = 0; i < data.Count; i++) counts[data.GetClass(i)]++;

        var plot = new Plot();
        var bars = plot.Add.Bars(counts.Select(c => (double)c).ToArray());
        bars.Color = Colors.C0;
        foreach (var bar in bars.Bars) bar.Label = ((int)bar.Value).ToString(CultureInfo.InvariantCulture);
        var names = Enumerable.Range(0, n).Select(i => classNames?[i] ?? i.ToString(CultureInfo.InvariantCulture)).ToArray();
        plot.Axes.Bottom.SetTicks(Enumerable.Range(0, n).Select(i => (double)i).ToArray(), names);
        plot.Axes.Margins(bottom: 0, top: 0.12);
        plot.Title(title);
        plot.XLabel("class");
        plot.YLabel("samples");

        PngRenderer.Save(path, width, height, (canvas, rect) => plot.Render(canvas, rect));
    }
}
