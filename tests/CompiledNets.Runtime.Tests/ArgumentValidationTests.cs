using System.Buffers.Binary;
using CompiledNets.Runtime.Tests.Infrastructure;
using CompiledNets.Tests.Shared;
using Xunit.Abstractions;

namespace CompiledNets.Runtime.Tests;

/// <summary>
/// Public runtime methods reject a null, a span of the wrong length, a batch size out of range or a negative count
/// with an argument exception whose message names the expected and the actual sizes; regressions for the reader bugs
/// the fuzz tests found.
/// </summary>
public class ArgumentValidationTests(ITestOutputHelper output)
{
    public static TheoryData<string> Cases => new(Faults.Keys);

    private static readonly Dictionary<string, (Type Exception, Action Call, string[] Mentions)> Faults = Build();

    private static Dictionary<string, (Type, Action, string[])> Build()
    {
        var data = Dataset.FromLabels(new float[12], 3, [0, 1, 0, 1], 2);
        var net = new RobustSmallNet(seed: 1);
        return new()
        {
            ["Predict: input too short"] = (typeof(ArgumentException), () => net.Predict(new float[2], new float[2]), ["2", "3"]),
            ["Predict: output too long"] = (typeof(ArgumentException), () => net.Predict(new float[3], new float[5]), ["5", "2"]),
            ["Predict: one value"] = (typeof(ArgumentException), () => net.Predict(new float[1], new float[2]), ["'input' has 1 value;", "expected 3"]),
            ["Sequential.Predict: one value"] = (typeof(ArgumentException), () => new Sequential(3).Dense(2).InferenceOnly().Build(seed: 1).Predict(new float[1], new float[2]), ["'input' has 1 value;", "expected 3"]),
            ["PredictBatch: negative batch"] = (typeof(ArgumentOutOfRangeException), () => net.PredictBatch([], [], -1), ["-1"]),
            ["PredictBatch: inputs for 3 of 4 rows"] = (typeof(ArgumentException), () => net.PredictBatch(new float[9], new float[8], 4), ["9", "12"]),
            ["ComputeGradients: batch above MaxBatchSize"] = (typeof(ArgumentException), () => net.ComputeGradients(new float[99], new float[66], 33), ["33", "32"]),
            ["ComputeGradients: targets too short"] = (typeof(ArgumentException), () => net.ComputeGradients(new float[6], new float[3], 2), ["3", "4"]),
            ["Dataset: null features"] = (typeof(ArgumentNullException), () => _ = new Dataset(null!, 3, [], 2), ["features"]),
            ["Dataset: null targets"] = (typeof(ArgumentNullException), () => _ = new Dataset([], 3, null!, 2), ["targets"]),
            ["Dataset: null labels"] = (typeof(ArgumentNullException), () => Dataset.FromLabels([], 3, null!, 2), ["labels"]),
            ["Dataset: targets for 3 of 4 samples"] = (typeof(ArgumentException), () => _ = new Dataset(new float[12], 3, new float[6], 2), ["8", "6"]),
            ["Dataset: negative feature count"] = (typeof(ArgumentOutOfRangeException), () => _ = new Dataset([], -3, [], 2), ["-3"]),
            ["Dataset.GetFeatures: index past the end"] = (typeof(ArgumentOutOfRangeException), () => data.GetFeatures(4), ["4", "[0, 4)"]),
            ["Dataset.GetClass: negative index"] = (typeof(ArgumentOutOfRangeException), () => data.GetClass(-1), ["-1", "[0, 4)"]),
            ["Dataset.CopyTargets: short destination"] = (typeof(ArgumentException), () => data.CopyTargets(0, new float[1]), ["1", "2"]),
            ["Dataset.GatherBatch: feature buffer too short"] = (typeof(ArgumentException), () => data.GatherBatch([0, 1], new float[5], new float[4]), ["5", "6"]),
            ["Dataset.GatherBatch: index out of range"] = (typeof(ArgumentOutOfRangeException), () => data.GatherBatch([0, 7], new float[6], new float[4]), ["7", "[0, 4)"]),
            ["Dataset.Select: index out of range"] = (typeof(ArgumentOutOfRangeException), () => data.Select([9]), ["9", "[0, 4)"]),
            ["Dataset.Slice: count past the end"] = (typeof(ArgumentOutOfRangeException), () => data.Slice(2, 3), ["3", "4"]),
            ["Dataset.Slice: negative start"] = (typeof(ArgumentOutOfRangeException), () => data.Slice(-1, 1), ["-1"]),
            ["BatchLoader: zero batch"] = (typeof(ArgumentOutOfRangeException), () => _ = new BatchLoader(data, 0), ["0"]),
            ["BatchLoader.GetBatch: past the last batch"] = (typeof(ArgumentOutOfRangeException), () => new BatchLoader(data, 3).GetBatch(2), ["2", "2 batches"]),
            ["Fit: negative epochs"] = (typeof(ArgumentOutOfRangeException), () => net.Fit(Regression4(), epochs: -1, verbose: 0), ["-1"]),
            ["Fit: validation split of 1"] = (typeof(ArgumentOutOfRangeException), () => net.Fit(Regression4(), validationSplit: 1, verbose: 0), ["[0, 1)", "1"]),
            ["Fit: negative validation split"] = (typeof(ArgumentOutOfRangeException), () => net.Fit(Regression4(), validationSplit: -0.5, verbose: 0), ["-0.5"]),
            ["Fit: NaN validation split"] = (typeof(ArgumentOutOfRangeException), () => net.Fit(Regression4(), validationSplit: double.NaN, verbose: 0), ["NaN"]),
            ["Fit: null callback"] = (typeof(ArgumentException), () => net.Fit(Regression4(), callbacks: [null!], verbose: 0), ["Callback 0"]),
            ["Fit: wrong feature count"] = (typeof(ArgumentException), () => net.Fit(Dataset.FromLabels(new float[4], 2, [0, 1], 2), verbose: 0), ["2 features", "expects 3"]),
            ["Evaluate: zero batch"] = (typeof(ArgumentOutOfRangeException), () => net.Evaluate(Regression4(), batchSize: 0), ["0"]),
            ["Evaluate: null data"] = (typeof(ArgumentNullException), () => net.Evaluate((Dataset)null!), ["data"]),
            ["PredictClasses: zero batch (was an endless loop)"] = (typeof(ArgumentOutOfRangeException), () => net.PredictClasses(Regression4(), batchSize: 0), ["0"]),
            ["PredictClasses: wrong feature count"] = (typeof(ArgumentException), () => net.PredictClasses(Dataset.FromLabels(new float[4], 2, [0, 1], 2)), ["2", "3"]),
            ["Metrics.CountCorrect: zero output size (was a division by zero)"] = (typeof(ArgumentOutOfRangeException), () => Metrics.CountCorrect([1f], [1f], 0), ["0"]),
            ["Metrics.SumLoss: ragged rows"] = (typeof(ArgumentException), () => Metrics.SumLoss(LossFunction.MeanSquaredError, new float[5], new float[5], 2), ["5", "2"]),
            ["Metrics.SumLoss: lengths differ"] = (typeof(ArgumentException), () => Metrics.SumLoss(LossFunction.MeanSquaredError, new float[4], new float[2], 2), ["4", "2"]),
            ["Metrics.ArgMax: empty row"] = (typeof(ArgumentException), () => Metrics.ArgMax([]), ["0"]),
            ["OneHot.Encode: destination too short"] = (typeof(ArgumentException), () => OneHot.Encode([0, 1], 3, new float[5]), ["5", "6"]),
            ["OneHot.Decode: ragged"] = (typeof(ArgumentException), () => OneHot.Decode(new float[7], 3), ["7", "3"]),
            ["History.Add: null"] = (typeof(ArgumentNullException), () => new History().Add(null!), ["epoch"]),
            ["Ensemble.Predict: input too short"] = (typeof(ArgumentException), () => new Ensemble(net).Predict(new float[2], new float[2]), ["3", "2"]),
            ["Ensemble.PredictBatch: huge batch (no overflow)"] = (typeof(ArgumentException), () => new Ensemble(net).PredictBatch(new float[3], new float[2], int.MaxValue), ["6442450941"]),
            ["ImageAugmentation.Apply: huge batch (no overflow)"] = (typeof(ArgumentException), () => new ImageAugmentation().Apply(new float[784], int.MaxValue), ["1683627179248"]),
            ["ImageAugmentation.Shift: short source"] = (typeof(ArgumentException), () => ImageAugmentation.Shift(new float[3], new float[4], 2, 2, 1, 0), ["4", "3"]),
            ["ImageAugmentation.Rotate: zero height"] = (typeof(ArgumentOutOfRangeException), () => ImageAugmentation.Rotate(new float[4], new float[4], 2, 0, 5), ["height"]),
            ["IdxReader.ReadDataset: null labels path"] = (typeof(ArgumentNullException), () => IdxReader.ReadDataset("x", null!, 10), ["labelsPath"]),
            ["CsvImageReader.Read: zero scale"] = (typeof(ArgumentOutOfRangeException), () => CsvImageReader.Read("x.csv", scale: 0), ["scale"]),
            ["GradientClipping: negative norm"] = (typeof(ArgumentOutOfRangeException), () => GradientClipping.ClipByGlobalNorm(new float[2], -1), ["-1"]),
        };
    }

    private static Dataset Regression4() => RobustData.Regression(4, seed: 1);

    [Theory]
    [MemberData(nameof(Cases))]
    public void Each_fault_throws_an_argument_exception_naming_the_sizes(string name)
    {
        var (type, call, mentions) = Faults[name];
        var error = Assert.ThrowsAny<ArgumentException>(call);
        Assert.IsType(type, error);
        output.WriteLine($"{name}: {error.GetType().Name}: {error.Message}");
        foreach (string mention in mentions) Assert.Contains(mention, error.Message);
    }

    [Fact]
    public void Csv_label_at_int_MaxValue_without_a_class_count_is_invalid_data_not_an_overflow()
    {
        using var directory = new TempDirectory();
        string path = directory.File("big.csv");
        File.WriteAllText(path, "label,p\n2147483647,1\n");
        var error = Assert.Throws<InvalidDataException>(() => CsvImageReader.Read(path));
        Assert.Contains("2147483647", error.Message);
        Assert.Contains("line 2", error.Message);
    }

    [Fact]
    public void Csv_with_a_very_wide_header_allocates_in_proportion_to_the_file()
    {
        using var directory = new TempDirectory();
        string path = directory.File("wide.csv");
        File.WriteAllText(path, "label," + string.Concat(Enumerable.Repeat("a,", 50_000)) + "b\n");
        long before = GC.GetAllocatedBytesForCurrentThread();
        Assert.Throws<InvalidDataException>(() => CsvImageReader.Read(path)); // no data rows
        long used = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.True(used < 32L * new FileInfo(path).Length + (1 << 20), $"{used} bytes for a {new FileInfo(path).Length}-byte file (was ~200 MB)");
    }

    [Fact]
    public void Idx_gzip_whose_header_lies_allocates_little()
    {
        var header = new byte[8];
        BinaryPrimitives.WriteInt32BigEndian(header, IdxReader.LabelsMagic);
        BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(4), 50_000_000); // claims 50 MB, holds 3 bytes
        var compressed = new MemoryStream();
        using (var gzip = new System.IO.Compression.GZipStream(compressed, System.IO.Compression.CompressionLevel.Fastest, leaveOpen: true))
            gzip.Write([.. header, 1, 2, 3]);
        long before = GC.GetAllocatedBytesForCurrentThread();
        var error = Assert.Throws<InvalidDataException>(() => IdxReader.Read(new MemoryStream(compressed.ToArray()), "lying.gz"));
        long used = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Contains("truncated", error.Message);
        Assert.True(used < 512 * 1024, $"{used} bytes allocated (was over 1 MB)");
    }

    [Fact]
    public void Idx_dataset_of_zero_images_with_huge_dimensions_is_invalid_data_not_an_overflow()
    {
        using var directory = new TempDirectory();
        var images = new byte[16];
        BinaryPrimitives.WriteInt32BigEndian(images, IdxReader.ImagesMagic);
        BinaryPrimitives.WriteInt32BigEndian(images.AsSpan(8), 70_000);
        BinaryPrimitives.WriteInt32BigEndian(images.AsSpan(12), 70_000); // 0 × 70,000 × 70,000: no data, but 4.9e9 pixels per image
        var labels = new byte[8];
        BinaryPrimitives.WriteInt32BigEndian(labels, IdxReader.LabelsMagic);
        File.WriteAllBytes(directory.File("images"), images);
        File.WriteAllBytes(directory.File("labels"), labels);
        var error = Assert.Throws<InvalidDataException>(() => IdxReader.ReadDataset(directory.File("images"), directory.File("labels"), 10));
        Assert.Contains("70000 × 70000", error.Message);
    }
}
