using ScottPlot;
using SkiaSharp;

namespace CompiledNets;

/// <summary>Charts of a training <see cref="History"/>, drawn with ScottPlot.</summary>
public static class HistoryPlot
{
    /// <summary>Default chart width in pixels.</summary>
    public const int DefaultWidth = 1000;

    /// <summary>Default chart height in pixels.</summary>
    public const int DefaultHeight = 420;

    /// <summary>
    /// Writes a PNG with two panels: loss and val_loss per epoch on the left, accuracy and val_accuracy on the
    /// right (the accuracy panel is left out for regression losses). Metrics that were not computed are skipped.
    /// </summary>
    /// <param name="history">What <c>Fit</c> returned.</param>
    /// <param name="path">The PNG file to write (its folder must exist); written to a temporary file, then renamed.</param>
    /// <param name="width">Image width in pixels.</param>
    /// <param name="height">Image height in pixels.</param>
    public static void SavePlot(this History history, string path, int width = DefaultWidth, int height = DefaultHeight)
    {
        ArgumentNullException.ThrowIfNull(history);
        ArgumentNullException.ThrowIfNull(path);
        if (width < 100 || height < 100) throw new ArgumentOutOfRangeException(nameof(width), $"The image must be at least 100 × 100 pixels, not {width} × {height}.");
        if (history.Epochs.Count == 0) throw new ArgumentException("The history has no epochs to plot.", nameof(history));

        var epochs = history.Epochs.Select(e => (double)e.Epoch).ToArray();
        var lossPlot = Panel("Loss", "loss", Alignment.UpperRight, epochs,
            ("loss", history.Loss, Colors.C0), ("val_loss", history.ValidationLoss, Colors.C1));
        var multiplot = new Multiplot(lossPlot);
        if (history.Accuracy.Concat(history.ValidationAccuracy).Any(v => !float.IsNaN(v)))
        {
            multiplot.Subplots.Add(Panel("Accuracy", "accuracy", Alignment.LowerRight, epochs,
                ("accuracy", history.Accuracy, Colors.C0), ("val_accuracy", history.ValidationAccuracy, Colors.C1)));
            multiplot.Layout = new ScottPlot.MultiplotLayouts.Columns();
        }

        PngRenderer.Save(path, width, height, (canvas, rect) => multiplot.Render(canvas, rect));
    }

    private static Plot Panel(string title, string yLabel, Alignment legend, double[] epochs, params (string Name, IReadOnlyList<float> Values, Color Color)[] series)
    {
        var plot = new Plot();
        plot.Title(title);
        plot.XLabel("epoch");
        plot.YLabel(yLabel);
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericAutomatic { IntegerTicksOnly = true };
        foreach (var (name, values, color) in series)
        {
            var xs = new List<double>();
            var ys = new List<double>();
            for (int i = 0; i < values.Count; i++)
            {
                if (float.IsNaN(values[i]) || float.IsInfinity(values[i])) continue;
                xs.Add(epochs[i]);
                ys.Add(values[i]);
            }
            if (xs.Count == 0) continue;
            var line = plot.Add.Scatter(xs.ToArray(), ys.ToArray(), color);
            line.LegendText = name;
            line.LineWidth = 2;
            line.MarkerSize = 6;
        }
        plot.ShowLegend(legend);
        return plot;
    }
}
