using System.Buffers.Binary;
using System.Text.Json.Nodes;
using static CompiledNets.Runtime.Tests.Checkpoints.CheckpointTestHelpers;

namespace CompiledNets.Runtime.Tests.Checkpoints;

/// <summary>Every way a checkpoint can be broken: a clear <see cref="InvalidDataException"/>, and the network untouched.</summary>
public class CheckpointCorruptionTests
{
    private readonly byte[] _valid = SaveToBytes(TrainedAdam());
    // The target has different weights and state from the checkpoint, so a partial load would show.
    private readonly CheckpointAdamNet _target = NewTarget();

    private static CheckpointAdamNet NewTarget()
    {
        var network = new CheckpointAdamNet(seed: 123);
        Train(network, 2, seed: 9);
        return network;
    }

    private byte[] Edit(Action<JsonObject> edit, byte[]? data = null) => SafetensorsTestFile.EditHeader(_valid, edit, data);

    private static JsonArray Offsets(JsonObject header, string name) => header[name]!["data_offsets"]!.AsArray();

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(7)]
    public void File_shorter_than_eight_bytes(int length) =>
        AssertRejected(_target, _valid.AsSpan(0, length).ToArray(), $"is {length} bytes long", "shorter than the 8-byte header length");

    [Theory]
    [InlineData(ulong.MaxValue)]
    [InlineData(1UL << 40)]
    [InlineData(100_000_001UL)]
    public void Absurd_header_length_is_rejected_without_allocating(ulong length)
    {
        byte[] file = (byte[])_valid.Clone();
        BinaryPrimitives.WriteUInt64LittleEndian(file, length);
        long before = GC.GetAllocatedBytesForCurrentThread();
        AssertRejected(_target, file, $"declares a header of {length} bytes", "more than the 100000000-byte limit");
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 1 << 20);
    }

    [Fact]
    public void Header_length_beyond_the_end_of_the_file()
    {
        byte[] file = (byte[])_valid.Clone();
        BinaryPrimitives.WriteUInt64LittleEndian(file, (ulong)file.Length);
        AssertRejected(_target, file, $"declares a header of {file.Length} bytes", $"only {file.Length - 8} bytes follow", "truncated");
    }

    [Fact]
    public void Lying_header_length_on_an_unseekable_stream_allocates_only_what_arrives()
    {
        byte[] file = (byte[])_valid.Clone();
        BinaryPrimitives.WriteUInt64LittleEndian(file, 90_000_000);
        var before = NetworkState.Of(_target);
        long allocated = GC.GetAllocatedBytesForCurrentThread();
        var error = Assert.Throws<InvalidDataException>(() => _target.Load(new UnseekableStream(file)));
        Assert.Contains("ends inside its 90000000-byte header", error.Message);
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - allocated < 1 << 20);
        before.AssertSameAs(_target);
    }

    [Fact]
    public void Zero_header_length() =>
        AssertRejected(_target, SafetensorsTestFile.Build("", [], pad: false), "empty header");

    [Fact]
    public void Truncated_inside_the_header()
    {
        int n = (int)BinaryPrimitives.ReadUInt64LittleEndian(_valid);
        AssertRejected(_target, _valid.AsSpan(0, 8 + n / 2).ToArray(), "truncated");
    }

    [Fact]
    public void Truncated_tensor_data() =>
        AssertRejected(_target, _valid.AsSpan(0, _valid.Length - 4).ToArray(), "is truncated", "only");

    [Fact]
    public void Trailing_bytes_after_the_data() =>
        AssertRejected(_target, [.. _valid, 1, 2, 3, 4], "4 bytes after the", "tensor data");

    [Fact]
    public void Header_that_is_not_json() =>
        AssertRejected(_target, SafetensorsTestFile.Build("{\"__metadata__\": {\"format\": \"pt\"", []), "not valid JSON");

    [Fact]
    public void Header_that_is_not_an_object() =>
        AssertRejected(_target, SafetensorsTestFile.Build("[1, 2, 3]", []), "does not start with '{'");

    [Fact]
    public void Header_with_invalid_utf8()
    {
        byte[] file = SafetensorsTestFile.Build("{\"a?\": 1}", []);
        file[8 + 3] = 0xFF; // the '?' becomes a byte that is never valid UTF-8
        AssertRejected(_target, file, "not valid UTF-8");
    }

    [Fact]
    public void Tensor_entry_that_is_not_an_object() =>
        AssertRejected(_target, SafetensorsTestFile.Build("{\"dense1.weight\": 5}", []), "'dense1.weight' described by a Number");

    [Fact]
    public void Metadata_value_that_is_not_a_string() =>
        AssertRejected(_target, Edit(h => h["__metadata__"]!["compilednets.optimizer_step"] = 5), "'compilednets.optimizer_step' with a Number value");

    [Fact]
    public void Duplicate_tensor_name()
    {
        var (header, data) = SafetensorsTestFile.Split(_valid);
        string dense2Bias = SafetensorsTestFile.Header(_valid)["dense2.bias"]!.ToJsonString();
        string trimmed = header.TrimEnd(' ');
        string duplicated = trimmed[..^1] + ",\"dense2.bias\":" + dense2Bias + "}";
        AssertRejected(_target, SafetensorsTestFile.Build(duplicated, data), "'dense2.bias' twice");
    }

    [Fact]
    public void Missing_tensor() =>
        AssertRejected(_target, Edit(h => h.Remove("dense2.bias")), "missing the tensor 'dense2.bias' [3]");

    [Fact]
    public void Missing_one_of_the_optimizer_tensors()
    {
        // Its bytes are still there: the data no longer matches the header.
        AssertRejected(_target, Edit(h => h.Remove("optimizer.exp_avg_sq")), "bytes after the", "corrupt");
        // Asked to restore the optimizer, the load names the incomplete state first.
        var before = NetworkState.Of(_target);
        var error = Assert.Throws<InvalidDataException>(() => _target.Load(new MemoryStream(Edit(h => h.Remove("optimizer.exp_avg_sq"))), requireOptimizerState: true));
        Assert.Contains("optimizer tensors (optimizer.exp_avg) are not this network's (optimizer.exp_avg, optimizer.exp_avg_sq)", error.Message);
        before.AssertSameAs(_target);
    }

    [Fact]
    public void Extra_tensor()
    {
        long end = _valid.Length - 8 - (long)BinaryPrimitives.ReadUInt64LittleEndian(_valid);
        var data = SafetensorsTestFile.Split(_valid).Data.Concat(SafetensorsTestFile.Floats(1, 2)).ToArray();
        var file = Edit(h => h["dense3.weight"] = new JsonObject { ["dtype"] = "F32", ["shape"] = new JsonArray(2), ["data_offsets"] = new JsonArray(end, end + 8) }, data);
        AssertRejected(_target, file, "contains the tensor 'dense3.weight', which the network does not have", "dense1.weight, dense1.bias");
    }

    [Theory]
    [InlineData("F16")]
    [InlineData("F64")]
    [InlineData("BF16")]
    [InlineData("I64")]
    public void Wrong_dtype_is_named(string dtype) =>
        AssertRejected(_target, Edit(h => h["dense1.bias"]!["dtype"] = dtype), $"'dense1.bias' as dtype {dtype}", "only F32");

    [Fact]
    public void Wrong_shape_names_tensor_expected_and_actual() =>
        AssertRejected(_target, Edit(h => h["dense1.weight"]!["shape"] = new JsonArray(4, 8)),
            "'dense1.weight' with shape [4, 8]", "network expects [8, 4]");

    [Fact]
    public void Negative_dimension() =>
        AssertRejected(_target, Edit(h => h["dense1.weight"]!["shape"] = new JsonArray(-8, 4)), "not a non-negative integer");

    [Fact]
    public void Offsets_that_do_not_match_the_shape() =>
        AssertRejected(_target, Edit(h => Offsets(h, "dense1.bias")[1] = Offsets(h, "dense1.bias")[1]!.GetValue<long>() - 4),
            "'dense1.bias' the data_offsets", "(28 bytes)", "F32 [8] takes 32 bytes");

    [Fact]
    public void Offsets_that_end_before_they_begin() =>
        AssertRejected(_target, Edit(h => Offsets(h, "dense1.bias")[1] = 0), "end before they begin");

    [Fact]
    public void Overlapping_tensors() =>
        // dense1.bias [8] placed over the start of dense1.weight: sizes right, ranges overlap.
        AssertRejected(_target, Edit(h => { Offsets(h, "dense1.bias")[0] = 0; Offsets(h, "dense1.bias")[1] = 32; }), "overlapping tensors");

    [Fact]
    public void Offsets_beyond_the_data()
    {
        var file = Edit(h =>
        {
            var offsets = Offsets(h, "optimizer.exp_avg_sq");
            offsets[0] = offsets[0]!.GetValue<long>() + 1024;
            offsets[1] = offsets[1]!.GetValue<long>() + 1024;
        });
        AssertRejected(_target, file, "hole in its data");
    }

    [Fact]
    public void Offsets_too_large_for_any_file() =>
        AssertRejected(_target, Edit(h => { Offsets(h, "dense1.weight")[0] = ulong.MaxValue; Offsets(h, "dense1.weight")[1] = ulong.MaxValue; }), "'dense1.weight' the data_offsets");

    [Fact]
    public void Flipped_bit_in_the_data_fails_the_checksum()
    {
        var file = (byte[])_valid.Clone();
        file[^100] ^= 0x10;
        AssertRejected(_target, file, "fails its checksum", "the data is corrupt");
    }

    [Fact]
    public void Changed_metadata_value_fails_the_checksum() =>
        AssertRejected(_target, Edit(h => h["__metadata__"]!["compilednets.learning_rate"] = "0.5"), "fails its checksum");

    [Fact]
    public void Missing_checksum() =>
        AssertRejected(_target, Edit(h => h["__metadata__"]!.AsObject().Remove("compilednets.checksum")), "no 'compilednets.checksum' entry");

    [Fact]
    public void Wrong_fingerprint() =>
        AssertRejected(_target, Edit(h => h["__metadata__"]!["compilednets.fingerprint"] = "0123456789abcdef"), "fingerprint '0123456789abcdef'", "corrupt");

    [Fact]
    public void Unknown_format_version() =>
        AssertRejected(_target, Edit(h => h["__metadata__"]!["compilednets.version"] = "2"), "format version '2'", "reads version 1");

    [Fact]
    public void Bad_optimizer_step() =>
        AssertRejected(_target, Edit(h => h["__metadata__"]!["compilednets.optimizer_step"] = "-3"), "optimizer step '-3'");

    [Fact]
    public void Architecture_mismatch_written_into_the_metadata() =>
        AssertRejected(_target, Edit(h => h["__metadata__"]!["compilednets.architecture"] = "4 -> Dense(9, ReLU) -> Dense(3, Softmax)"),
            "checkpoint: 4 -> Dense(9, ReLU) -> Dense(3, Softmax)", "network:    " + _target.Architecture);

    /// <summary>Reads one byte per call and cannot seek: exercises the unknown-length path.</summary>
    internal sealed class UnseekableStream(byte[] data) : Stream
    {
        private int _position;
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override int Read(byte[] buffer, int offset, int count)
        {
            if (count == 0 || _position >= data.Length) return 0;
            buffer[offset] = data[_position++];
            return 1;
        }
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
