using System.Globalization;

namespace CompiledNets;

/// <summary>How training metrics are written for people: the progress line and <see cref="History.ToString"/> share these formats.</summary>
internal static class MetricText
{
    /// <summary>A loss or an accuracy: four decimals.</summary>
    public static string Metric(double value) => value.ToString("0.0000", CultureInfo.InvariantCulture);

    /// <summary>A learning rate: four significant digits (<c>0.001</c>, <c>3E-05</c>).</summary>
    public static string LearningRate(float value) => value.ToString("G4", CultureInfo.InvariantCulture);

    /// <summary>Wall time: tenths of a second and the unit (<c>1.3s</c>).</summary>
    public static string Seconds(double seconds) => seconds.ToString("0.0", CultureInfo.InvariantCulture) + "s";
}
