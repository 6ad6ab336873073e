namespace CompiledNets.Runtime.Tests.Infrastructure;

/// <summary>Seeded synthetic data and bitwise comparisons shared by the robustness tests.</summary>
internal static class RobustData
{
    /// <summary><paramref name="count"/> samples of <paramref name="features"/> values in [0, 1) with labels in [0, classes).</summary>
    public static Dataset Labelled(int count, int features, int classes, int seed)
    {
        var random = new Random(seed);
        var x = new float[count * features];
        for (int i = 0; i < x.Length; i++) x[i] = (float)random.NextDouble();
        var labels = new int[count];
        for (int i = 0; i < count; i++) labels[i] = random.Next(classes);
        return Dataset.FromLabels(x, features, labels, classes);
    }

    /// <summary><paramref name="count"/> regression samples: targets are fixed functions of the inputs.</summary>
    public static Dataset Regression(int count, int seed)
    {
        var random = new Random(seed);
        var x = new float[count * 3];
        var y = new float[count * 2];
        for (int i = 0; i < count; i++)
        {
            for (int j = 0; j < 3; j++) x[i * 3 + j] = (float)(random.NextDouble() * 2 - 1);
            y[i * 2] = x[i * 3] - 0.5f * x[i * 3 + 1];
            y[i * 2 + 1] = x[i * 3 + 2] * x[i * 3];
        }
        return new Dataset(x, 3, y, 2);
    }

    /// <summary>Asserts two float sequences are identical bit for bit (NaN payloads included).</summary>
    public static void AssertBitwise(ReadOnlySpan<float> expected, ReadOnlySpan<float> actual, string what)
    {
        Assert.True(expected.Length == actual.Length, $"{what}: {expected.Length} values expected, {actual.Length} found.");
        for (int i = 0; i < expected.Length; i++)
        {
            if (BitConverter.SingleToInt32Bits(expected[i]) != BitConverter.SingleToInt32Bits(actual[i]))
                Assert.Fail($"{what}: value {i} differs: {expected[i]:R} expected, {actual[i]:R} found.");
        }
    }

    /// <summary>Asserts every value is finite.</summary>
    public static void AssertFinite(ReadOnlySpan<float> values, string what)
    {
        for (int i = 0; i < values.Length; i++)
            Assert.True(float.IsFinite(values[i]), $"{what}: value {i} is {values[i]}.");
    }
}
