using System.Numerics;
using System.ComponentModel;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace CompiledNets.Kernels;

/// <summary>
/// Element-wise activations and their derivatives over spans, shared by generated and interpreted networks.
/// Forward functions work in place; backward functions turn the gradient with respect to the activation's
/// output into the gradient with respect to its input, in place.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Advanced)]
public static class ActivationKernels
{
    /// <summary>sqrt(2 / pi), the constant of GELU's tanh approximation.</summary>
    private const float GeluScale = 0.7978845608028654f;
    private const float GeluCubic = 0.044715f;

    /// <summary>The alpha an activation uses when the declaration leaves it unset (LeakyReLU 0.01, ELU 1).</summary>
    public static float DefaultAlpha(Activation activation) => activation switch
    {
        Activation.LeakyReLU => 0.01f,
        Activation.ELU => 1f,
        _ => 0f,
    };

    /// <summary>True when the derivative needs the pre-activation values (the output alone does not determine it).</summary>
    public static bool NeedsPreActivation(Activation activation) => activation is Activation.GELU or Activation.SiLU;

    /// <summary>Applies <paramref name="activation"/> in place; softmax works on rows of <paramref name="rowLength"/>.</summary>
    public static void Forward(Activation activation, float alpha, Span<float> values, int rowLength)
    {
        switch (activation)
        {
            case Activation.Linear: break;
            case Activation.Sigmoid: Sigmoid(values); break;
            case Activation.Tanh: Tanh(values); break;
            case Activation.ReLU: ReLU(values); break;
            case Activation.Softmax: Softmax(values, rowLength); break;
            case Activation.Step: Step(values); break;
            case Activation.LeakyReLU: LeakyReLU(values, alpha); break;
            case Activation.ELU: Elu(values, alpha); break;
            case Activation.GELU: Gelu(values); break;
            case Activation.SiLU: SiLU(values); break;
            default: throw new ArgumentOutOfRangeException(nameof(activation), activation, null);
        }
    }

    /// <summary>
    /// Multiplies <paramref name="delta"/> (d loss / d output) by the activation's derivative, in place, giving
    /// d loss / d pre-activation. <paramref name="output"/> holds the activation's outputs and
    /// <paramref name="preActivation"/> its inputs (only read when <see cref="NeedsPreActivation"/>).
    /// </summary>
    public static void Backward(Activation activation, float alpha, ReadOnlySpan<float> output, ReadOnlySpan<float> preActivation, Span<float> delta, int rowLength)
    {
        switch (activation)
        {
            case Activation.Linear: break;
            case Activation.Sigmoid: SigmoidBackward(output, delta); break;
            case Activation.Tanh: TanhBackward(output, delta); break;
            case Activation.ReLU: ReLUBackward(output, delta); break;
            case Activation.Softmax: SoftmaxBackward(output, delta, rowLength); break;
            case Activation.LeakyReLU: LeakyReLUBackward(output, delta, alpha); break;
            case Activation.ELU: EluBackward(output, delta, alpha); break;
            case Activation.GELU: GeluBackward(preActivation, delta); break;
            case Activation.SiLU: SiLUBackward(preActivation, delta); break;
            case Activation.Step: throw new InvalidOperationException("Step has no useful derivative; a network with a Step activation is inference only.");
            default: throw new ArgumentOutOfRangeException(nameof(activation), activation, null);
        }
    }

    /// <summary><c>max(0, x)</c> in place.</summary>
    public static void ReLU(Span<float> values) => TensorPrimitives.Max(values, 0f, values);

    /// <summary>Logistic sigmoid in place.</summary>
    public static void Sigmoid(Span<float> values) => TensorPrimitives.Sigmoid(values, values);

    /// <summary>tanh in place.</summary>
    public static void Tanh(Span<float> values) => TensorPrimitives.Tanh(values, values);

    /// <summary>Softmax of each row of <paramref name="rowLength"/> values, in place.</summary>
    public static void Softmax(Span<float> values, int rowLength)
    {
        for (int start = 0; start < values.Length; start += rowLength)
            SoftmaxRow(values.Slice(start, rowLength));
    }

    /// <summary>
    /// e^(z - max) / Σ e^(z - max) in place: shifted by the row's maximum so no exponential overflows
    /// (<see cref="TensorPrimitives.SoftMax{T}(ReadOnlySpan{T}, Span{T})"/> does not shift, and turns a logit past 88 into NaN).
    /// Four lanes at a time with the inlined <see cref="LaneMath.ExpNonPositive"/> (every shifted logit is at most 0): rows are short (classes), so call overhead would dominate.
    /// </summary>
    private static void SoftmaxRow(Span<float> row)
    {
        float max = TensorPrimitives.Max<float>(row);
        ref float r = ref MemoryMarshal.GetReference(row);
        int n = row.Length, j = 0;
        float sum = 0f;
        var shift = Vector128.Create(max);
        for (; j <= n - 4; j += 4)
        {
            var e = LaneMath.ExpNonPositive(Vector128.LoadUnsafe(ref r, (nuint)j) - shift);
            e.StoreUnsafe(ref r, (nuint)j);
            sum += Vector128.Sum(e);
        }
        for (; j < n; j++)
        {
            float e = MathF.Exp(Unsafe.Add(ref r, j) - max);
            Unsafe.Add(ref r, j) = e;
            sum += e;
        }
        TensorPrimitives.Multiply(row, 1f / sum, row);
    }

    /// <summary>Heaviside step in place: 1 when <c>x &gt;= 0</c>, else 0 (NaN stays NaN).</summary>
    public static void Step(Span<float> values)
    {
        for (int i = 0; i < values.Length; i++)
        {
            float x = values[i];
            values[i] = float.IsNaN(x) ? x : x >= 0f ? 1f : 0f;
        }
    }

    /// <summary>Leaky ReLU in place.</summary>
    public static void LeakyReLU(Span<float> values, float alpha)
    {
        for (int i = 0; i < values.Length; i++)
        {
            float x = values[i];
            if (x < 0f) values[i] = alpha * x;
        }
    }

    /// <summary>ELU in place.</summary>
    public static void Elu(Span<float> values, float alpha)
    {
        for (int i = 0; i < values.Length; i++)
        {
            float x = values[i];
            if (x < 0f) values[i] = alpha * (MathF.Exp(x) - 1f);
        }
    }

    /// <summary>GELU (tanh approximation) in place.</summary>
    public static void Gelu(Span<float> values)
    {
        for (int i = 0; i < values.Length; i++)
        {
            float x = values[i];
            values[i] = 0.5f * x * (1f + MathF.Tanh(GeluScale * (x + GeluCubic * x * x * x)));
        }
    }

    /// <summary>SiLU (swish) in place.</summary>
    public static void SiLU(Span<float> values)
    {
        for (int i = 0; i < values.Length; i++)
        {
            float x = values[i];
            values[i] = x / (1f + MathF.Exp(-x));
        }
    }

    /// <summary>ReLU derivative from the outputs: passes the gradient where the output is positive.</summary>
    public static void ReLUBackward(ReadOnlySpan<float> output, Span<float> delta)
    {
        // In vectors: half of a ReLU layer's outputs are zero, in no pattern a branch predictor could learn.
        int i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            ref float o = ref MemoryMarshal.GetReference(output);
            ref float d = ref MemoryMarshal.GetReference(delta);
            for (; i <= delta.Length - Vector<float>.Count; i += Vector<float>.Count)
            {
                var a = Vector.LoadUnsafe(ref o, (nuint)i);
                Vector.ConditionalSelect(Vector.GreaterThan(a, Vector<float>.Zero), Vector.LoadUnsafe(ref d, (nuint)i), Vector<float>.Zero).StoreUnsafe(ref d, (nuint)i);
            }
        }
        for (; i < delta.Length; i++) if (!(output[i] > 0f)) delta[i] = 0f;
    }

    /// <summary>Sigmoid derivative from the outputs: <c>a (1 - a)</c>.</summary>
    public static void SigmoidBackward(ReadOnlySpan<float> output, Span<float> delta)
    {
        int i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            ref float o = ref MemoryMarshal.GetReference(output);
            ref float d = ref MemoryMarshal.GetReference(delta);
            for (; i <= delta.Length - Vector<float>.Count; i += Vector<float>.Count)
            {
                var a = Vector.LoadUnsafe(ref o, (nuint)i);
                (Vector.LoadUnsafe(ref d, (nuint)i) * (a * (Vector<float>.One - a))).StoreUnsafe(ref d, (nuint)i);
            }
        }
        for (; i < delta.Length; i++) delta[i] *= output[i] * (1f - output[i]);
    }

    /// <summary>tanh derivative from the outputs: <c>1 - a²</c>.</summary>
    public static void TanhBackward(ReadOnlySpan<float> output, Span<float> delta)
    {
        int i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            ref float o = ref MemoryMarshal.GetReference(output);
            ref float d = ref MemoryMarshal.GetReference(delta);
            for (; i <= delta.Length - Vector<float>.Count; i += Vector<float>.Count)
            {
                var a = Vector.LoadUnsafe(ref o, (nuint)i);
                (Vector.LoadUnsafe(ref d, (nuint)i) * (Vector<float>.One - a * a)).StoreUnsafe(ref d, (nuint)i);
            }
        }
        for (; i < delta.Length; i++) delta[i] *= 1f - output[i] * output[i];
    }

    /// <summary>Leaky ReLU derivative from the outputs (alpha is non-negative, so the output's sign is the input's).</summary>
    public static void LeakyReLUBackward(ReadOnlySpan<float> output, Span<float> delta, float alpha)
    {
        int i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            ref float o = ref MemoryMarshal.GetReference(output);
            ref float d = ref MemoryMarshal.GetReference(delta);
            var slope = new Vector<float>(alpha);
            for (; i <= delta.Length - Vector<float>.Count; i += Vector<float>.Count)
            {
                var g = Vector.LoadUnsafe(ref d, (nuint)i);
                Vector.ConditionalSelect(Vector.GreaterThan(Vector.LoadUnsafe(ref o, (nuint)i), Vector<float>.Zero), g, g * slope).StoreUnsafe(ref d, (nuint)i);
            }
        }
        for (; i < delta.Length; i++) if (!(output[i] > 0f)) delta[i] *= alpha;
    }

    /// <summary>ELU derivative from the outputs: 1 where positive, else <c>a + alpha</c>.</summary>
    public static void EluBackward(ReadOnlySpan<float> output, Span<float> delta, float alpha)
    {
        for (int i = 0; i < delta.Length; i++) if (!(output[i] > 0f)) delta[i] *= output[i] + alpha;
    }

    /// <summary>GELU (tanh approximation) derivative from the inputs.</summary>
    public static void GeluBackward(ReadOnlySpan<float> preActivation, Span<float> delta)
    {
        for (int i = 0; i < delta.Length; i++)
        {
            float x = preActivation[i];
            float t = MathF.Tanh(GeluScale * (x + GeluCubic * x * x * x));
            float derivative = 0.5f * (1f + t) + 0.5f * x * (1f - t * t) * GeluScale * (1f + 3f * GeluCubic * x * x);
            delta[i] *= derivative;
        }
    }

    /// <summary>SiLU derivative from the inputs: <c>s (1 + x (1 - s))</c> with <c>s = sigmoid(x)</c>.</summary>
    public static void SiLUBackward(ReadOnlySpan<float> preActivation, Span<float> delta)
    {
        for (int i = 0; i < delta.Length; i++)
        {
            float x = preActivation[i];
            float s = 1f / (1f + MathF.Exp(-x));
            delta[i] *= s * (1f + x * (1f - s));
        }
    }

    /// <summary>Softmax Jacobian–vector product per row: <c>a ⊙ (d - Σ d a)</c>.</summary>
    public static void SoftmaxBackward(ReadOnlySpan<float> output, Span<float> delta, int rowLength)
    {
        for (int start = 0; start < delta.Length; start += rowLength)
        {
            var a = output.Slice(start, rowLength);
            var d = delta.Slice(start, rowLength);
            float dot = TensorPrimitives.Dot(a, d);
            for (int j = 0; j < rowLength; j++) d[j] = a[j] * (d[j] - dot);
        }
    }
}
