using System.Text;
using System.Text.Json;
using CompiledNets.Cluster;

namespace SweepSample;

/// <summary>The sample's last line: the sweep as one JSON object.</summary>
internal static class Report
{
    /// <summary><c>{"silos": N, "trials": [{"silo", "model", "learning_rate", "batch_size", "test_accuracy", "seconds"}, ...], "best": {...}}</c>.</summary>
    public static string Json(int silos, SweepStatus status)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteNumber("silos", silos);
            json.WriteStartArray("trials");
            foreach (var trial in status.Trials) WriteTrial(json, trial);
            json.WriteEndArray();
            json.WritePropertyName("best");
            if (status.Best is { } best) WriteTrial(json, best);
            else json.WriteNullValue();
            json.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    private static void WriteTrial(Utf8JsonWriter json, TrialInfo trial)
    {
        json.WriteStartObject();
        json.WriteString("silo", trial.Silo);
        json.WriteString("model", trial.Spec.Model);
        if (trial.Spec.LearningRate is float rate) json.WriteNumber("learning_rate", Math.Round(rate, 8));
        else json.WriteNull("learning_rate");
        json.WriteNumber("batch_size", trial.Spec.BatchSize);
        Number(json, "test_accuracy", trial.Result?.TestAccuracy, 6);
        Number(json, "seconds", trial.Result?.Seconds, 3);
        json.WriteEndObject();
    }

    private static void Number(Utf8JsonWriter json, string name, double? value, int digits)
    {
        if (value is double v && double.IsFinite(v)) json.WriteNumber(name, Math.Round(v, digits));
        else json.WriteNull(name);
    }
}
