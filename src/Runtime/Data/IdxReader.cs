using System.Buffers.Binary;
using System.IO.Compression;

namespace CompiledNets;

/// <summary>The contents of an IDX file: unsigned bytes and the dimensions that shape them.</summary>
/// <param name="Path">The file the data came from.</param>
/// <param name="Dimensions">Sizes of the dimensions, outermost first (for images: count, rows, columns).</param>
/// <param name="Data">All values, row-major.</param>
public sealed record IdxData(string Path, int[] Dimensions, byte[] Data)
{
    /// <summary>Size of the first dimension (the number of items).</summary>
    public int Count => Dimensions[0];

    /// <summary>Values per item: the product of all dimensions after the first.</summary>
    public int ItemSize => Data.Length / Math.Max(Count, 1);
}

/// <summary>
/// Reads the IDX format of MNIST and its relatives (Fashion-MNIST, KMNIST, EMNIST): a big-endian header
/// (two zero bytes, a type byte, the number of dimensions, then each dimension as a 32-bit integer)
/// followed by the values. Files may be raw or gzip-compressed; compression is detected from the content
/// (bytes <c>1f 8b</c>), not the extension. Malformed files throw <see cref="InvalidDataException"/> naming the
/// file and the problem, and a header that claims more data than the file holds is caught before any large allocation.
/// </summary>
public static class IdxReader
{
    /// <summary>Magic number of an IDX file of unsigned-byte images: type 0x08, three dimensions.</summary>
    public const int ImagesMagic = 0x00000803;

    /// <summary>Magic number of an IDX file of unsigned-byte labels: type 0x08, one dimension.</summary>
    public const int LabelsMagic = 0x00000801;

    private const byte UnsignedByteType = 0x08;
    /// <summary>
    /// First buffer size when the data length cannot be checked up front (gzip, unseekable streams). Small, so that a
    /// header declaring far more than a tiny file holds costs little; the buffer then doubles as data actually arrives.
    /// </summary>
    private const int InitialIncrementalCapacity = 1 << 16;

    /// <summary>Reads an unsigned-byte IDX file of any number of dimensions.</summary>
    /// <exception cref="InvalidDataException">The file is not a well-formed unsigned-byte IDX file.</exception>
    public static IdxData Read(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        using var file = File.OpenRead(path);
        return Read(file, path);
    }

    /// <summary>Reads an unsigned-byte IDX file from <paramref name="stream"/>; <paramref name="name"/> names it in errors.</summary>
    /// <exception cref="InvalidDataException">The data is not a well-formed unsigned-byte IDX file.</exception>
    public static IdxData Read(Stream stream, string name)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(name);
        var source = OpenMaybeGzip(stream, leaveOpen: true, out bool compressed);
        try
        {
            Span<byte> magic = stackalloc byte[4];
            ReadHeader(source, magic, name, "the 4-byte magic number");
            if (magic[0] != 0 || magic[1] != 0)
                throw Invalid(name, $"wrong magic number 0x{BinaryPrimitives.ReadInt32BigEndian(magic):x8}: an IDX file starts with two zero bytes (images are 0x{ImagesMagic:x8}, labels 0x{LabelsMagic:x8})");
            if (magic[2] != UnsignedByteType)
                throw Invalid(name, $"unsupported IDX value type 0x{magic[2]:x2} (magic number 0x{BinaryPrimitives.ReadInt32BigEndian(magic):x8}); only unsigned bytes (0x08) are supported");
            int rank = magic[3];
            if (rank == 0) throw Invalid(name, "the header declares zero dimensions");

            var dimensions = new int[rank];
            Span<byte> word = stackalloc byte[4];
            long declared = 1;
            for (int d = 0; d < rank; d++)
            {
                ReadHeader(source, word, name, $"dimension {d + 1} of {rank}");
                uint size = BinaryPrimitives.ReadUInt32BigEndian(word);
                if (size > int.MaxValue) throw Invalid(name, $"dimension {d + 1} declares {size} entries, more than an array holds");
                dimensions[d] = (int)size;
                declared = Math.Min(declared * size, long.MaxValue / int.MaxValue);
            }
            long headerLength = 4 + 4L * rank;
            if (declared > Array.MaxLength)
                throw Invalid(name, $"the dimensions [{string.Join(", ", dimensions)}] declare {declared} values, more than an array holds");

            byte[] data;
            if (!compressed && stream.CanSeek)
            {
                // Check the declared size against the real length before allocating anything.
                long actual = stream.Length - stream.Position;
                if (actual != declared)
                    throw Invalid(name, $"the dimensions [{string.Join(", ", dimensions)}] declare {declared} bytes of data but the file holds {actual} after the {headerLength}-byte header ({(actual < declared ? "truncated" : "trailing bytes")})");
                data = new byte[declared];
                source.ReadExactly(data);
            }
            else
            {
                data = ReadIncrementally(source, (int)declared, dimensions, name);
            }
            return new IdxData(name, dimensions, data);
        }
        catch (InvalidDataException error) when (compressed && !error.Message.StartsWith(name, StringComparison.Ordinal))
        {
            // GZipStream's own errors (corrupt or truncated compressed data) do not name the file.
            throw Invalid(name, $"the gzip data is corrupt ({error.Message})", error);
        }
        finally
        {
            if (compressed) source.Dispose();
        }
    }

    /// <summary>Reads an IDX image file (magic <c>0x00000803</c>: count, rows, columns).</summary>
    /// <exception cref="InvalidDataException">The file is malformed or holds something other than images.</exception>
    public static IdxData ReadImages(string path)
    {
        var idx = Read(path);
        if (idx.Dimensions.Length != 3)
            throw Invalid(path, $"expected images (magic 0x{ImagesMagic:x8}: count, rows, columns) but the file has {idx.Dimensions.Length} dimension(s) (magic 0x{0x800 | idx.Dimensions.Length:x8})");
        return idx;
    }

    /// <summary>Reads an IDX label file (magic <c>0x00000801</c>: count).</summary>
    /// <exception cref="InvalidDataException">The file is malformed or holds something other than labels.</exception>
    public static IdxData ReadLabels(string path)
    {
        var idx = Read(path);
        if (idx.Dimensions.Length != 1)
            throw Invalid(path, $"expected labels (magic 0x{LabelsMagic:x8}: count) but the file has {idx.Dimensions.Length} dimensions (magic 0x{0x800 | idx.Dimensions.Length:x8})");
        return idx;
    }

    /// <summary>
    /// Reads an image file and its label file into a labelled <see cref="Dataset"/>: pixels scaled to [0, 1]
    /// (divided by 255), one row of <c>rows × columns</c> features per image, labels in <c>[0, classCount)</c>.
    /// </summary>
    /// <exception cref="InvalidDataException">Either file is malformed, their counts disagree, or a label is out of range.</exception>
    public static Dataset ReadDataset(string imagesPath, string labelsPath, int classCount)
    {
        ArgumentNullException.ThrowIfNull(imagesPath);
        ArgumentNullException.ThrowIfNull(labelsPath);
        if (classCount <= 0) throw new ArgumentOutOfRangeException(nameof(classCount), classCount, "The class count must be positive.");
        var labels = ReadLabels(labelsPath);
        var images = ReadImages(imagesPath);
        if (images.Count != labels.Count)
            throw new InvalidDataException($"{imagesPath} holds {images.Count} images but {labelsPath} holds {labels.Count} labels: the counts disagree.");
        var classes = new int[labels.Count];
        for (int i = 0; i < classes.Length; i++)
        {
            int label = labels.Data[i];
            if (label >= classCount)
                throw Invalid(labelsPath, $"label {label} of item {i} is outside [0, {classCount})");
            classes[i] = label;
        }
        // With zero images the data does not bound the other dimensions: compute the product without overflowing.
        long features = (long)images.Dimensions[1] * images.Dimensions[2];
        if (features == 0) throw Invalid(imagesPath, "the images have no pixels (a dimension is zero)");
        if (features > Array.MaxLength)
            throw Invalid(imagesPath, $"images of {images.Dimensions[1]} × {images.Dimensions[2]} pixels have more values than an array holds");
        return Dataset.FromLabels(Normalization.ScaleToUnit(images.Data), (int)features, classes, classCount);
    }

    /// <summary>True when <paramref name="header"/> starts with the gzip magic bytes <c>1f 8b</c>.</summary>
    public static bool IsGzip(ReadOnlySpan<byte> header) => header.Length >= 2 && header[0] == 0x1f && header[1] == 0x8b;

    /// <summary>Opens a file for reading, decompressing it when its content is gzip (whatever its extension).</summary>
    public static Stream OpenMaybeGzip(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        return OpenMaybeGzip(File.OpenRead(path), leaveOpen: false, out _);
    }

    private static Stream OpenMaybeGzip(Stream stream, bool leaveOpen, out bool compressed)
    {
        Span<byte> head = stackalloc byte[2];
        int read;
        if (stream.CanSeek)
        {
            long start = stream.Position;
            read = stream.ReadAtLeast(head, 2, throwOnEndOfStream: false);
            stream.Position = start;
            compressed = read == 2 && IsGzip(head);
            return compressed ? new GZipStream(stream, CompressionMode.Decompress, leaveOpen) : stream;
        }
        // Not seekable: peek through a buffered wrapper.
        var buffered = new BufferedStream(stream);
        read = buffered.ReadAtLeast(head, 2, throwOnEndOfStream: false);
        var rest = new PrefixedStream(head[..read].ToArray(), buffered);
        compressed = read == 2 && IsGzip(head);
        return compressed ? new GZipStream(rest, CompressionMode.Decompress, leaveOpen) : rest;
    }

    private static void ReadHeader(Stream source, Span<byte> buffer, string name, string what)
    {
        int read = source.ReadAtLeast(buffer, buffer.Length, throwOnEndOfStream: false);
        if (read < buffer.Length)
            throw Invalid(name, $"truncated header: the data ends before {what}");
    }

    /// <summary>Reads exactly <paramref name="declared"/> bytes, growing the buffer as data arrives, so a lying header cannot force a huge allocation.</summary>
    private static byte[] ReadIncrementally(Stream source, int declared, int[] dimensions, string name)
    {
        var data = new byte[Math.Min(declared, InitialIncrementalCapacity)];
        int filled = 0;
        while (filled < declared)
        {
            if (filled == data.Length)
                Array.Resize(ref data, (int)Math.Min((long)data.Length * 2, declared));
            int read = source.Read(data, filled, data.Length - filled);
            if (read == 0)
                throw Invalid(name, $"truncated: the dimensions [{string.Join(", ", dimensions)}] declare {declared} bytes of data but the (decompressed) data ends after {filled}");
            filled += read;
        }
        Span<byte> probe = stackalloc byte[1];
        if (source.Read(probe) != 0)
            throw Invalid(name, $"the dimensions [{string.Join(", ", dimensions)}] declare {declared} bytes of data but more follows (trailing bytes)");
        return data;
    }

    internal static InvalidDataException Invalid(string name, string problem, Exception? inner = null) =>
        new($"{name}: {problem}.", inner);

    /// <summary>A read-only stream that yields some already-read bytes, then the rest of another stream.</summary>
    private sealed class PrefixedStream(byte[] prefix, Stream rest) : Stream
    {
        private int _offset;

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            if (_offset < prefix.Length)
            {
                int n = Math.Min(buffer.Length, prefix.Length - _offset);
                prefix.AsSpan(_offset, n).CopyTo(buffer);
                _offset += n;
                return n;
            }
            return rest.Read(buffer);
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing) rest.Dispose();
            base.Dispose(disposing);
        }
    }
}
