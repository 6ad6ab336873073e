using System.Numerics;
using System.Numerics.Tensors;
using System.ComponentModel;

namespace CompiledNets.Kernels;

/// <summary>Dropout and maxout, forward and backward, shared by generated and interpreted networks; the L2 penalty; per-sample sums.</summary>
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
        if (output.Length < input.Length || mask.Length < input.Length)
            throw new ArgumentException($"Dropout of {input.Length} values needs an output and a mask as long; they hold {output.Length} and {mask.Length}.");
        float scale = 1f / (1f - rate);
        // The draws come in chunks from the generator's own loop, then the mask is applied with vectors.
        Span<float> draws = stackalloc float[DropoutChunk];
        var keep = Vector<float>.One * scale;
        var threshold = new Vector<float>(rate);
        for (int start = 0; start < input.Length; start += DropoutChunk)
        {
            int count = Math.Min(DropoutChunk, input.Length - start);
            var chunk = draws[..count];
            random.NextFloats(chunk);
            var chunkMask = mask.Slice(start, count);
            int i = 0;
            for (; i <= count - Vector<float>.Count; i += Vector<float>.Count)
                Vector.ConditionalSelect(Vector.GreaterThanOrEqual(new Vector<float>(chunk[i..]), threshold), keep, Vector<float>.Zero).CopyTo(chunkMask[i..]);
            for (; i < count; i++) chunkMask[i] = chunk[i] >= rate ? scale : 0f;
            TensorPrimitives.Multiply(input.Slice(start, count), chunkMask, output.Slice(start, count));
        }
    }

    private const int DropoutChunk = 256;

    /// <summary>Dropout backward, in place: d input = d output ⊙ mask.</summary>
    public static void DropoutBackward(Span<float> delta, ReadOnlySpan<float> mask)
    {
        if (mask.Length < delta.Length)
            throw new ArgumentException($"Dropout backward of {delta.Length} values needs a mask as long; it holds {mask.Length}.");
        TensorPrimitives.Multiply(delta, mask[..delta.Length], delta);
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

    /// <summary>
    /// <paramref name="sum"/> = the sum of the <paramref name="count"/> rows of <paramref name="rows"/> (each
    /// <c>sum.Length</c> long), added in row order: per-sample gradients summed the same way whatever thread computed each.
    /// </summary>
    public static void SumRows(ReadOnlySpan<float> rows, int count, Span<float> sum)
    {
        int width = sum.Length;
        if (count < 1) throw new ArgumentOutOfRangeException(nameof(count), count, "At least one row is summed.");
        if (rows.Length != count * width)
            throw new ArgumentException($"Expected {count} rows of {width} values ({count * width}), got {rows.Length}.", nameof(rows));
        rows[..width].CopyTo(sum);
        for (int r = 1; r < count; r++) TensorPrimitives.Add(sum, rows.Slice(r * width, width), sum);
    }
}
