namespace CompiledNets.Runtime.Tests.Infrastructure;

/// <summary>Builds IDX files (the MNIST format) byte by byte, and gzips them as the downloads are.</summary>
internal static class IdxFileBuilder
{
    public static byte[] Images(int count, int rows, int columns, Func<int, byte>? pixel = null) =>
        Build(0x0803, new[] { count, rows, columns }, count * rows * columns, pixel);

    public static byte[] Labels(params byte[] labels) =>
        Build(0x0801, new[] { labels.Length }, labels.Length, i => labels[i]);

    public static byte[] Build(int magic, int[] dimensions, int dataLength, Func<int, byte>? value = null)
    {
        var bytes = new List<byte>();
        void Int(int v) { bytes.Add((byte)(v >> 24)); bytes.Add((byte)(v >> 16)); bytes.Add((byte)(v >> 8)); bytes.Add((byte)v); }
        Int(magic);
        foreach (int d in dimensions) Int(d);
        for (int i = 0; i < dataLength; i++) bytes.Add(value?.Invoke(i) ?? (byte)(i % 256));
        return bytes.ToArray();
    }

    public static byte[] Gzip(byte[] data)
    {
        using var output = new MemoryStream();
        using (var gzip = new System.IO.Compression.GZipStream(output, System.IO.Compression.CompressionLevel.Fastest)) gzip.Write(data);
        return output.ToArray();
    }
}
