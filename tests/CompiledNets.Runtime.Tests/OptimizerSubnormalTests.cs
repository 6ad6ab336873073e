using CompiledNets.Kernels;
using Xunit;

namespace CompiledNets.Runtime.Tests;

public class OptimizerSubnormalTests
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
}
