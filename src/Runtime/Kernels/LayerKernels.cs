using System.ComponentModel;

namespace CompiledNets.Kernels;

/// <summary>Dropout and maxout, forward and backward, shared by generated and interpreted networks.</summary>
[EditorBrowsable(EditorBrowsableState.Advanced)]
public static class LayerKernels
{
    /// <summary>
    /// Inverted dropout in training: each value is kept with probability <c>1 - rate</c> and scaled by
    /// <c>1 / (1 - rate)</c>, so the expected activation is unchanged and inference is the identity.
    /// The mask (0 or the scale) is kept for the backward pass.
    /// </summary>
    public static void DropoutTraining(ReadOnlySpan<float> input, Span<float> output, Span<float> mask, float rate, ref SeededRandom random)
    {
        float scale = 1f / (1f - rate);
        for (int i = 0; i < input.Length; i++)
        {
            float m = random.NextFloat() >= rate ? scale : 0f;
            mask[i] = m;
            output[i] = input[i] * m;
        }
    }

    /// <summary>Dropout backward, in place: d input = d output ⊙ mask.</summary>
    public static void DropoutBackward(Span<float> delta, ReadOnlySpan<float> mask)
    {
        for (int i = 0; i < delta.Length; i++) delta[i] *= mask[i];
    }

    /// <summary>Maxout: each of <paramref name="units"/> outputs is the largest of its <paramref name="pieces"/> consecutive inputs.</summary>
    public static void MaxoutForward(ReadOnlySpan<float> pieceValues, Span<float> output, int rows, int units, int pieces)
    {
        for (int i = 0; i < rows * units; i++)
        {
            var group = pieceValues.Slice(i * pieces, pieces);
            float best = group[0];
            for (int p = 1; p < pieces; p++) if (group[p] > best || float.IsNaN(group[p])) best = group[p];
            output[i] = best;
        }
    }

    /// <summary>
    /// Maxout backward: routes each output gradient to the piece that won (the first on ties), zero elsewhere.
    /// </summary>
    public static void MaxoutBackward(ReadOnlySpan<float> pieceValues, ReadOnlySpan<float> output, ReadOnlySpan<float> outputDelta, Span<float> pieceDelta,
        int rows, int units, int pieces)
    {
        for (int i = 0; i < rows * units; i++)
        {
            var group = pieceValues.Slice(i * pieces, pieces);
            var target = pieceDelta.Slice(i * pieces, pieces);
            target.Clear();
            for (int p = 0; p < pieces; p++)
            {
                if (group[p].Equals(output[i]))
                {
                    target[p] = outputDelta[i];
                    break;
                }
            }
        }
    }

    /// <summary>
    /// L2 penalty on one weight tensor: adds <c>lambda · w</c> to its gradient and returns <c>lambda / 2 · Σ w²</c>
    /// for the loss (the pair PyTorch's <c>weight_decay</c> implies).
    /// </summary>
    public static float L2Penalty(ReadOnlySpan<float> weights, Span<float> gradients, float lambda)
    {
        double squares = 0;
        for (int i = 0; i < weights.Length; i++)
        {
            squares += (double)weights[i] * weights[i];
            gradients[i] += lambda * weights[i];
        }
        return (float)(0.5 * lambda * squares);
    }
}
