using CompiledNets.Runtime.Tests.Infrastructure;
using CompiledNets.Tests.Shared;

namespace CompiledNets.Runtime.Tests.Data;

public class IdxReaderTests
{
    [Fact]
    public void Reads_images_and_labels_into_a_normalised_labelled_dataset()
    {
        using var dir = new TempDirectory();
        File.WriteAllBytes(dir.File("images"), IdxFileBuilder.Images(3, 2, 2, i => (byte)(i * 20)));
        File.WriteAllBytes(dir.File("labels"), IdxFileBuilder.Labels(2, 0, 1));

        var images = IdxReader.ReadImages(dir.File("images"));
        Assert.Equal(new[] { 3, 2, 2 }, images.Dimensions);
        Assert.Equal(3, images.Count);
        Assert.Equal(4, images.ItemSize);

        var data = IdxReader.ReadDataset(dir.File("images"), dir.File("labels"), classCount: 3);
        Assert.Equal(3, data.Count);
        Assert.Equal(4, data.FeatureCount);
        Assert.True(data.HasLabels);
        Assert.Equal(new[] { 2, 0, 1 }, data.Labels.ToArray());
        Assert.Equal(new[] { 80 / 255f, 100 / 255f, 120 / 255f, 140 / 255f }, data.GetFeatures(1).ToArray());
        Assert.All(data.Features.ToArray(), v => Assert.InRange(v, 0f, 1f));
    }

    [Fact]
    public void Gzip_is_detected_from_the_content_not_the_extension()
    {
        using var dir = new TempDirectory();
        var raw = IdxFileBuilder.Images(5, 3, 3);
        File.WriteAllBytes(dir.File("images-no-extension"), IdxFileBuilder.Gzip(raw));
        File.WriteAllBytes(dir.File("plain.gz"), raw);

        var fromGzip = IdxReader.ReadImages(dir.File("images-no-extension"));
        var fromRaw = IdxReader.ReadImages(dir.File("plain.gz"));
        Assert.Equal(new[] { 5, 3, 3 }, fromGzip.Dimensions);
        Assert.Equal(fromRaw.Data, fromGzip.Data);
    }

    [Fact]
    public void Wrong_magic_number_names_the_file_and_the_magic()
    {
        using var dir = new TempDirectory();
        string path = dir.File("not-idx");
        File.WriteAllBytes(path, IdxFileBuilder.Build(0x12345678, new[] { 1 }, 1));
        var error = Assert.Throws<InvalidDataException>(() => IdxReader.Read(path));
        Assert.Contains(path, error.Message);
        Assert.Contains("wrong magic number 0x12345678", error.Message);
    }

    [Fact]
    public void Labels_where_images_are_expected_is_an_error_naming_both_magics()
    {
        using var dir = new TempDirectory();
        string path = dir.File("labels");
        File.WriteAllBytes(path, IdxFileBuilder.Labels(1, 2, 3));
        var error = Assert.Throws<InvalidDataException>(() => IdxReader.ReadImages(path));
        Assert.Contains(path, error.Message);
        Assert.Contains("expected images (magic 0x00000803", error.Message);
        Assert.Contains("0x00000801", error.Message);
    }

    [Fact]
    public void Truncated_data_names_the_file_and_the_sizes()
    {
        using var dir = new TempDirectory();
        string path = dir.File("short");
        var bytes = IdxFileBuilder.Images(10, 4, 4);
        File.WriteAllBytes(path, bytes[..^7]);
        var error = Assert.Throws<InvalidDataException>(() => IdxReader.ReadImages(path));
        Assert.Contains(path, error.Message);
        Assert.Contains("declare 160 bytes", error.Message);
        Assert.Contains("holds 153", error.Message);
        Assert.Contains("truncated", error.Message);
    }

    [Fact]
    public void Truncated_header_is_reported()
    {
        using var dir = new TempDirectory();
        string path = dir.File("header");
        File.WriteAllBytes(path, IdxFileBuilder.Images(1, 2, 2)[..9]);
        var error = Assert.Throws<InvalidDataException>(() => IdxReader.Read(path));
        Assert.Contains(path, error.Message);
        Assert.Contains("truncated header", error.Message);
    }

    [Fact]
    public void Trailing_bytes_disagree_with_the_dimensions()
    {
        using var dir = new TempDirectory();
        string path = dir.File("long");
        File.WriteAllBytes(path, [.. IdxFileBuilder.Labels(1, 2, 3), 9, 9]);
        var error = Assert.Throws<InvalidDataException>(() => IdxReader.ReadLabels(path));
        Assert.Contains(path, error.Message);
        Assert.Contains("trailing bytes", error.Message);
    }

    [Fact]
    public void A_lying_header_is_rejected_without_a_huge_allocation()
    {
        using var dir = new TempDirectory();
        string raw = dir.File("liar"), gz = dir.File("liar-gz");
        // Claims 60,000 images of 2,000 × 2,000 pixels (240 GB) but holds 16 bytes.
        var bytes = IdxFileBuilder.Build(0x0803, new[] { 60_000, 2_000, 2_000 }, 16);
        File.WriteAllBytes(raw, bytes);
        File.WriteAllBytes(gz, IdxFileBuilder.Gzip(bytes));
        long before = GC.GetAllocatedBytesForCurrentThread();
        var rawError = Assert.Throws<InvalidDataException>(() => IdxReader.Read(raw));
        // 50 million bytes claimed, 16 present: gzip data is read incrementally and fails when it ends.
        File.WriteAllBytes(gz, IdxFileBuilder.Gzip(IdxFileBuilder.Build(0x0803, new[] { 50, 1_000, 1_000 }, 16)));
        var gzError = Assert.Throws<InvalidDataException>(() => IdxReader.Read(gz));
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Contains(raw, rawError.Message);
        Assert.Contains(gz, gzError.Message);
        Assert.Contains("truncated", gzError.Message);
        Assert.True(allocated < 8_000_000, $"allocated {allocated} bytes");
    }

    [Fact]
    public void Truncated_gzip_stream_is_an_error_naming_the_file()
    {
        using var dir = new TempDirectory();
        string path = dir.File("cut.gz");
        var compressed = IdxFileBuilder.Gzip(IdxFileBuilder.Images(100, 8, 8, i => (byte)(i * 7919 % 251)));
        File.WriteAllBytes(path, compressed[..(compressed.Length / 2)]);
        var error = Assert.Throws<InvalidDataException>(() => IdxReader.ReadImages(path));
        Assert.Contains(path, error.Message);
    }

    [Fact]
    public void Image_and_label_counts_that_disagree_name_both_files()
    {
        using var dir = new TempDirectory();
        string images = dir.File("images"), labels = dir.File("labels");
        File.WriteAllBytes(images, IdxFileBuilder.Images(3, 2, 2));
        File.WriteAllBytes(labels, IdxFileBuilder.Labels(1, 2));
        var error = Assert.Throws<InvalidDataException>(() => IdxReader.ReadDataset(images, labels, 10));
        Assert.Contains(images, error.Message);
        Assert.Contains(labels, error.Message);
        Assert.Contains("3 images", error.Message);
        Assert.Contains("2 labels", error.Message);
        Assert.Contains("disagree", error.Message);
    }

    [Fact]
    public void Label_outside_the_classes_names_the_file_and_item()
    {
        using var dir = new TempDirectory();
        string images = dir.File("images"), labels = dir.File("labels");
        File.WriteAllBytes(images, IdxFileBuilder.Images(2, 1, 1));
        File.WriteAllBytes(labels, IdxFileBuilder.Labels(1, 12));
        var error = Assert.Throws<InvalidDataException>(() => IdxReader.ReadDataset(images, labels, 10));
        Assert.Contains(labels, error.Message);
        Assert.Contains("label 12 of item 1", error.Message);
    }

    [Fact]
    public void Non_seekable_streams_are_read_raw_or_gzip()
    {
        var raw = IdxFileBuilder.Labels(4, 5, 6);
        var fromRaw = IdxReader.Read(new ForwardOnlyStream(raw), "raw-stream");
        var fromGzip = IdxReader.Read(new ForwardOnlyStream(IdxFileBuilder.Gzip(raw)), "gzip-stream");
        Assert.Equal(new byte[] { 4, 5, 6 }, fromRaw.Data);
        Assert.Equal(new byte[] { 4, 5, 6 }, fromGzip.Data);
        var error = Assert.Throws<InvalidDataException>(() => IdxReader.Read(new ForwardOnlyStream(raw[..^1]), "short-stream"));
        Assert.StartsWith("short-stream:", error.Message);
    }

    private sealed class ForwardOnlyStream(byte[] data) : MemoryStream(data)
    {
        public override bool CanSeek => false;
    }
}
