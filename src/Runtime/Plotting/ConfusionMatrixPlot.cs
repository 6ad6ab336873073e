using ScottPlot;
using SkiaSharp;

namespace CompiledNets;

/// <summary>A confusion matrix drawn as an annotated heatmap.</summary>
public static class ConfusionMatrixPlot
{
    /// <summary>
    /// Writes a PNG: actual classes down, predicted across, each cell shaded by the fraction of its row (so rare
    /// classes stay visible) and labelled with its count. Written to a temporary file, then renamed.
    /// </summary>
    public static void SavePlot(this ConfusionMatrix matrix, string path, int size = 720, IReadOnlyList<string>? labels = null)
    {
        ArgumentNullException.ThrowIfNull(matrix);
        ArgumentNullException.ThrowIfNull(path);
        if (size < 200) throw new ArgumentOutOfRangeException(nameof(size), size, "The image must be at least 200 pixels wide.");
        if (labels is not null && labels.Count != matrix.Classes)
            throw new ArgumentException($"Expected {matrix.Classes} labels, one per class, got {labels.Count}.", nameof(labels));
        int n = matrix.Classes;
        var shares = new double[n, n];
        for (int a = 0; a < n; a++)
        {
            double row = Enumerable.Range(0, n).Sum(p => matrix[a, p]);
            // The heatmap draws row 0 at the top. Blues runs from dark at 0 to light at 1, so the share is inverted:
            // a well-predicted (high-share) cell is dark.
            for (int p = 0; p < n; p++) shares[a, p] = 1 - (row == 0 ? 0 : matrix[a, p] / row);
        }

        var plot = new Plot();
        var heatmap = plot.Add.Heatmap(shares);
        heatmap.Colormap = new ScottPlot.Colormaps.Blues();
        for (int a = 0; a < n; a++)
        {
            for (int p = 0; p < n; p++)
            {
                var text = plot.Add.Text(matrix[a, p].ToString(System.Globalization.CultureInfo.InvariantCulture), p, n - 1 - a);
                text.LabelAlignment = Alignment.MiddleCenter;
                text.LabelFontSize = Math.Clamp(size / (n * 4f), 8f, 18f);
                text.LabelFontColor = shares[a, p] < 0.5 ? Colors.White : Colors.Black;
            }
        }
        var names = Enumerable.Range(0, n).Select(i => labels?[i] ?? i.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToArray();
        plot.Axes.Bottom.SetTicks(Enumerable.Range(0, n).Select(i => (double)i).ToArray(), names);
        plot.Axes.Left.SetTicks(Enumerable.Range(0, n).Select(i => (double)(n - 1 - i)).ToArray(), names);
        plot.XLabel("predicted");
        plot.YLabel("actual");
        plot.Title("Confusion matrix · accuracy " + matrix.Accuracy.ToString("P2", System.Globalization.CultureInfo.InvariantCulture));
        plot.Axes.SetLimits(-0.5, n - 0.5, -0.5, n - 0.5);

        PngRenderer.Save(path, size, size, (canvas, rect) => plot.Render(canvas, rect));
    }
}
