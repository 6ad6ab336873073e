using CompiledNets.Kernels;
using CompiledNets.Runtime.Tests.Callbacks;
using CompiledNets.Tests.Shared;

namespace CompiledNets.Runtime.Tests.Training;

public class GradientClippingTests
{
    [Fact]
    public void Gradients_above_the_bound_are_scaled_to_it_and_the_norm_before_is_returned()
    {
        float[] gradients = [3f, -4f];
        float before = GradientClipping.ClipByGlobalNorm(gradients, 1f);
        Assert.Equal(5f, before);
        Assert.Equal(0.6f, gradients[0], 6);
        Assert.Equal(-0.8f, gradients[1], 6);
        Assert.Equal(1f, GradientClipping.GlobalNorm(gradients), 6);
    }

    [Theory]
    [InlineData(10f)]
    [InlineData(5f)]
    public void Gradients_within_the_bound_are_untouched(float maxNorm)
    {
        float[] gradients = [3f, -4f];
        Assert.Equal(5f, GradientClipping.ClipByGlobalNorm(gradients, maxNorm));
        Assert.Equal([3f, -4f], gradients);
    }

    [Fact]
    public void A_long_vector_keeps_its_direction_and_ends_at_the_bound()
    {
        var random = new SeededRandom(5);
        var gradients = new float[1237];
        for (int i = 0; i < gradients.Length; i++) gradients[i] = random.NextGaussian();
        var original = gradients.ToArray();
        double expected = Math.Sqrt(original.Sum(g => (double)g * g));
        float before = GradientClipping.ClipByGlobalNorm(gradients, 2f);
        Assert.Equal(expected, before, expected * 1e-5);
        Assert.Equal(2.0, GradientClipping.GlobalNorm(gradients), 1e-5);
        for (int i = 0; i < gradients.Length; i++) Assert.Equal(original[i] * (2.0 / expected), gradients[i], 1e-5);
    }

    [Fact]
    public void Non_finite_gradients_are_reported_and_left_alone()
    {
        float[] gradients = [1f, float.NaN];
        Assert.True(float.IsNaN(GradientClipping.ClipByGlobalNorm(gradients, 1f)));
        Assert.Equal(1f, gradients[0]);
    }

    [Theory]
    [InlineData(0f)]
    [InlineData(-1f)]
    [InlineData(float.NaN)]
    [InlineData(float.PositiveInfinity)]
    public void The_bound_must_be_positive_and_finite(float maxNorm)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => GradientClipping.ClipByGlobalNorm(new float[2], maxNorm));
    }

    [Fact]
    public void Fit_with_clipNorm_clips_every_step_before_the_optimizer()
    {
        var network = new FakeNetwork(parameterCount: 2) { GradientValues = [30f, 40f] };
        var data = new Dataset(new float[8], 2, new float[4], 1);
        network.Fit(data, epochs: 1, batchSize: 2, verbose: 0, seed: 1, clipNorm: 5f);
        Assert.Equal(0, network.TrainBatchCalls);
        Assert.Equal(2, network.AppliedGradients.Count);
        Assert.All(network.AppliedGradients, g => Assert.Equal(new[] { 3f, 4f }, g));

        var unclipped = new FakeNetwork(parameterCount: 2) { GradientValues = [30f, 40f] };
        unclipped.Fit(data, epochs: 1, batchSize: 2, verbose: 0, seed: 1);
        Assert.Equal(2, unclipped.TrainBatchCalls);
        Assert.All(unclipped.AppliedGradients, g => Assert.Equal(new[] { 30f, 40f }, g));
        Assert.Throws<ArgumentOutOfRangeException>(() => unclipped.Fit(data, verbose: 0, clipNorm: 0f));
    }

    [Fact]
    public void A_loose_bound_trains_exactly_as_without_clipping()
    {
        var features = Enumerable.Range(0, 60).Select(i => MathF.Sin(i)).ToArray();
        var targets = Enumerable.Range(0, 40).Select(i => MathF.Cos(i)).ToArray();
        var data = new Dataset(features, 3, targets, 2);
        var plain = new CallbackLinearNet(seed: 4);
        var clipped = new CallbackLinearNet(seed: 4);
        plain.Fit(data, epochs: 3, batchSize: 4, verbose: 0, seed: 9);
        clipped.Fit(data, epochs: 3, batchSize: 4, verbose: 0, seed: 9, clipNorm: 1e9f);
        Assert.Equal(plain.Parameters.ToArray(), clipped.Parameters.ToArray());

        var tight = new CallbackLinearNet(seed: 4);
        tight.Fit(data, epochs: 3, batchSize: 4, verbose: 0, seed: 9, clipNorm: 1e-3f);
        Assert.NotEqual(plain.Parameters.ToArray(), tight.Parameters.ToArray());
    }
}
