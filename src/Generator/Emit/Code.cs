namespace CompiledNets.Generator.Emit;

/// <summary>Expressions the class emitter and the layer kinds write alike: spans of buffers, slices of parameters.</summary>
internal static class Code
{
    /// <summary>A reference to a span's first element.</summary>
    public static string Ref(string span) => $"{Names.RuntimeNames.MemoryMarshal}.GetReference({span})";

    /// <summary>The first <paramref name="length"/> values of an aligned buffer.</summary>
    public static string BufferSpan(string buffer, string length) => $"{buffer}.AsSpan(0, {length})";

    /// <summary>The values of <c>rows</c> samples of a layer's output (or, with <paramref name="units"/> = <c>Linear</c>, its product).</summary>
    public static string Rows(LayerPlan layer, string units = "Units") => $"rows * {layer.Prefix}{units}";

    /// <summary>A layer's parameter slice: <c>_parameters.AsSpan(BatchNorm1Gamma, BatchNorm1Units)</c>.</summary>
    public static string Param(string prefix, string offset, string length) => $"_parameters.AsSpan({prefix}{offset}, {prefix}{length})";

    /// <summary>The gradient slice of the same parameters.</summary>
    public static string Gradient(string prefix, string offset, string length) => $"_gradients.AsSpan({prefix}{offset}, {prefix}{length})";

    /// <summary>A layer's running statistic, one value per unit.</summary>
    public static string Buffer(string prefix, string offset) => $"_buffers.AsSpan({prefix}{offset}, {prefix}Units)";
}
