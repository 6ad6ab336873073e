namespace CompiledNets.Cluster;

/// <summary>Correct predictions in a batch of training outputs: the largest output against the largest target (0.5 threshold for one output).</summary>
internal static class BatchAccuracy
{
    public static int CountCorrect(ReadOnlySpan<float> outputs, ReadOnlySpan<float> targets, int outputSize)
    {
        int correct = 0;
        for (int row = 0; row + outputSize <= outputs.Length; row += outputSize)
        {
            var output = outputs.Slice(row, outputSize);
            var target = targets.Slice(row, outputSize);
            if (outputSize == 1)
            {
                if (output[0] >= 0.5f == target[0] >= 0.5f) correct++;
            }
            else if (ArgMax(output) == ArgMax(target))
            {
                correct++;
            }
        }
        return correct;
    }

    private static int ArgMax(ReadOnlySpan<float> values)
    {
        int best = 0;
        for (int i = 1; i < values.Length; i++) if (values[i] > values[best]) best = i;
        return best;
    }
}
