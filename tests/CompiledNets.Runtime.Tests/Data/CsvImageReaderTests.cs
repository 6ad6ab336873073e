using CompiledNets.Runtime.Tests.Infrastructure;
using CompiledNets.Tests.Shared;

namespace CompiledNets.Runtime.Tests.Data;

public class CsvImageReaderTests
{
    [Fact]
    public void Reads_the_label_column_by_name_and_scales_pixels()
    {
        using var dir = new TempDirectory();
        string path = dir.File("sign.csv");
        File.WriteAllText(path, "pixel1,label,pixel2,pixel3\n0,3,255,51\n102,0,0,255\n\n");
        var data = CsvImageReader.Read(path);
        Assert.Equal(2, data.Count);
        Assert.Equal(3, data.FeatureCount);
        Assert.Equal(4, data.TargetCount); // largest label + 1
        Assert.Equal(new[] { 3, 0 }, data.Labels.ToArray());
        Assert.Equal(new[] { 0f, 1f, 0.2f }, data.GetFeatures(0).ToArray());
        Assert.Equal(new[] { 0.4f, 0f, 1f }, data.GetFeatures(1).ToArray());
    }

    [Fact]
    public void Other_label_column_names_class_counts_and_gzip_work()
    {
        using var dir = new TempDirectory();
        string path = dir.File("digits.data");
        File.WriteAllBytes(path, IdxFileBuilder.Gzip(System.Text.Encoding.UTF8.GetBytes("\"Digit\",a,b\r\n1,10,20\r\n")));
        var data = CsvImageReader.Read(path, labelColumn: "digit", classCount: 10, scale: 10);
        Assert.Equal(10, data.TargetCount);
        Assert.Equal(new[] { 1f, 2f }, data.GetFeatures(0).ToArray());
    }

    [Fact]
    public void Corrupt_gzip_data_names_the_file()
    {
        using var dir = new TempDirectory();
        string path = dir.File("broken.csv");
        // The gzip magic, then a header whose compression method (byte 2) is not deflate.
        File.WriteAllBytes(path, [0x1f, 0x8b, 0x05, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3, 4]);
        var error = Assert.Throws<InvalidDataException>(() => CsvImageReader.Read(path));
        Assert.StartsWith(path, error.Message);
        Assert.Contains("gzip data is corrupt", error.Message);
    }

    [Fact]
    public void Non_numeric_cell_names_file_line_and_column()
    {
        using var dir = new TempDirectory();
        string path = dir.File("bad.csv");
        File.WriteAllText(path, "label,p1,p2\n1,0,0\n2,0,abc\n");
        var error = Assert.Throws<InvalidDataException>(() => CsvImageReader.Read(path));
        Assert.Contains(path, error.Message);
        Assert.Contains("line 3", error.Message);
        Assert.Contains("column 3 ('p2')", error.Message);
        Assert.Contains("'abc' is not a number", error.Message);
    }

    [Fact]
    public void Non_integer_label_is_reported()
    {
        using var dir = new TempDirectory();
        string path = dir.File("label.csv");
        File.WriteAllText(path, "label,p1\n1.5,0\n");
        var error = Assert.Throws<InvalidDataException>(() => CsvImageReader.Read(path));
        Assert.Contains(path, error.Message);
        Assert.Contains("line 2", error.Message);
        Assert.Contains("not an integer", error.Message);
    }

    [Fact]
    public void Missing_label_column_and_ragged_rows_are_reported()
    {
        using var dir = new TempDirectory();
        string noLabel = dir.File("nolabel.csv"), ragged = dir.File("ragged.csv"), empty = dir.File("empty.csv");
        File.WriteAllText(noLabel, "class,p1\n1,0\n");
        File.WriteAllText(ragged, "label,p1,p2\n1,0,0\n1,0\n");
        File.WriteAllText(empty, "");
        var e1 = Assert.Throws<InvalidDataException>(() => CsvImageReader.Read(noLabel));
        Assert.Contains(noLabel, e1.Message);
        Assert.Contains("no column named 'label'", e1.Message);
        var e2 = Assert.Throws<InvalidDataException>(() => CsvImageReader.Read(ragged));
        Assert.Contains(ragged, e2.Message);
        Assert.Contains("line 3", e2.Message);
        Assert.Contains("2 cells but the header has 3 columns", e2.Message);
        var e3 = Assert.Throws<InvalidDataException>(() => CsvImageReader.Read(empty));
        Assert.Contains("empty", e3.Message);
    }

    [Fact]
    public void Label_outside_the_class_count_is_reported()
    {
        using var dir = new TempDirectory();
        string path = dir.File("range.csv");
        File.WriteAllText(path, "label,p1\n0,0\n25,0\n");
        var error = Assert.Throws<InvalidDataException>(() => CsvImageReader.Read(path, classCount: 25));
        Assert.Contains("line 3", error.Message);
        Assert.Contains("outside [0, 25)", error.Message);
    }

    // Sign Language MNIST's header and labels: 0-24 without 9.
    private static readonly LabelMap Letters = new(Enumerable.Range(0, 25).Where(label => label != 9));

    [Fact]
    public void A_label_map_turns_labels_into_classes()
    {
        using var dir = new TempDirectory();
        string path = dir.File("sign_mnist_train.csv");
        File.WriteAllText(path, "label,pixel1,pixel2\n10,0,255\n24,255,0\n0,51,51\n");
        var data = CsvImageReader.Read(path, labelMap: Letters);
        Assert.Equal(24, data.TargetCount);
        Assert.Equal(new[] { 9, 23, 0 }, data.Labels.ToArray());
    }

    [Fact]
    public void A_label_missing_from_the_map_names_file_line_and_the_labels()
    {
        using var dir = new TempDirectory();
        string path = dir.File("sign_mnist_test.csv");
        File.WriteAllText(path, "label,pixel1\n3,0\n9,0\n");
        var error = Assert.Throws<InvalidDataException>(() => CsvImageReader.Read(path, labelMap: Letters));
        Assert.Contains(path, error.Message);
        Assert.Contains("line 3", error.Message);
        Assert.Contains("column 1 ('label'): the label 9 is not one of the 24 classes' labels (0-8, 10-24)", error.Message);
        Assert.Throws<ArgumentException>(() => CsvImageReader.Read(path, classCount: 25, labelMap: Letters));
    }

    [Fact]
    public void Extra_cells_empty_pixels_and_a_header_without_rows_are_reported()
    {
        using var dir = new TempDirectory();
        string extra = dir.File("extra.csv"), blank = dir.File("blank.csv"), headerOnly = dir.File("header.csv");
        File.WriteAllText(extra, "label,pixel1,pixel2\n1,0,0\n1,0,0,7\n");
        File.WriteAllText(blank, "label,pixel1,pixel2\n1,0,\n");
        File.WriteAllText(headerOnly, "label,pixel1,pixel2\n");
        var e1 = Assert.Throws<InvalidDataException>(() => CsvImageReader.Read(extra));
        Assert.Contains($"{extra}, line 3: the row has more cells than the header's 3 columns", e1.Message);
        var e2 = Assert.Throws<InvalidDataException>(() => CsvImageReader.Read(blank));
        Assert.Contains($"{blank}, line 2: column 3 ('pixel2'): '' is not a number", e2.Message);
        var e3 = Assert.Throws<InvalidDataException>(() => CsvImageReader.Read(headerOnly));
        Assert.Contains("a header but no data rows", e3.Message);
    }
}
