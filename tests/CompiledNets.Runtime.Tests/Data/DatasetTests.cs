namespace CompiledNets.Runtime.Tests.Data;

public class DatasetTests
{
    [Fact]
    public void Labels_are_expanded_to_one_hot_per_batch()
    {
        var data = Dataset.FromLabels(new float[] { 1, 2, 3, 4, 5, 6 }, 2, new[] { 2, 0, 1 }, 3);
        var loader = new BatchLoader(data, batchSize: 2, shuffle: false);
        loader.StartEpoch();
        var batch = loader.GetBatch(0);
        Assert.Equal(new float[] { 1, 2, 3, 4 }, batch.Inputs.ToArray());
        Assert.Equal(new float[] { 0, 0, 1, 1, 0, 0 }, batch.Targets.ToArray());
        var last = loader.GetBatch(1);
        Assert.Equal(1, last.Size);
        Assert.Equal(new float[] { 0, 1, 0 }, last.Targets.ToArray());
    }

    [Fact]
    public void Seeded_shuffles_repeat_and_cover_every_sample()
    {
        var data = Dataset.FromLabels(Enumerable.Range(0, 100).Select(i => (float)i).ToArray(), 1, new int[100], 1);
        int[] Order(int seed)
        {
            var loader = new BatchLoader(data, 100, shuffle: true, seed: seed);
            loader.StartEpoch();
            return loader.GetBatch(0).Indices.ToArray();
        }
        Assert.Equal(Order(7), Order(7));
        Assert.NotEqual(Order(7), Order(8));
        Assert.Equal(Enumerable.Range(0, 100), Order(7).OrderBy(i => i));
    }

    [Fact]
    public void Split_is_seeded_and_disjoint()
    {
        var data = Dataset.FromLabels(Enumerable.Range(0, 50).Select(i => (float)i).ToArray(), 1, new int[50], 1);
        var (train, validation) = data.Split(0.2, seed: 3);
        Assert.Equal(40, train.Count);
        Assert.Equal(10, validation.Count);
        Assert.Empty(train.Features.ToArray().Intersect(validation.Features.ToArray()));
        var (again, _) = data.Split(0.2, seed: 3);
        Assert.Equal(train.Features.ToArray(), again.Features.ToArray());
    }

    [Fact]
    public void Mismatched_sizes_name_the_counts()
    {
        var error = Assert.Throws<ArgumentException>(() => new Dataset(new float[6], 2, new float[4], 1));
        Assert.Contains("Expected 3 × 1 = 3 target values", error.Message);
    }
}
