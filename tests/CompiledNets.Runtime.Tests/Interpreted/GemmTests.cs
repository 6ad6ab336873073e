using System.Numerics;

namespace CompiledNets.Runtime.Tests.Interpreted;

/// <summary>The interpreted convolution's matrix product against a plain triple loop, on every tiling edge.</summary>
public class GemmTests
{
    public static TheoryData<int, int, int> Shapes()
    {
        int w = Vector<float>.Count;
        var data = new TheoryData<int, int, int>();
        foreach (int m in new[] { 1, 3, 4, 5, 9 })
            foreach (int n in new[] { 1, w - 1, w, w + 1, 2 * w, 2 * w + 3, 3 * w + 5 })
                foreach (int k in new[] { 1, 7 })
                    data.Add(m, k, n);
        return data;
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Adds_the_product_to_C_exactly_as_ordered_fused_sums(int m, int k, int n)
    {
        var random = new Random(m * 1000 + k * 100 + n);
        float[] a = [.. Enumerable.Range(0, m * k).Select(_ => (float)random.NextDouble() - 0.5f)];
        float[] b = [.. Enumerable.Range(0, k * n).Select(_ => (float)random.NextDouble() - 0.5f)];
        float[] c = [.. Enumerable.Range(0, m * n).Select(_ => (float)random.NextDouble())];
        var expected = new float[m * n];
        for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++)
            {
                float sum = c[i * n + j];
                for (int p = 0; p < k; p++) sum = MathF.FusedMultiplyAdd(a[i * k + p], b[p * n + j], sum);
                expected[i * n + j] = sum;
            }
        // Bitwise: every tile (and the masked last columns) sums each element over k in order with fused multiply-adds.
        Gemm.MultiplyAdd(a, b, c, m, k, n);
        Assert.Equal(expected, c);
    }
}
