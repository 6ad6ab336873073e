using CompiledNets;

namespace LogicGates;

/// <summary>What one epoch of the perceptron rule did: its mistakes and the weights it ended with.</summary>
public sealed record EpochTrace(int Epoch, int Mistakes, float W1, float W2, float Bias);

/// <summary>
/// Rosenblatt's perceptron learning rule (1958) on a 2-input Step neuron. For each row in turn the neuron
/// predicts y; if y is wrong the weights move towards the target:
/// <code>
///   w += lr · (t − y) · x        b += lr · (t − y)
/// </code>
/// (t − y is +1 when the neuron should have fired, −1 when it should not have, 0 when it was right.)
/// If some line separates the 1s from the 0s the rule is guaranteed to find one in finitely many
/// mistakes (Novikoff's convergence theorem); if none does, it never stops making mistakes.
/// </summary>
public static class PerceptronRule
{
    /// <summary>
    /// Trains <paramref name="neuron"/> from zero weights, one pass over the rows per epoch, until an epoch
    /// makes no mistake or <paramref name="maxEpochs"/> is reached. The neuron's generated <c>Predict</c>
    /// gives y; the updates are written straight into its <c>Parameters</c> ([w1, w2, b]).
    /// </summary>
    public static List<EpochTrace> Train(INetwork neuron, float[] inputs, float[] targets, float learningRate, int maxEpochs)
    {
        if (neuron.InputSize != 2 || neuron.OutputSize != 1 || neuron.ParameterCount != 3)
            throw new ArgumentException("The perceptron rule here trains one 2-input neuron.", nameof(neuron));
        neuron.Parameters.Clear();
        var trace = new List<EpochTrace>();
        Span<float> y = stackalloc float[1];
        for (int epoch = 1; epoch <= maxEpochs; epoch++)
        {
            int mistakes = 0;
            for (int row = 0; row < targets.Length; row++)
            {
                ReadOnlySpan<float> x = inputs.AsSpan(row * 2, 2);
                neuron.Predict(x, y);
                float error = targets[row] - y[0];
                if (error == 0) continue;
                mistakes++;
                Span<float> p = neuron.Parameters;
                p[0] += learningRate * error * x[0];
                p[1] += learningRate * error * x[1];
                p[2] += learningRate * error;
            }
            var w = neuron.Parameters;
            trace.Add(new EpochTrace(epoch, mistakes, w[0], w[1], w[2]));
            if (mistakes == 0) break;
        }
        return trace;
    }
}
