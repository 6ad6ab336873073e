using System.Globalization;
using System.Reflection;
using CompiledNets.Export;
using CompiledNets.Export.Onnx;
using CompiledNets.Kernels;
using Google.Protobuf;

namespace CompiledNets;

/// <summary>
/// Exports a trained network to an ONNX model (opset <see cref="Opset"/>) that ONNX Runtime, the <c>onnx</c> Python
/// package or any other ONNX consumer can run: input <c>input</c> <c>[N, InputSize]</c> float, output <c>output</c>
/// <c>[N, OutputSize]</c> float, with a dynamic batch dimension <c>N</c>. An image network (architecture starting
/// <c>1x28x28 -> …</c>) takes <c>[N, C, H, W]</c>, and an image-shaped last layer gives <c>[N, C, H, W]</c>. A graph-form
/// network (<c>image:784, meta:4 -> …</c>, see <see cref="Graph"/>) has one ONNX input per declared input, named after it
/// and shaped like it, and its merges become <c>Add</c>, <c>Concat(axis=1)</c>, <c>Mul</c> and <c>Mean</c>, each followed by
/// its activation's nodes.
/// </summary>
/// <remarks>
/// The graph is derived from <see cref="INetwork.Summary"/> (layer kinds and activations) and
/// <see cref="INetwork.Tensors"/> (weights, PyTorch names and layout), so it works for generated and interpreted
/// networks alike. Dense layers become <c>Gemm</c> (<c>transB = 1</c>, the <c>[out, in]</c> weight as initializer
/// <c>dense1.weight</c>, bias <c>dense1.bias</c>); BatchNorm becomes <c>BatchNormalization</c> with its running
/// statistics, LayerNorm <c>LayerNormalization</c>, Maxout <c>Gemm</c> + <c>Reshape</c> + <c>ReduceMax</c>, a
/// standalone activation its activation's nodes, Conv2D <c>Conv</c>, the pools <c>MaxPool</c>, <c>AveragePool</c> and
/// <c>GlobalAveragePool</c>, Flatten <c>Flatten</c>; Dropout is removed (inference mode). Before writing, the exporter
/// evaluates the layers it read on a few probe inputs and compares them with <see cref="INetwork.Predict"/>: if the
/// summary does not describe the network that actually runs, the export throws instead of writing a wrong model.
/// See <c>docs/interop.md</c> for the operator mapping.
/// </remarks>
public static class OnnxExport
{
    /// <summary>The ONNX operator set the exported models import (default domain): 17.</summary>
    public const int Opset = 17;

    /// <summary>The ONNX IR version written with <see cref="Opset"/>: 8 (the IR version that introduced opset 17).</summary>
    public const int IrVersion = 8;

    /// <summary>The graph input's name.</summary>
    public const string InputName = "input";

    /// <summary>The graph output's name.</summary>
    public const string OutputName = "output";

    /// <summary>The symbolic (dynamic) batch dimension of the input and output.</summary>
    public const string BatchDimension = "N";

    /// <summary>Written as the model's <c>producer_name</c>.</summary>
    public const string ProducerName = "CompiledNets";

    private const int ProbeSamples = 8;

    /// <summary>
    /// Writes <paramref name="network"/> as an ONNX model to <paramref name="path"/> (conventionally <c>*.onnx</c>),
    /// atomically: the model goes to a temporary file next to it (<c>path.tmp-…</c>), is flushed to disk, then renamed
    /// over <paramref name="path"/>; if anything fails the temporary file is deleted and an existing file is untouched.
    /// </summary>
    /// <param name="network">A network (trained or not); its current parameters are exported.</param>
    /// <param name="path">The file to write; its directory must exist.</param>
    /// <exception cref="NotSupportedException">A layer kind or activation has no ONNX form yet; the message names the layer.</exception>
    /// <exception cref="InvalidOperationException">The network's summary or tensors do not describe what its <see cref="INetwork.Predict"/> computes.</exception>
    public static void ExportOnnx(this INetwork network, string path)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentException.ThrowIfNullOrEmpty(path);
        byte[] model = ToOnnx(network); // build (and verify) before touching the file system
        CompiledNets.IO.AtomicFile.Write(path, stream => stream.Write(model));
    }

    /// <summary>Writes <paramref name="network"/> as an ONNX model to <paramref name="stream"/> at its current position.</summary>
    /// <param name="network">The network to export.</param>
    /// <param name="stream">A writable stream.</param>
    /// <exception cref="NotSupportedException">A layer kind or activation has no ONNX form yet; the message names the layer.</exception>
    /// <exception cref="InvalidOperationException">The network's summary or tensors do not describe what its <see cref="INetwork.Predict"/> computes.</exception>
    public static void ExportOnnx(this INetwork network, Stream stream)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(stream);
        stream.Write(ToOnnx(network));
    }

    /// <summary>The ONNX model of <paramref name="network"/> as bytes (the content <see cref="ExportOnnx(INetwork, string)"/> writes).</summary>
    /// <param name="network">The network to export.</param>
    /// <exception cref="NotSupportedException">A layer kind or activation has no ONNX form yet; the message names the layer.</exception>
    /// <exception cref="InvalidOperationException">The network's summary or tensors do not describe what its <see cref="INetwork.Predict"/> computes.</exception>
    public static byte[] ToOnnx(this INetwork network)
    {
        ArgumentNullException.ThrowIfNull(network);
        return BuildModel(network).ToByteArray();
    }

    /// <summary>The model message; tests parse files back into it.</summary>
    internal static ModelProto BuildModel(INetwork network)
    {
        var plan = OnnxPlan.Read(network);
        // A network predicting from bfloat16 weights is checked against the same layers over those weights; it exports float32.
        Verify(network, network.InferenceWeights == WeightPrecision.BFloat16 ? OnnxPlan.Read(network, productWeightsAsPredicted: true) : plan);

        var graph = new OnnxGraphBuilder(network.Summary.NetworkName);
        var inputNames = plan.Inputs.Select(i => graph.FreshName(i.Name)).ToArray();
        var values = new string[plan.Nodes.Length];
        for (int n = 0; n < values.Length; n++)
        {
            var node = plan.Nodes[n];
            values[n] = node.Emit(graph, node.Sources.Select(s => s < 0 ? inputNames[~s] : values[s]).ToArray());
        }
        // The last node's output becomes "output", unless it is an input or a value other nodes read too (a Dropout at the
        // end of a graph passes its source on): then an Identity, as for a graph with no node at all.
        string value = values[^1];
        bool shared = inputNames.Contains(value) || graph.Graph.Node.Any(n => n.Input.Contains(value));
        if (shared || !graph.RenameOutput(value, OutputName))
            graph.Graph.Node.Add(new NodeProto { OpType = "Identity", Name = OutputName, Input = { value }, Output = { OutputName } });

        foreach (var input in plan.Inputs) graph.Graph.Input.Add(OnnxGraphBuilder.FloatTensor(input.Name, BatchDimension, input.Shape));
        graph.Graph.Output.Add(OnnxGraphBuilder.FloatTensor(OutputName, BatchDimension, plan.Nodes[^1].OutputShape));
        graph.Graph.DocString = network.Architecture;

        var model = new ModelProto
        {
            IrVersion = IrVersion,
            ProducerName = ProducerName,
            ProducerVersion = ProducerVersion,
            ModelVersion = 1,
            DocString = network.Architecture,
            Graph = graph.Graph,
        };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = Opset });
        model.MetadataProps.Add(new StringStringEntryProto { Key = "compilednets.architecture", Value = network.Architecture });
        model.MetadataProps.Add(new StringStringEntryProto { Key = "compilednets.network", Value = network.Summary.NetworkName });
        model.MetadataProps.Add(new StringStringEntryProto { Key = "compilednets.loss", Value = network.Summary.Loss });
        return model;
    }

    /// <summary>The runtime assembly's informational version without a source-revision suffix (<c>0.1.0</c>).</summary>
    internal static string ProducerVersion
    {
        get
        {
            var assembly = typeof(OnnxExport).Assembly;
            string version = assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
                ?? assembly.GetName().Version?.ToString() ?? "0.0.0";
            int plus = version.IndexOf('+');
            return plus >= 0 ? version[..plus] : version;
        }
    }

    /// <summary>
    /// The shape of one input sample: <c>[C, H, W]</c> when the architecture string starts with <c>CxHxW -></c> (an image
    /// network, generated or interpreted), else <c>[InputSize]</c>.
    /// </summary>
    internal static int[] InputShape(INetwork network)
    {
        string layers = ArchitectureParts.Parse(network.Architecture).Layers;
        int arrow = layers.IndexOf(" -> ", StringComparison.Ordinal);
        string input = (arrow < 0 ? layers : layers[..arrow]).Trim();
        var parts = input.Split('x');
        if (parts.Length != 3) return [network.InputSize];
        var shape = new int[3];
        for (int i = 0; i < 3; i++)
        {
            if (!int.TryParse(parts[i], NumberStyles.None, CultureInfo.InvariantCulture, out shape[i]) || shape[i] <= 0)
                throw new InvalidOperationException($"{network.Summary.NetworkName}: cannot read the input shape '{input}' of its architecture ({network.Architecture}).");
        }
        if ((long)shape[0] * shape[1] * shape[2] != network.InputSize)
            throw new InvalidOperationException($"{network.Summary.NetworkName}: the architecture's input shape {input} does not hold the network's {network.InputSize} inputs.");
        return shape;
    }

    /// <summary>
    /// Probe tolerance, relative above 1 and absolute below: the exported layers (replayed in managed code) must
    /// reproduce <see cref="INetwork.Predict"/> this closely.
    /// </summary>
    internal const float ProbeTolerance = 1e-3f;

    /// <summary>
    /// Probe tolerance when the exporter had to assume a setting the summary does not state (a normalisation
    /// epsilon): the accuracy the export promises, so a wrong guess cannot hide inside the looser tolerance.
    /// </summary>
    internal const float StrictProbeTolerance = 1e-5f;

    /// <summary>
    /// Runs the layers that will be exported on seeded probe inputs and compares them with the network's own
    /// <see cref="INetwork.Predict"/>: a summary that does not describe the network (for example a LeakyReLU
    /// alpha or a BatchNorm epsilon it does not state) must not silently produce a model that computes something else.
    /// </summary>
    private static void Verify(INetwork network, OnnxPlan plan)
    {
        var assumptions = plan.Nodes.Select(n => n.Layer?.Assumption).OfType<string>().ToList();
        float tolerance = assumptions.Count > 0 ? StrictProbeTolerance : ProbeTolerance;
        var (worst, output, actual, wanted) = ProbeDeviation(network, plan);
        if (worst <= tolerance) return;

        string hint = "";
        if (network.Summary.Layers.Any(l => l.Detail is "LeakyReLU" or "ELU"))
            hint += " A LeakyReLU or ELU layer whose summary detail does not state its alpha (\"LeakyReLU(alpha 0.2)\") is read with the default alpha; a network declared with another Alpha cannot be exported until its summary states it.";
        if (assumptions.Count > 0)
            hint += $" The exporter assumed {string.Join("; ", assumptions)}: a BatchNorm or LayerNorm declared with another Epsilon cannot be exported until its summary states it (detail \"eps 0.001\"), so nothing was written.";
        throw new InvalidOperationException(
            $"{network.Summary.NetworkName}: the layers read from its summary ({network.Architecture}) compute {actual.ToString("R", CultureInfo.InvariantCulture)} " +
            $"for output {output} of a probe input where Predict gives {wanted.ToString("R", CultureInfo.InvariantCulture)} (scaled difference " +
            $"{worst.ToString("E2", CultureInfo.InvariantCulture)}, tolerance {tolerance.ToString("E0", CultureInfo.InvariantCulture)}); the exported model would not match the network.{hint}");
    }

    /// <summary>
    /// The largest <c>|replay − Predict| / max(1, |Predict|)</c> over the probe inputs (infinity where exactly one is
    /// NaN), with the output and the two values where it occurs.
    /// </summary>
    internal static (double Worst, int Output, float Actual, float Wanted) ProbeDeviation(INetwork network, OnnxPlan plan)
    {
        var input = new float[network.InputSize];
        var expected = new float[network.OutputSize];
        // One array per input and per node: a graph node may read any earlier value.
        var inputs = plan.Inputs.Select(i => new float[i.Size]).ToArray();
        var values = plan.Nodes.Select(n => new float[n.Outputs]).ToArray();
        var random = new SeededRandom(0x4E4E58);
        (double Worst, int Output, float Actual, float Wanted) result = (0, 0, 0f, 0f);
        for (int sample = 0; sample < ProbeSamples; sample++)
        {
            for (int i = 0; i < input.Length; i++) input[i] = random.NextFloat() * 4f - 2f;
            network.Predict(input, expected);
            for (int i = 0, offset = 0; i < inputs.Length; offset += inputs[i].Length, i++) input.AsSpan(offset, inputs[i].Length).CopyTo(inputs[i]);
            for (int n = 0; n < values.Length; n++)
                plan.Nodes[n].Reference(plan.Nodes[n].Sources.Select(s => s < 0 ? inputs[~s] : values[s]).ToArray(), values[n]);
            var a = values[^1];
            for (int o = 0; o < expected.Length; o++)
            {
                float actual = a[o], wanted = expected[o];
                if (float.IsNaN(actual) && float.IsNaN(wanted)) continue;
                double scaled = float.IsNaN(actual) || float.IsNaN(wanted)
                    ? double.PositiveInfinity
                    : Math.Abs((double)actual - wanted) / Math.Max(1.0, Math.Abs(wanted));
                if (double.IsNaN(scaled)) scaled = double.PositiveInfinity; // ∞ − ∞
                if (scaled > result.Worst) result = (scaled, o, actual, wanted);
            }
        }
        return result;
    }

    /// <summary>The probe deviation of the layers the exporter reads from <paramref name="network"/> (for tests and reports).</summary>
    internal static double ProbeDeviation(INetwork network) => ProbeDeviation(network, OnnxPlan.Read(network)).Worst;
}
