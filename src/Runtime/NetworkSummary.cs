using System.Globalization;
using System.Text;

namespace CompiledNets;

/// <summary>One row of a <see cref="NetworkSummary"/>.</summary>
/// <param name="Name">Layer name as used in tensor names, for example <c>dense1</c>.</param>
/// <param name="Kind">Layer type, for example <c>Dense</c>.</param>
/// <param name="OutputShape">Shape of one sample's output (batch dimension excluded): <c>[features]</c>, or <c>[channels, height, width]</c> for image layers.</param>
/// <param name="TrainableParameters">Trainable values in the layer.</param>
/// <param name="NonTrainableParameters">Non-trainable values (running statistics).</param>
/// <param name="Detail">Activation or other settings, for display.</param>
public sealed record LayerSummary(string Name, string Kind, int[] OutputShape, int TrainableParameters, int NonTrainableParameters, string Detail)
{
    /// <summary>Trainable plus non-trainable values.</summary>
    public int TotalParameters => TrainableParameters + NonTrainableParameters;

    /// <summary>
    /// The inputs and nodes this layer reads, by name (Keras's Functional "Connected to" column): <c>["h1", "h3"]</c> for a
    /// merge. Null in a sequential network, where every layer reads the one before it.
    /// </summary>
    public IReadOnlyList<string>? ConnectedTo { get; init; }
}

/// <summary>One input of a graph-form network, as its <see cref="NetworkSummary"/> lists it.</summary>
/// <param name="Name">The input's name, for example <c>image</c>.</param>
/// <param name="Shape">One sample's shape: <c>[features]</c> or <c>[channels, height, width]</c>.</param>
public sealed record InputSummary(string Name, int[] Shape);

/// <summary>Layers, output shapes and parameter counts of a network, printable as a Keras-style table.</summary>
public sealed class NetworkSummary
{
    /// <summary>Creates a summary.</summary>
    public NetworkSummary(string networkName, int inputSize, IReadOnlyList<LayerSummary> layers, string loss, string optimizer)
    {
        ArgumentNullException.ThrowIfNull(networkName);
        ArgumentNullException.ThrowIfNull(layers);
        ArgumentNullException.ThrowIfNull(loss);
        ArgumentNullException.ThrowIfNull(optimizer);
        if (inputSize <= 0) throw new ArgumentOutOfRangeException(nameof(inputSize), inputSize, "The input size must be positive.");
        NetworkName = networkName;
        InputSize = inputSize;
        Layers = layers;
        Loss = loss;
        Optimizer = optimizer;
    }

    /// <summary>
    /// Creates the summary of a graph-form network (Keras's Functional API): named inputs, whose sizes add up to
    /// <see cref="InputSize"/>, and layers whose <see cref="LayerSummary.ConnectedTo"/> name what they read.
    /// </summary>
    public NetworkSummary(string networkName, IReadOnlyList<InputSummary> inputs, IReadOnlyList<LayerSummary> layers, string loss, string optimizer)
        : this(networkName, SizeOf(inputs), layers, loss, optimizer)
    {
        Inputs = inputs;
    }

    /// <summary>The named inputs of a graph-form network, in declaration order; empty for a sequential network.</summary>
    public IReadOnlyList<InputSummary> Inputs { get; } = [];

    /// <summary>True for a graph-form network: the table lists the inputs and a "Connected to" column.</summary>
    public bool IsGraph => Inputs.Count > 0 || Layers.Any(l => l.ConnectedTo is not null);

    /// <summary>The network's type name.</summary>
    public string NetworkName { get; }

    /// <summary>Features per input sample.</summary>
    public int InputSize { get; }

    /// <summary>The layers in order.</summary>
    public IReadOnlyList<LayerSummary> Layers { get; }

    /// <summary>The loss, for display.</summary>
    public string Loss { get; }

    /// <summary>The optimizer and its settings, for display.</summary>
    public string Optimizer { get; }

    /// <summary>All trainable values.</summary>
    public int TrainableParameters => Layers.Sum(l => l.TrainableParameters);

    /// <summary>All non-trainable values.</summary>
    public int NonTrainableParameters => Layers.Sum(l => l.NonTrainableParameters);

    /// <summary>Trainable plus non-trainable values.</summary>
    public int TotalParameters => TrainableParameters + NonTrainableParameters;

    /// <summary>
    /// The Keras-style table: Layer (type) | Output shape | Param #, then the totals. Shapes are written as Keras does,
    /// with the batch dimension first: <c>(None, 10)</c>, <c>(None, 32, 26, 26)</c> (channels first, the order the values are stored).
    /// </summary>
    /// <remarks>
    /// A graph-form network's table (Keras's Functional summary) starts with one <c>InputLayer</c> row per input and has a
    /// fourth column, "Connected to", naming what each layer reads.
    /// </remarks>
    public override string ToString()
    {
        bool graph = IsGraph;
        var rows = Inputs.Select(i => (
            Layer: $"{i.Name} (InputLayer)",
            Shape: "(None, " + string.Join(", ", i.Shape) + ")",
            Params: Format(0),
            Connected: "-")).Concat(Layers.Select(l => (
            Layer: $"{l.Name} ({l.Kind}{(l.Detail.Length > 0 ? ", " + l.Detail : "")})",
            Shape: "(None, " + string.Join(", ", l.OutputShape) + ")",
            Params: Format(l.TotalParameters),
            Connected: l.ConnectedTo is null || l.ConnectedTo.Count == 0 ? "-" : string.Join(", ", l.ConnectedTo)))).ToList();
        const string h1 = "Layer (type)", h2 = "Output shape", h3 = "Param #", h4 = "Connected to";
        int w1 = Math.Max(h1.Length, rows.Count == 0 ? 0 : rows.Max(r => r.Layer.Length)) + 2;
        int w2 = Math.Max(h2.Length, rows.Count == 0 ? 0 : rows.Max(r => r.Shape.Length)) + 2;
        int w3 = Math.Max(h3.Length, rows.Count == 0 ? 0 : rows.Max(r => r.Params.Length));
        int w4 = graph ? 2 + Math.Max(h4.Length, rows.Count == 0 ? 0 : rows.Max(r => r.Connected.Length)) : 0;
        int width = w1 + w2 + w3 + w4;
        var text = new StringBuilder();
        text.Append("Model: \"").Append(NetworkName).Append("\"\n");
        text.Append('━', width).Append('\n');
        text.Append(h1.PadRight(w1)).Append(h2.PadRight(w2)).Append(h3.PadLeft(w3));
        if (graph) text.Append("  ").Append(h4);
        text.Append('\n');
        text.Append('━', width).Append('\n');
        for (int i = 0; i < rows.Count; i++)
        {
            text.Append(rows[i].Layer.PadRight(w1)).Append(rows[i].Shape.PadRight(w2)).Append(rows[i].Params.PadLeft(w3));
            if (graph) text.Append("  ").Append(rows[i].Connected);
            text.Append('\n');
            if (i < rows.Count - 1) text.Append('─', width).Append('\n');
        }
        text.Append('━', width).Append('\n');
        text.Append("Total params: ").Append(Format(TotalParameters)).Append(" (").Append(Bytes(TotalParameters)).Append(")\n");
        text.Append("Trainable params: ").Append(Format(TrainableParameters)).Append(" (").Append(Bytes(TrainableParameters)).Append(")\n");
        text.Append("Non-trainable params: ").Append(Format(NonTrainableParameters)).Append(" (").Append(Bytes(NonTrainableParameters)).Append(")\n");
        text.Append("Loss: ").Append(Loss).Append(" · Optimizer: ").Append(Optimizer).Append('\n');
        return text.ToString();
    }

    private static int SizeOf(IReadOnlyList<InputSummary> inputs)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        long size = 0;
        foreach (var input in inputs)
        {
            ArgumentNullException.ThrowIfNull(input);
            long values = 1;
            foreach (int d in input.Shape) values *= d;
            size += values;
        }
        return size > int.MaxValue ? throw new ArgumentOutOfRangeException(nameof(inputs), "The inputs hold more values than an int counts.") : (int)size;
    }

    private static string Format(int count) => count.ToString("N0", CultureInfo.InvariantCulture);

    private static string Bytes(int floats)
    {
        double bytes = floats * 4.0;
        return bytes switch
        {
            < 1024 => $"{bytes.ToString("0", CultureInfo.InvariantCulture)} B",
            < 1024 * 1024 => $"{(bytes / 1024).ToString("0.00", CultureInfo.InvariantCulture)} KB",
            _ => $"{(bytes / (1024 * 1024)).ToString("0.00", CultureInfo.InvariantCulture)} MB",
        };
    }
}
