using System.Buffers.Binary;
using System.Globalization;
using System.IO.Compression;
using System.Text;
using CompiledNets.Tests.Shared;
using CsCheck;
using Xunit.Abstractions;

namespace CompiledNets.Runtime.Tests.Data;

/// <summary>
/// Property-based fuzzing of the IDX and CSV loaders with CsCheck: thousands of random and mutated inputs, raw and
/// gzip-compressed, through seekable and unseekable streams and files. Whatever the bytes, a loader either returns
/// data or throws the one exception type it documents (<see cref="InvalidDataException"/>), and never allocates more
/// than a small multiple of the input plus 1 MB (a header that lies about its size must not cost memory).
/// </summary>
/// <remarks>
/// Each case is built from one integer seed that CsCheck draws (and shrinks, and prints on failure): rerun a failure
/// with <c>Case(seed)</c> to reproduce it exactly. CsCheck runs on one thread here, to share the machine.
/// </remarks>
public class LoaderFuzzTests(ITestOutputHelper output)
{
    private const int IdxIterations = 4000;
    private const int IdxFileIterations = 300;
    private const int CsvIterations = 1500;
    private const long OneMegabyte = 1 << 20;

    // ---------- IDX ----------

    /// <summary>A fuzz input: the bytes, the size the bound is measured against, and what was done.</summary>
    private sealed record Input(byte[] Bytes, long PayloadLength, string Description);

    [Fact]
    public void Idx_streams_only_ever_throw_InvalidDataException_and_allocate_little()
    {
        int accepted = 0, rejected = 0;
        Gen.Int.Sample(seed =>
        {
            var input = IdxCase(seed);
            bool seekable = (seed & 1) == 0;
            Stream stream = seekable ? new MemoryStream(input.Bytes) : new UnseekableStream(input.Bytes);
            long before = GC.GetAllocatedBytesForCurrentThread();
            try
            {
                var idx = IdxReader.Read(stream, "fuzz.idx");
                // Accepted data is self-consistent.
                long product = idx.Dimensions.Aggregate(1L, (a, d) => a * d);
                Assert.Equal(product, idx.Data.LongLength);
                accepted++;
            }
            catch (InvalidDataException error)
            {
                Assert.StartsWith("fuzz.idx: ", error.Message, StringComparison.Ordinal);
                rejected++;
            }
            catch (Exception error)
            {
                Assert.Fail($"seed {seed} ({input.Description}, {(seekable ? "seekable" : "unseekable")}) threw {error.GetType().Name}: {error.Message}");
            }
            AssertAllocation(before, input, seed);
        }, iter: IdxIterations, threads: 1, print: seed => $"{seed}: {IdxCase(seed).Description}");
        output.WriteLine($"IDX streams: {accepted} accepted, {rejected} rejected with InvalidDataException.");
        Assert.True(accepted > IdxIterations / 20 && rejected > IdxIterations / 2, $"unbalanced cases: {accepted} accepted, {rejected} rejected");
    }

    [Fact]
    public void Idx_datasets_from_files_only_ever_throw_InvalidDataException()
    {
        using var directory = new TempDirectory();
        string images = Path.Combine(directory.Path, "images"), labels = Path.Combine(directory.Path, "labels");
        int accepted = 0, rejected = 0;
        Gen.Int.Sample(seed =>
        {
            var random = new Random(seed);
            int count = random.Next(0, 6);
            // One case in eight is a valid pair, so every run also proves that good files load; the rest are damaged.
            bool valid = random.Next(8) == 0;
            var imageBytes = ValidIdx(random, [count, random.Next(1, 5), random.Next(1, 5)]);
            var imageInput = valid ? new Input(imageBytes, imageBytes.Length, "valid images")
                : random.Next(3) == 0 ? RandomIdx(random) : Mutate(imageBytes, random);
            var labelBytes = ValidIdx(random, [count], maxValue: valid ? 10 : 12);
            var labelInput = !valid && random.Next(2) == 0 ? Mutate(labelBytes, random) : new Input(labelBytes, labelBytes.Length, "valid labels");
            File.WriteAllBytes(images, imageInput.Bytes);
            File.WriteAllBytes(labels, labelInput.Bytes);
            long before = GC.GetAllocatedBytesForCurrentThread();
            try
            {
                var data = IdxReader.ReadDataset(images, labels, classCount: 10);
                Assert.Equal(data.Count * data.FeatureCount, data.Features.Length);
                accepted++;
            }
            catch (InvalidDataException) when (!valid)
            {
                rejected++;
            }
            catch (Exception error)
            {
                Assert.Fail($"seed {seed} (images: {imageInput.Description}; labels: {labelInput.Description}) threw {error.GetType().Name}: {error.Message}");
            }
            long used = GC.GetAllocatedBytesForCurrentThread() - before;
            long payload = imageInput.PayloadLength + labelInput.PayloadLength;
            // Pixels become floats (4 bytes each) in the dataset: allow for that on top of the reader's own bound.
            Assert.True(used < 16 * payload + 2 * OneMegabyte, $"seed {seed} allocated {used} bytes for {payload} bytes of input");
        }, iter: IdxFileIterations, threads: 1);
        output.WriteLine($"IDX datasets from files: {accepted} accepted, {rejected} rejected with InvalidDataException.");
        Assert.True(rejected > 0 && accepted > 0, $"unbalanced cases: {accepted} accepted, {rejected} rejected");
    }

    /// <summary>One IDX fuzz case, fully determined by <paramref name="seed"/>.</summary>
    private static Input IdxCase(int seed)
    {
        var random = new Random(seed);
        byte[] valid = random.Next(3) switch
        {
            0 => ValidIdx(random, [random.Next(0, 6), random.Next(0, 6), random.Next(0, 6)]),
            1 => ValidIdx(random, [random.Next(0, 30)]),
            _ => ValidIdx(random, Enumerable.Range(0, random.Next(1, 6)).Select(_ => random.Next(0, 4)).ToArray()),
        };
        if (random.Next(8) == 0) return new Input(valid, valid.Length, "valid");
        if (random.Next(6) == 0)
        {
            var raw = RandomIdx(random);
            return random.Next(2) == 0 ? raw : Gzip(raw, random);
        }
        var mutated = Mutate(valid, random);
        return random.Next(3) == 0 ? Gzip(mutated, random) : mutated;
    }

    /// <summary>A well-formed unsigned-byte IDX file with the given dimensions.</summary>
    private static byte[] ValidIdx(Random random, int[] dimensions, int maxValue = 256)
    {
        long values = dimensions.Aggregate(1L, (a, d) => a * d);
        var bytes = new byte[4 + 4 * dimensions.Length + values];
        bytes[2] = 0x08;
        bytes[3] = (byte)dimensions.Length;
        for (int d = 0; d < dimensions.Length; d++) BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(4 + 4 * d), dimensions[d]);
        for (int i = 4 + 4 * dimensions.Length; i < bytes.Length; i++) bytes[i] = (byte)random.Next(maxValue);
        return bytes;
    }

    /// <summary>A header with arbitrary (often absurd) dimensions over a little data.</summary>
    private static Input RandomIdx(Random random)
    {
        int rank = random.Next(0, 256);
        int shownRank = Math.Min(rank, random.Next(0, 8));
        var bytes = new List<byte> { 0, 0, random.Next(4) == 0 ? (byte)random.Next(256) : (byte)0x08, (byte)rank };
        for (int d = 0; d < shownRank; d++)
        {
            uint size = random.Next(5) switch
            {
                0 => 0u,
                1 => uint.MaxValue,
                2 => (uint)random.Next(),
                3 => 0x7FFFFFFFu,
                _ => (uint)random.Next(0, 64),
            };
            var word = new byte[4];
            BinaryPrimitives.WriteUInt32BigEndian(word, size);
            bytes.AddRange(word);
        }
        var tail = new byte[random.Next(0, 200)];
        random.NextBytes(tail);
        bytes.AddRange(tail);
        var array = bytes.ToArray();
        return new Input(array, array.Length, $"rank {rank} header with {shownRank} dimensions and {tail.Length} bytes");
    }

    private static Input Mutate(byte[] valid, Random random) => Mutate(new Input(valid, valid.Length, "valid"), random);

    private static Input Mutate(Input input, Random random)
    {
        var file = (byte[])input.Bytes.Clone();
        switch (random.Next(7))
        {
            case 0:
            {
                int flips = random.Next(1, 6);
                for (int i = 0; i < flips && file.Length > 0; i++) file[random.Next(file.Length)] ^= (byte)(1 << random.Next(8));
                return new Input(file, file.Length, $"{flips} bit flips");
            }
            case 1:
            {
                int length = random.Next(file.Length + 1);
                return new Input(file[..length], length, $"truncated to {length}");
            }
            case 2:
            {
                // Overwrite a header word (magic or a dimension) with something extreme.
                int word = random.Next(Math.Max(1, Math.Min(6, file.Length / 4)));
                if (file.Length >= 4 * word + 4)
                {
                    uint value = random.Next(4) switch { 0 => uint.MaxValue, 1 => 0x7FFFFFFFu, 2 => (uint)random.Next(), _ => (uint)random.Next(0, 100) };
                    BinaryPrimitives.WriteUInt32BigEndian(file.AsSpan(4 * word), value);
                    return new Input(file, file.Length, $"header word {word} = {value}");
                }
                return new Input(file, file.Length, "unchanged (too short)");
            }
            case 3:
            {
                var extra = new byte[random.Next(1, 64)];
                random.NextBytes(extra);
                var longer = file.Concat(extra).ToArray();
                return new Input(longer, longer.Length, $"{extra.Length} trailing bytes");
            }
            case 4:
            {
                int position = random.Next(file.Length + 1);
                int count = Math.Min(random.Next(1, 16), file.Length - position);
                var shorter = file[..position].Concat(file[(position + count)..]).ToArray();
                return new Input(shorter, shorter.Length, $"{count} bytes deleted at {position}");
            }
            case 5:
            {
                var noise = new byte[random.Next(0, 300)];
                random.NextBytes(noise);
                if (random.Next(2) == 0 && noise.Length >= 2) { noise[0] = 0x1f; noise[1] = 0x8b; } // fake gzip magic
                return new Input(noise, noise.Length, $"{noise.Length} random bytes");
            }
            default:
            {
                // The rank byte changed: the header is read with the wrong number of dimensions.
                if (file.Length >= 4) file[3] = (byte)random.Next(256);
                return new Input(file, file.Length, $"rank byte {(file.Length >= 4 ? file[3] : -1)}");
            }
        }
    }

    /// <summary>Gzip-compresses the input, then sometimes damages the compressed bytes.</summary>
    private static Input Gzip(Input input, Random random)
    {
        var compressed = new MemoryStream();
        using (var gzip = new GZipStream(compressed, CompressionLevel.Fastest, leaveOpen: true)) gzip.Write(input.Bytes);
        var bytes = compressed.ToArray();
        if (bytes.Length < 2) return input; // GZipStream writes nothing for empty input
        string damage = "intact";
        switch (random.Next(4))
        {
            case 0:
                int flips = random.Next(1, 4);
                for (int i = 0; i < flips; i++) bytes[random.Next(bytes.Length)] ^= (byte)(1 << random.Next(8));
                damage = $"{flips} bit flips";
                break;
            case 1:
                int length = random.Next(2, bytes.Length + 1);
                bytes = bytes[..length];
                damage = $"truncated to {length}";
                break;
            case 2:
                bytes = [.. bytes, .. bytes]; // two gzip members: the data twice
                damage = "concatenated twice";
                break;
        }
        return new Input(bytes, Math.Max(bytes.Length, input.PayloadLength), $"gzip ({damage}) of {input.Description}");
    }

    private static void AssertAllocation(long before, Input input, int seed)
    {
        long used = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.True(used < 8 * input.PayloadLength + OneMegabyte,
            $"seed {seed} ({input.Description}) allocated {used} bytes for {input.PayloadLength} bytes of input");
    }

    // ---------- CSV ----------

    private static readonly string[] CsvPieces =
    [
        ",", ",,", "\n", "\r\n", "\"", " ", "-", "+", ".", "e", "E", "1e39", "-1e39", "NaN", "Infinity", "-0", "0x1F", "255", "3.5",
        "2147483647", "2147483648", "-2147483648", "99999999999999999999", "label", "LABEL", "\"label\"", "pixel1", "∞", "\u00a0", "\t", "\0",
        "1,2,3", "7", "9,0,0,0",
    ];

    [Fact]
    public void Csv_files_only_ever_throw_InvalidDataException_and_allocate_little()
    {
        using var directory = new TempDirectory();
        string path = Path.Combine(directory.Path, "fuzz.csv");
        int accepted = 0, rejected = 0;
        Gen.Int.Sample(seed =>
        {
            var (bytes, description, classCount) = CsvCase(seed);
            File.WriteAllBytes(path, bytes);
            long before = GC.GetAllocatedBytesForCurrentThread();
            try
            {
                var data = CsvImageReader.Read(path, classCount: classCount);
                Assert.True(data.Count > 0);
                Assert.Equal(data.Count * data.FeatureCount, data.Features.Length);
                if (classCount is int classes) Assert.Equal(classes, data.TargetCount);
                accepted++;
            }
            catch (InvalidDataException error)
            {
                Assert.StartsWith(path, error.Message, StringComparison.Ordinal);
                rejected++;
            }
            catch (Exception error)
            {
                Assert.Fail($"seed {seed} ({description}) threw {error.GetType().Name}: {error.Message}");
            }
            long used = GC.GetAllocatedBytesForCurrentThread() - before;
            long payload = Math.Max(bytes.Length, Decompressed(bytes));
            // Linear in the input: a one-letter header column is 2 bytes of input but one string object (~32 bytes).
            Assert.True(used < 32 * payload + OneMegabyte, $"seed {seed} ({description}) allocated {used} bytes for {payload} bytes of input");
        }, iter: CsvIterations, threads: 1, print: seed => $"{seed}: {CsvCase(seed).Description}");
        output.WriteLine($"CSV files: {accepted} accepted, {rejected} rejected with InvalidDataException.");
        Assert.True(accepted > CsvIterations / 20 && rejected > CsvIterations / 4, $"unbalanced cases: {accepted} accepted, {rejected} rejected");
    }

    /// <summary>One CSV fuzz case, fully determined by <paramref name="seed"/>.</summary>
    private static (byte[] Bytes, string Description, int? ClassCount) CsvCase(int seed)
    {
        var random = new Random(seed);
        int columns = random.Next(1, 6), rows = random.Next(0, 6);
        int labelAt = random.Next(columns + 1);
        var text = new StringBuilder();
        var header = Enumerable.Range(0, columns).Select(c => $"pixel{c}").ToList();
        header.Insert(labelAt, "label");
        text.Append(string.Join(',', header)).Append('\n');
        for (int r = 0; r < rows; r++)
        {
            var cells = Enumerable.Range(0, columns).Select(_ => random.Next(256).ToString(CultureInfo.InvariantCulture)).ToList();
            cells.Insert(labelAt, random.Next(10).ToString(CultureInfo.InvariantCulture));
            text.Append(string.Join(',', cells)).Append('\n');
        }
        string description = $"{columns} features, label at {labelAt}, {rows} rows";
        int edits = random.Next(0, 4);
        for (int e = 0; e < edits; e++)
        {
            int position = random.Next(text.Length + 1);
            switch (random.Next(4))
            {
                case 0:
                    string piece = CsvPieces[random.Next(CsvPieces.Length)];
                    text.Insert(position, piece);
                    description += $"; inserted '{piece}' at {position}";
                    break;
                case 1:
                    int count = Math.Min(random.Next(1, 8), text.Length - position);
                    text.Remove(position, count);
                    description += $"; deleted {count} at {position}";
                    break;
                case 2:
                    text.Length = position;
                    description += $"; truncated to {position}";
                    break;
                default:
                    // A very wide header (many one-letter columns): must not cost memory per column × rows.
                    int wide = random.Next(1000, 50_000);
                    text.Insert(0, string.Concat(Enumerable.Repeat("a,", wide)));
                    description += $"; {wide} extra header columns";
                    break;
            }
        }
        byte[] bytes = Encoding.UTF8.GetBytes(text.ToString());
        if (random.Next(10) == 0)
        {
            bytes = new byte[random.Next(0, 400)];
            random.NextBytes(bytes);
            description = $"{bytes.Length} random bytes";
        }
        if (random.Next(5) == 0)
        {
            var compressed = new MemoryStream();
            using (var gzip = new GZipStream(compressed, CompressionLevel.Fastest, leaveOpen: true)) gzip.Write(bytes);
            bytes = compressed.ToArray();
            if (random.Next(3) == 0 && bytes.Length >= 2) bytes = bytes[..random.Next(2, bytes.Length + 1)];
            description = "gzip of " + description;
        }
        int? classCount = random.Next(3) == 0 ? null : random.Next(3) == 0 ? random.Next(1, 12) : 10;
        return (bytes, description, classCount);
    }

    private static long Decompressed(byte[] bytes)
    {
        if (!IdxReader.IsGzip(bytes)) return bytes.Length;
        try
        {
            using var gzip = new GZipStream(new MemoryStream(bytes), CompressionMode.Decompress);
            return gzip.CopyToCountingBytes();
        }
        catch (InvalidDataException)
        {
            return bytes.Length;
        }
    }

    /// <summary>A read-only stream without seeking, as a network or pipe stream is.</summary>
    private sealed class UnseekableStream(byte[] bytes) : Stream
    {
        private readonly MemoryStream _inner = new(bytes);
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override int Read(byte[] buffer, int offset, int count) => _inner.Read(buffer, offset, Math.Min(count, 7)); // short reads
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}

internal static class StreamCounting
{
    /// <summary>Reads a stream to its end and returns the number of bytes read.</summary>
    public static long CopyToCountingBytes(this Stream stream)
    {
        var buffer = new byte[8192];
        long total = 0;
        int read;
        while ((read = stream.Read(buffer)) > 0) total += read;
        return total;
    }
}
