namespace CompiledNets.Runtime.Tests.Data;

public class OneHotTests
{
    [Fact]
    public void Encodes_rows_with_a_single_one()
    {
        var targets = OneHot.Encode(new[] { 2, 0, 1 }, 3);
        Assert.Equal(new float[] { 0, 0, 1, 1, 0, 0, 0, 1, 0 }, targets);
        Assert.Equal(new[] { 2, 0, 1 }, OneHot.Decode(targets, 3));
    }

    [Fact]
    public void Matches_the_per_batch_expansion_of_a_labelled_dataset()
    {
        int[] labels = { 4, 1, 3, 0, 2 };
        var data = Dataset.FromLabels(new float[5], 1, labels, 5);
        var dense = new Dataset(new float[5], 1, OneHot.Encode(labels, 5), 5);
        var row = new float[5];
        var denseRow = new float[5];
        for (int i = 0; i < labels.Length; i++)
        {
            data.CopyTargets(i, row);
            dense.CopyTargets(i, denseRow);
            Assert.Equal(denseRow, row);
        }
    }

    [Fact]
    public void Out_of_range_labels_are_rejected()
    {
        var error = Assert.Throws<ArgumentException>(() => OneHot.Encode(new[] { 0, 3 }, 3));
        Assert.Contains("Label 3 at index 1", error.Message);
        Assert.Throws<ArgumentException>(() => OneHot.Encode(new[] { -1 }, 3));
    }

    [Fact]
    public void Pixels_scale_to_the_unit_interval()
    {
        Assert.Equal(new[] { 0f, 1f / 255, 1f }, Normalization.ScaleToUnit(new byte[] { 0, 1, 255 }));
        var values = new float[] { 0, 127.5f, 255 };
        Normalization.ScaleToUnit(values);
        Assert.Equal(new[] { 0f, 0.5f, 1f }, values);
    }
}
