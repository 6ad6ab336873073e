using System.Buffers.Binary;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace CompiledNets.Runtime.Tests.Checkpoints;

/// <summary>
/// An independent, minimal safetensors reader and writer for the tests, written from the specification
/// (8-byte little-endian header length, JSON header, raw little-endian data); it shares no code with the runtime.
/// </summary>
internal static class SafetensorsTestFile
{
    public sealed record Tensor(string DType, int[] Shape, long Begin, long End, float[] Values);

    /// <summary>Splits a file into its header JSON text and its data buffer.</summary>
    public static (string Header, byte[] Data) Split(byte[] file)
    {
        long n = (long)BinaryPrimitives.ReadUInt64LittleEndian(file.AsSpan(0, 8));
        string header = Encoding.UTF8.GetString(file, 8, (int)n);
        return (header, file.AsSpan(8 + (int)n).ToArray());
    }

    public static JsonObject Header(byte[] file) => JsonNode.Parse(Split(file).Header)!.AsObject();

    /// <summary>Reads every tensor by hand (F32 only).</summary>
    public static Dictionary<string, Tensor> ReadTensors(byte[] file)
    {
        var (header, data) = Split(file);
        var result = new Dictionary<string, Tensor>();
        using var document = JsonDocument.Parse(header);
        foreach (var property in document.RootElement.EnumerateObject())
        {
            if (property.Name == "__metadata__") continue;
            string dtype = property.Value.GetProperty("dtype").GetString()!;
            int[] shape = property.Value.GetProperty("shape").EnumerateArray().Select(e => e.GetInt32()).ToArray();
            long begin = property.Value.GetProperty("data_offsets")[0].GetInt64();
            long end = property.Value.GetProperty("data_offsets")[1].GetInt64();
            var values = new float[(end - begin) / 4];
            for (int i = 0; i < values.Length; i++)
                values[i] = BinaryPrimitives.ReadSingleLittleEndian(data.AsSpan((int)begin + 4 * i, 4));
            result[property.Name] = new Tensor(dtype, shape, begin, end, values);
        }
        return result;
    }

    public static Dictionary<string, string> Metadata(byte[] file) =>
        Header(file)["__metadata__"]!.AsObject().ToDictionary(p => p.Key, p => p.Value!.GetValue<string>());

    /// <summary>Assembles a file from header JSON text and data, padding the header with spaces to 8-byte alignment.</summary>
    public static byte[] Build(string headerJson, byte[] data, bool pad = true)
    {
        byte[] header = Encoding.UTF8.GetBytes(headerJson);
        int length = pad ? (header.Length + 7) / 8 * 8 : header.Length;
        var file = new byte[8 + length + data.Length];
        BinaryPrimitives.WriteUInt64LittleEndian(file, (ulong)length);
        header.CopyTo(file, 8);
        file.AsSpan(8 + header.Length, length - header.Length).Fill((byte)' ');
        data.CopyTo(file, 8 + length);
        return file;
    }

    /// <summary>Re-assembles a file after editing its header (the data is kept unless replaced).</summary>
    public static byte[] EditHeader(byte[] file, Action<JsonObject> edit, byte[]? data = null)
    {
        var (header, original) = Split(file);
        var json = JsonNode.Parse(header)!.AsObject();
        edit(json);
        return Build(json.ToJsonString(), data ?? original);
    }

    public static byte[] Floats(params float[] values)
    {
        var bytes = new byte[values.Length * 4];
        for (int i = 0; i < values.Length; i++) BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(4 * i), values[i]);
        return bytes;
    }
}
