namespace CompiledNets.Runtime.Tests;

/// <summary>One Step neuron, compiled by this project's build: Parameters = [w1, w2, b].</summary>
[Network(Inputs = 2, InferenceOnly = true)]
[Dense(1, Activation.Step)]
public partial class RuleTestPerceptron;

/// <summary>
/// Rosenblatt's perceptron rule (w += lr·(t − y)·x, b += lr·(t − y)) driven through a generated Step
/// network's Predict and Parameters, as samples/LogicGates does: it converges on the linearly separable
/// AND and OR and never on XOR.
/// </summary>
public class PerceptronRuleTests
{
    private static readonly float[] Inputs = { 0, 0, 0, 1, 1, 0, 1, 1 };

    /// <summary>Trains from zero weights; returns the 1-based epoch with no mistakes, or null if none within the cap.</summary>
    private static int? EpochsToConverge(RuleTestPerceptron neuron, float[] targets, int maxEpochs, float learningRate = 1f)
    {
        neuron.Parameters.Clear();
        var y = new float[1];
        for (int epoch = 1; epoch <= maxEpochs; epoch++)
        {
            int mistakes = 0;
            for (int row = 0; row < targets.Length; row++)
            {
                var x = Inputs.AsSpan(row * 2, 2);
                neuron.Predict(x, y);
                float error = targets[row] - y[0];
                if (error == 0) continue;
                mistakes++;
                neuron.Parameters[0] += learningRate * error * x[0];
                neuron.Parameters[1] += learningRate * error * x[1];
                neuron.Parameters[2] += learningRate * error;
            }
            if (mistakes == 0) return epoch;
        }
        return null;
    }

    [Fact]
    public void The_perceptron_rule_learns_and_and_or_within_20_epochs_but_never_xor_within_100()
    {
        var neuron = new RuleTestPerceptron();
        var output = new float[1];

        foreach (var targets in new[] { new float[] { 0, 0, 0, 1 }, new float[] { 0, 1, 1, 1 } })
        {
            int? epochs = EpochsToConverge(neuron, targets, maxEpochs: 20);
            Assert.NotNull(epochs);
            for (int row = 0; row < 4; row++)
            {
                neuron.Predict(Inputs.AsSpan(row * 2, 2), output);
                Assert.Equal(targets[row], output[0]);
            }
        }

        Assert.Null(EpochsToConverge(neuron, new float[] { 0, 1, 1, 0 }, maxEpochs: 100));
    }
}
