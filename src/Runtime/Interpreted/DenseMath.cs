using System.Numerics.Tensors;

namespace CompiledNets;

/// <summary>
/// The matrix products of the layers built on one (Dense, Maxout), over spans with <see cref="TensorPrimitives"/>:
/// a dot product per output for the forward pass and <c>MultiplyAdd</c> (axpy) rows for the gradients. Every loop
/// keeps one weight row hot in L1 while it walks the batch, so large layers stream the weights once per call rather
/// than once per sample. Weights are <c>[outputs, inputs]</c> (PyTorch layout).
/// </summary>
internal static class DenseMath
{
    /// <summary><c>y[b, o] = W[o, :] · x[b, :] + bias[o]</c>.</summary>
    public static void Affine(ReadOnlySpan<float> input, ReadOnlySpan<float> weights, ReadOnlySpan<float> bias, Span<float> output, int batch, int inputs, int outputs)
    {
        for (int o = 0; o < outputs; o++)
        {
            var weightRow = weights.Slice(o * inputs, inputs);
            float b0 = bias[o];
            for (int b = 0; b < batch; b++)
                output[b * outputs + o] = TensorPrimitives.Dot(weightRow, input.Slice(b * inputs, inputs)) + b0;
        }
    }

    /// <summary><c>dW[o, :] = Σ_b delta[b, o] · x[b, :]</c> and <c>db[o] = Σ_b delta[b, o]</c>, summed over the batch in order (written, not accumulated).</summary>
    public static void WeightGradient(ReadOnlySpan<float> delta, ReadOnlySpan<float> input, Span<float> weightGradient, Span<float> biasGradient, int batch, int inputs, int outputs)
    {
        for (int o = 0; o < outputs; o++)
        {
            var row = weightGradient.Slice(o * inputs, inputs);
            row.Clear();
            float biasSum = 0f;
            for (int b = 0; b < batch; b++)
            {
                float g = delta[b * outputs + o];
                biasSum += g;
                TensorPrimitives.MultiplyAdd(input.Slice(b * inputs, inputs), g, row, row);
            }
            // The generated weight-gradient kernels flush as they store: the same values reach the optimizer.
            Kernels.Subnormals.FlushToZero(row);
            biasGradient[o] = biasSum;
        }
    }

    /// <summary>
    /// <c>dx[b, :] = Σ_o delta[b, o] · W[o, :]</c>: each weight row is added, scaled, to every sample's dx row; subnormal
    /// results are flushed to zero, as the generated input-gradient kernels do.
    /// </summary>
    public static void InputGradient(ReadOnlySpan<float> delta, ReadOnlySpan<float> weights, Span<float> inputGradient, int batch, int inputs, int outputs)
    {
        var dx = inputGradient[..(batch * inputs)];
        dx.Clear();
        for (int o = 0; o < outputs; o++)
        {
            var weightRow = weights.Slice(o * inputs, inputs);
            for (int b = 0; b < batch; b++)
            {
                var dxRow = dx.Slice(b * inputs, inputs);
                TensorPrimitives.MultiplyAdd(weightRow, delta[b * outputs + o], dxRow, dxRow);
            }
        }
        Kernels.Subnormals.FlushToZero(dx);
    }
}
