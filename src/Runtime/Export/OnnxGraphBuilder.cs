using System.Buffers.Binary;
using System.Globalization;
using CompiledNets.Export.Onnx;
using Google.Protobuf;

namespace CompiledNets.Export;

/// <summary>
/// Builds the <see cref="GraphProto"/> of an export: nodes in topological order, float initializers, shared scalar
/// constants, and fresh value names. Layer exporters only call <see cref="Node"/>, <see cref="Initializer"/> and
/// <see cref="Constant"/>; they never touch protobuf messages directly.
/// </summary>
internal sealed class OnnxGraphBuilder
{
    private readonly GraphProto _graph = new();
    private readonly Dictionary<string, string> _constants = new(StringComparer.Ordinal);
    private readonly HashSet<string> _names = new(StringComparer.Ordinal);

    public OnnxGraphBuilder(string name) => _graph.Name = name;

    /// <summary>The graph built so far.</summary>
    public GraphProto Graph => _graph;

    /// <summary>A value name not used yet, derived from <paramref name="hint"/> (<c>dense1.gemm</c>, <c>dense1.gemm_2</c>, ...).</summary>
    public string FreshName(string hint)
    {
        string name = hint;
        for (int i = 2; !_names.Add(name); i++) name = hint + "_" + i.ToString(CultureInfo.InvariantCulture);
        return name;
    }

    /// <summary>Adds a float initializer (little-endian <c>raw_data</c>, row-major) and returns its name.</summary>
    public string Initializer(string name, ReadOnlySpan<int> dims, ReadOnlySpan<float> values)
    {
        if (!_names.Add(name)) throw new InvalidOperationException($"The ONNX graph already has a value named '{name}'.");
        AddTensor(name, dims, values);
        return name;
    }

    private void AddTensor(string name, ReadOnlySpan<int> dims, ReadOnlySpan<float> values)
    {
        var tensor = new TensorProto { Name = name, DataType = (int)TensorProto.Types.DataType.Float };
        foreach (int d in dims) tensor.Dims.Add(d);
        var bytes = new byte[values.Length * sizeof(float)];
        for (int i = 0; i < values.Length; i++)
            BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(i * sizeof(float)), values[i]);
        tensor.RawData = UnsafeByteOperations.UnsafeWrap(bytes);
        _graph.Initializer.Add(tensor);
    }

    /// <summary>Adds a 1-D int64 initializer (shapes for <c>Reshape</c>) and returns its name.</summary>
    public string Int64Initializer(string name, ReadOnlySpan<long> values)
    {
        if (!_names.Add(name)) throw new InvalidOperationException($"The ONNX graph already has a value named '{name}'.");
        var tensor = new TensorProto { Name = name, DataType = (int)TensorProto.Types.DataType.Int64 };
        tensor.Dims.Add(values.Length);
        var bytes = new byte[values.Length * sizeof(long)];
        for (int i = 0; i < values.Length; i++)
            BinaryPrimitives.WriteInt64LittleEndian(bytes.AsSpan(i * sizeof(long)), values[i]);
        tensor.RawData = UnsafeByteOperations.UnsafeWrap(bytes);
        _graph.Initializer.Add(tensor);
        return name;
    }

    /// <summary>A rank-0 float initializer holding <paramref name="value"/>, shared by every node that needs the same number.</summary>
    public string Constant(float value)
    {
        string key = value.ToString("R", CultureInfo.InvariantCulture);
        if (_constants.TryGetValue(key, out string? existing)) return existing;
        string name = FreshName("const_" + key);
        AddTensor(name, [], [value]);
        _constants[key] = name;
        return name;
    }

    /// <summary>Adds a node of the default (<c>ai.onnx</c>) domain and returns the name of its single output.</summary>
    /// <param name="opType">The operator, for example <c>Gemm</c>.</param>
    /// <param name="outputHint">Base of the output value's name (made unique); the node is named after it.</param>
    /// <param name="inputs">Input value names.</param>
    /// <param name="attributes">The node's attributes (see <see cref="Int"/>, <see cref="Float"/>).</param>
    public string Node(string opType, string outputHint, string[] inputs, params AttributeProto[] attributes)
    {
        string output = FreshName(outputHint);
        var node = new NodeProto { OpType = opType, Name = output };
        node.Input.AddRange(inputs);
        node.Output.Add(output);
        node.Attribute.AddRange(attributes);
        _graph.Node.Add(node);
        return output;
    }

    /// <summary>Renames the value <paramref name="from"/> (the output of a node) to <paramref name="to"/>; returns false when no node produces it.</summary>
    public bool RenameOutput(string from, string to)
    {
        for (int n = _graph.Node.Count - 1; n >= 0; n--)
        {
            var outputs = _graph.Node[n].Output;
            int index = outputs.IndexOf(from);
            if (index < 0) continue;
            outputs[index] = to;
            _names.Add(to);
            return true;
        }
        return false;
    }

    /// <summary>An integer attribute.</summary>
    public static AttributeProto Int(string name, long value) =>
        new() { Name = name, Type = AttributeProto.Types.AttributeType.Int, I = value };

    /// <summary>A float attribute.</summary>
    public static AttributeProto Float(string name, float value) =>
        new() { Name = name, Type = AttributeProto.Types.AttributeType.Float, F = value };

    /// <summary>An integer-list attribute (for example <c>axes</c>).</summary>
    public static AttributeProto Ints(string name, params long[] values)
    {
        var attribute = new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Ints };
        attribute.Ints.AddRange(values);
        return attribute;
    }

    /// <summary>A float tensor value of shape <c>[batch, ..dimensions]</c> (<c>[N, C, H, W]</c> for images) with a symbolic batch dimension.</summary>
    public static ValueInfoProto FloatTensor(string name, string batchDimension, ReadOnlySpan<int> dimensions)
    {
        var shape = new TensorShapeProto { Dim = { new TensorShapeProto.Types.Dimension { DimParam = batchDimension } } };
        foreach (int d in dimensions) shape.Dim.Add(new TensorShapeProto.Types.Dimension { DimValue = d });
        return new ValueInfoProto
        {
            Name = name,
            Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)TensorProto.Types.DataType.Float, Shape = shape } },
        };
    }
}
