using System.Globalization;
using CompiledNets;

namespace SignLanguageSample;

/// <summary>
/// One line per epoch, as Keras prints with verbose=2, into a writer other than the console (Fit's own progress
/// goes to the console, which the tests do not capture).
/// </summary>
internal sealed class EpochPrinter(TextWriter output) : Callback
{
    public override void OnEpochEnd(TrainingContext context, EpochMetrics metrics) =>
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"Epoch {metrics.Epoch}/{context.Epochs} - {metrics.Seconds:0.0}s - loss: {metrics.Loss:0.0000} - accuracy: {metrics.Accuracy:0.0000} - val_loss: {metrics.ValidationLoss:0.0000} - val_accuracy: {metrics.ValidationAccuracy:0.0000}"));
}
