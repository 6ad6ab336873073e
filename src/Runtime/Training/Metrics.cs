namespace CompiledNets;

/// <summary>Loss and accuracy computed from predicted outputs, the same definitions training uses.</summary>
public static class Metrics
{
    /// <summary>Probabilities are clamped to [1e-7, 1 - 1e-7] before a logarithm (as Keras does), so a loss is always finite.</summary>
    public const float ProbabilityClamp = Kernels.LossKernels.ProbabilityClamp;

    /// <summary>True for the losses whose outputs are classes, where accuracy is meaningful.</summary>
    public static bool IsClassification(LossFunction loss) => loss is LossFunction.CrossEntropy or LossFunction.BinaryCrossEntropy;

    /// <summary>Sum over the rows of the per-sample loss (divide by the sample count for the mean).</summary>
    public static double SumLoss(LossFunction loss, ReadOnlySpan<float> outputs, ReadOnlySpan<float> targets, int outputSize)
    {
        CheckRows(outputs, targets, outputSize);
        double sum = 0;
        switch (loss)
        {
            case LossFunction.MeanSquaredError:
                for (int i = 0; i < outputs.Length; i++)
                {
                    double d = outputs[i] - targets[i];
                    sum += d * d;
                }
                return sum / outputSize;
            case LossFunction.BinaryCrossEntropy:
                for (int i = 0; i < outputs.Length; i++)
                {
                    double p = Math.Clamp(outputs[i], ProbabilityClamp, 1 - ProbabilityClamp);
                    sum -= targets[i] * Math.Log(p) + (1 - targets[i]) * Math.Log(1 - p);
                }
                return sum / outputSize;
            case LossFunction.CrossEntropy:
                for (int i = 0; i < outputs.Length; i++)
                    if (targets[i] != 0) sum -= targets[i] * Math.Log(Math.Clamp(outputs[i], ProbabilityClamp, 1 - ProbabilityClamp));
                return sum;
            default:
                throw new ArgumentOutOfRangeException(nameof(loss), loss, null);
        }
    }

    /// <summary>Number of rows whose predicted class equals the target class (argmax, or a 0.5 threshold for one output).</summary>
    public static int CountCorrect(ReadOnlySpan<float> outputs, ReadOnlySpan<float> targets, int outputSize)
    {
        CheckRows(outputs, targets, outputSize);
        int rows = outputs.Length / outputSize, correct = 0;
        for (int r = 0; r < rows; r++)
        {
            var o = outputs.Slice(r * outputSize, outputSize);
            var t = targets.Slice(r * outputSize, outputSize);
            if (outputSize == 1)
            {
                if ((o[0] >= 0.5f) == (t[0] >= 0.5f)) correct++;
            }
            else if (ArgMax(o) == ArgMax(t))
            {
                correct++;
            }
        }
        return correct;
    }

    /// <summary>The class a row of outputs predicts: its argmax, or a 0.5 threshold for a single output.</summary>
    public static int PredictedClass(ReadOnlySpan<float> outputs) =>
        outputs.Length == 1 ? (outputs[0] >= 0.5f ? 1 : 0) : ArgMax(outputs);

    /// <summary>Index of the largest value (the first on ties).</summary>
    /// <exception cref="ArgumentException"><paramref name="values"/> is empty.</exception>
    public static int ArgMax(ReadOnlySpan<float> values)
    {
        if (values.IsEmpty) throw new ArgumentException("The arg max of an empty row is undefined: expected at least 1 value, got 0.", nameof(values));
        int best = 0;
        for (int i = 1; i < values.Length; i++) if (values[i] > values[best]) best = i;
        return best;
    }

    private static void CheckRows(ReadOnlySpan<float> outputs, ReadOnlySpan<float> targets, int outputSize)
    {
        if (outputSize <= 0) throw new ArgumentOutOfRangeException(nameof(outputSize), outputSize, "The output size must be positive.");
        if (outputs.Length != targets.Length)
            throw new ArgumentException($"Outputs ({outputs.Length} values) and targets ({targets.Length} values) differ in length.", nameof(targets));
        if (outputs.Length % outputSize != 0)
            throw new ArgumentException($"{outputs.Length} output values are not a whole number of rows of {outputSize}.", nameof(outputs));
    }
}
