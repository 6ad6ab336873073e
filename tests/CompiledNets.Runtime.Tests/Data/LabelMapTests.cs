namespace CompiledNets.Runtime.Tests.Data;

public class LabelMapTests
{
    // Sign Language MNIST: letters A-Y without J, labels 0-24 without 9.
    private static readonly LabelMap Letters = new(Enumerable.Range(0, 25).Where(label => label != 9));

    [Fact]
    public void Labels_after_a_gap_move_down_one_class_and_back()
    {
        Assert.Equal(24, Letters.ClassCount);
        Assert.Equal(8, Letters.ToClass(8));
        Assert.Equal(9, Letters.ToClass(10));
        Assert.Equal(23, Letters.ToClass(24));
        Assert.Equal(10, Letters.ToLabel(9));
        Assert.Equal(24, Letters.ToLabel(23));
        Assert.False(Letters.Contains(9));
        Assert.Equal("0-8, 10-24", Letters.ToString());
    }

    [Fact]
    public void From_labels_takes_the_distinct_labels_in_ascending_order()
    {
        var map = LabelMap.FromLabels([7, 3, 7, 11, 3, 4]);
        Assert.Equal(new[] { 3, 4, 7, 11 }, map.Labels);
        Assert.Equal("3, 4, 7, 11", map.ToString());
    }

    [Fact]
    public void Apply_relabels_and_keeps_the_features()
    {
        var data = Dataset.FromLabels([1, 2, 3], 1, [0, 10, 24], 25);
        var mapped = Letters.Apply(data);
        Assert.Equal(new[] { 0, 9, 23 }, mapped.Labels.ToArray());
        Assert.Equal(24, mapped.TargetCount);
        Assert.Equal(data.Features.ToArray(), mapped.Features.ToArray());
    }

    [Fact]
    public void Unknown_labels_and_classes_are_reported()
    {
        var toClass = Assert.Throws<ArgumentException>(() => Letters.ToClass(9));
        Assert.Contains("Label 9 is not one of the 24 classes' labels (0-8, 10-24)", toClass.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => Letters.ToLabel(24));
        var apply = Assert.Throws<ArgumentException>(() => Letters.Apply(Dataset.FromLabels([1, 2], 1, [0, 9], 10)));
        Assert.Contains("Sample 1 has label 9", apply.Message);
        Assert.Throws<ArgumentException>(() => Letters.Apply(new Dataset([1], 1, [1], 1)));
    }

    [Fact]
    public void Duplicate_or_no_labels_are_rejected()
    {
        var duplicate = Assert.Throws<ArgumentException>(() => new LabelMap([1, 2, 1]));
        Assert.Contains("Label 1 is given twice", duplicate.Message);
        Assert.Throws<ArgumentException>(() => new LabelMap([]));
    }
}
