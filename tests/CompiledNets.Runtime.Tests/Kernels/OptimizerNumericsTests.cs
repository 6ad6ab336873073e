using CompiledNets.Kernels;
using Xunit;

namespace CompiledNets.Runtime.Tests.Kernels;

/// <summary>Edge cases of the optimizer kernels: subnormal state and the bias corrections of long runs.</summary>
public class OptimizerNumericsTests
{
    [Fact]
    public void Moments_that_decay_past_the_normal_range_become_zero_and_others_are_kept()
    {
        // 19 values: the Vector512, Vector<float> and scalar paths all see a decaying moment and a live one.
        const int n = 19;
        var parameters = new float[n];
        var gradients = new float[n];
        var m = new float[n];
        var v = new float[n];
        for (int i = 0; i < n; i++)
        {
            m[i] = i % 2 == 0 ? 1.2e-38f : 1e-3f; // 0.9 · 1.2e-38 is below the smallest normal float; 0.999³ · 1.2e-38 is not
            v[i] = i % 2 == 0 ? 1.2e-38f : 1e-3f;
        }
        for (int step = 1; step <= 3; step++)
            OptimizerSteps.Adam(parameters, gradients, m, v, 1e-3f, 0.9f, 0.999f, 1e-8f, step);
        for (int i = 0; i < n; i++)
        {
            Assert.False(float.IsSubnormal(m[i]) || float.IsSubnormal(v[i]), $"moment {i} is subnormal: m {m[i]:R}, v {v[i]:R}");
            if (i % 2 == 1)
            {
                Assert.Equal(1e-3f * 0.9f * 0.9f * 0.9f, m[i], 1e-9f);
                Assert.True(v[i] > 9e-4f);
            }
        }
        Assert.Equal(0f, m[0]);

        var velocity = Enumerable.Repeat(1e-37f, n).ToArray();
        for (int step = 0; step < 40; step++) OptimizerSteps.SgdMomentum(parameters, gradients, velocity, 0.1f, 0.9f, nesterov: false);
        Assert.All(velocity, x => Assert.Equal(0f, x));
    }

    [Theory]
    [InlineData(1L)]
    [InlineData(150L)]       // 0.9^150 ≈ 1.4e-7: the first correction is still below 1
    [InlineData(40_000L)]    // 0.9^t underflows; 0.999^t ≈ 4e-18 does not
    [InlineData(5_000_000L)] // both underflow
    public void Bias_corrections_are_exact_at_any_step(long step)
    {
        // One parameter, zero moments: the step is lr / (1 - 0.9^t) · m / (sqrt(v) / sqrt(1 - 0.999^t) + eps).
        float[] parameters = [1f], gradients = [0.5f], m = [0f], v = [0f];
        OptimizerSteps.Adam(parameters, gradients, m, v, 1e-3f, 0.9f, 0.999f, 1e-8f, step);
        float correction1 = 1f - MathF.Pow(0.9f, step), correction2Root = MathF.Sqrt(1f - MathF.Pow(0.999f, step));
        float expected = 1f - 1e-3f / correction1 * m[0] / (MathF.Sqrt(v[0]) * (1f / correction2Root) + 1e-8f);
        Assert.Equal(expected, parameters[0]);
    }
}
