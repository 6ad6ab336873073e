namespace CompiledNets.Runtime.Tests.Data;

/// <summary>Two inputs, each through its own layer, then joined: the row a joined data set must produce.</summary>
[Network]
[Input("image", 6)]
[Input("meta", 2)]
[Dense(4, Activation.Tanh, Name = "pixels")]
[Dense(3, Activation.Tanh, Name = "facts", From = "meta")]
[Concat("pixels", "facts")]
[Dense(2, Activation.Softmax)]
[Loss(LossFunction.CrossEntropy)]
[Adam]
public partial class JoinTwoInputNet;

public class DatasetJoinTests
{
    [Fact]
    public void Joined_rows_are_what_a_two_input_network_reads()
    {
        const int Samples = 5;
        var random = new Random(3);
        float[] image = Enumerable.Range(0, Samples * 6).Select(_ => (float)random.NextDouble()).ToArray();
        float[] meta = Enumerable.Range(0, Samples * 2).Select(_ => (float)random.NextDouble()).ToArray();
        var data = Dataset.Join([new FeatureBlock(image, 6, "image"), new FeatureBlock(meta, 2, "meta")], labels: [0, 1, 1, 0, 1], classCount: 2);

        var net = new JoinTwoInputNet(seed: 1);
        var batch = new float[Samples * 2];
        net.PredictBatch(data.Features, batch, Samples);
        var single = new float[2];
        for (int i = 0; i < Samples; i++)
        {
            net.Predict(image.AsSpan(i * 6, 6), meta.AsSpan(i * 2, 2), single);
            for (int j = 0; j < 2; j++) Assert.Equal(single[j], batch[i * 2 + j], 1e-6f);
        }
        Assert.Single(net.Fit(data, epochs: 1, batchSize: Samples, verbose: 0).Epochs);
    }

    // Three samples: an "image" of 2 values and a "meta" block of 3 values each.
    private static readonly FeatureBlock Image = new([1, 2, 3, 4, 5, 6], 2, "image");
    private static readonly FeatureBlock Meta = new([10, 11, 12, 20, 21, 22, 30, 31, 32], 3, "meta");

    [Fact]
    public void Each_row_is_the_samples_blocks_in_order()
    {
        var data = Dataset.Join([Image, Meta], labels: [0, 2, 1], classCount: 3);
        Assert.Equal(3, data.Count);
        Assert.Equal(5, data.FeatureCount);
        Assert.Equal(new float[] { 1, 2, 10, 11, 12 }, data.GetFeatures(0).ToArray());
        Assert.Equal(new float[] { 3, 4, 20, 21, 22 }, data.GetFeatures(1).ToArray());
        Assert.Equal(new float[] { 5, 6, 30, 31, 32 }, data.GetFeatures(2).ToArray());
        Assert.Equal(new[] { 0, 2, 1 }, data.Labels.ToArray());
    }

    [Fact]
    public void Block_order_decides_the_row_order_and_dense_targets_are_kept()
    {
        var data = Dataset.Join([Meta, Image], targets: [0.5f, 1.5f, 2.5f], targetCount: 1);
        Assert.Equal(new float[] { 20, 21, 22, 3, 4 }, data.GetFeatures(1).ToArray());
        Assert.Equal(new[] { 0.5f, 1.5f, 2.5f }, data.Targets.ToArray());
    }

    [Fact]
    public void One_block_joins_to_itself()
    {
        var (rows, width) = Dataset.JoinRows([Image]);
        Assert.Equal(2, width);
        Assert.Equal(Image.Values, rows);
        Assert.NotSame(Image.Values, rows);
    }

    [Fact]
    public void Blocks_of_different_sample_counts_name_both_blocks_and_counts()
    {
        var fewer = new FeatureBlock([1, 2, 3, 4], 2, "meta");
        var error = Assert.Throws<ArgumentException>(() => Dataset.JoinRows([Image, fewer]));
        Assert.Contains("Block 1 ('meta') holds 2 samples but block 0 ('image') holds 3", error.Message);
    }

    [Fact]
    public void A_block_that_is_not_whole_samples_is_reported()
    {
        var error = Assert.Throws<ArgumentException>(() => Dataset.JoinRows([Image, new FeatureBlock(new float[7], 3)]));
        Assert.Contains("Block 1 holds 7 values, not a whole number of samples of 3", error.Message);
    }

    [Fact]
    public void Targets_or_labels_for_another_sample_count_are_reported()
    {
        var targets = Assert.Throws<ArgumentException>(() => Dataset.Join([Image, Meta], new float[4], 1));
        Assert.Contains("Expected 3 × 1 = 3 target values", targets.Message);
        var labels = Assert.Throws<ArgumentException>(() => Dataset.Join([Image, Meta], new int[2], 3));
        Assert.Contains("Expected 3 labels", labels.Message);
    }

    [Fact]
    public void No_blocks_a_bad_width_or_null_values_are_rejected()
    {
        Assert.Throws<ArgumentException>(() => Dataset.JoinRows([]));
        Assert.Throws<ArgumentOutOfRangeException>(() => Dataset.JoinRows([new FeatureBlock(new float[4], 0)]));
        Assert.Throws<ArgumentNullException>(() => Dataset.JoinRows([new FeatureBlock(null!, 2)]));
        Assert.Throws<ArgumentNullException>(() => Dataset.Join([Image], (float[])null!, 1));
    }
}
