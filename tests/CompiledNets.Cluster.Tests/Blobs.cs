using CompiledNets.Kernels;

namespace CompiledNets.Cluster.Tests;

/// <summary>Three Gaussian blobs in four dimensions: a small synthetic classification problem the tiny networks learn in a few epochs.</summary>
internal static class Blobs
{
    public const string Name = "blobs";

    public static TrainingData Create(int trainCount = 480, int validationCount = 120, int testCount = 120, int seed = 7) =>
        new(Make(trainCount, seed), Make(validationCount, seed + 1), Make(testCount, seed + 2));

    public static Dataset Make(int count, int seed)
    {
        var random = new SeededRandom(seed);
        var features = new float[count * 4];
        var labels = new int[count];
        for (int i = 0; i < count; i++)
        {
            int label = i % 3;
            labels[i] = label;
            for (int f = 0; f < 4; f++)
                features[i * 4 + f] = (f == label ? 1.5f : 0f) + 0.6f * random.NextGaussian();
        }
        return Dataset.FromLabels(features, 4, labels, 3);
    }
}
