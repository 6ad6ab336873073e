namespace CompiledNets.Runtime.Tests;

/// <summary>A fresh directory under the system temp folder, deleted on dispose.</summary>
internal sealed class TempDirectory : IDisposable
{
    public TempDirectory()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "compilednets-tests-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    public string File(string name) => System.IO.Path.Combine(Path, name);

    public void Dispose()
    {
        try { Directory.Delete(Path, recursive: true); } catch (IOException) { }
    }
}

/// <summary>Builds IDX files byte by byte.</summary>
internal static class Idx
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
