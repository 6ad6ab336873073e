using System.Collections.Generic;
using System.Linq;
using CompiledNets.Generator.Model;

namespace CompiledNets.Generator.Emit;

/// <summary>How a layer hands a value it reads that value's share of the gradient.</summary>
internal enum RouteMode
{
    /// <summary>The value needs no gradient (an input, or nothing trainable before it).</summary>
    None,

    /// <summary>The value's gradient buffer is the reader's own: the gradient passes through in place.</summary>
    Alias,

    /// <summary>The first reader the backward pass visits writes the value's gradient buffer.</summary>
    Write,

    /// <summary>Later readers add to it.</summary>
    Accumulate,
}

/// <summary>One read's gradient route: its mode and the buffer holding d loss / d (the value read).</summary>
internal sealed record GradientRoute(RouteMode Mode, string Buffer);

/// <summary>
/// The plan of a network in graph form: where each layer reads its values in training, batch and single-sample
/// inference, which layers the backward pass visits, and the gradient buffers. A value read by several layers sums their
/// gradients: the reader the backward pass visits first (the last declared) writes its buffer, the others add to it, in
/// that fixed order, so results do not depend on threads. Gradient buffers (<c>MaxBatchSize × Widest</c> each) are reused
/// once the value they held has passed its gradient on; a reader whose gradient passes through unchanged (dropout,
/// normalisations, Add) shares its buffer with the only value it reads when nothing else reads that value.
/// </summary>
internal sealed class GraphPlan
{
    private readonly NetworkPlan _plan;
    private readonly Dictionary<(int Layer, int Slot), GradientRoute> _routes = new();
    private readonly List<string> _deltaBuffers = new();

    public GraphPlan(NetworkPlan plan, GraphSpec spec)
    {
        _plan = plan;
        Inputs = spec.Inputs.ToArray();
        var layers = plan.Layers;
        Readers = layers.Select(_ => new List<int>()).ToList();
        foreach (var layer in layers)
            foreach (int source in layer.Sources)
                if (!ValueRef.IsInput(source)) Readers[source].Add(layer.Index);
        Reaches = new bool[layers.Count];
        Reaches[layers.Count - 1] = true;
        for (int i = layers.Count - 2; i >= 0; i--) Reaches[i] = Readers[i].Any(r => Reaches[r]);
        Upstream = new bool[layers.Count];
        for (int i = 0; i < layers.Count; i++)
            Upstream[i] = layers[i].ParameterCount > 0 || layers[i].Sources.Any(s => !ValueRef.IsInput(s) && Upstream[s]);
        int offset = 0;
        InputOffsets = Inputs.Select(input => { int at = offset; offset += (int)input.Shape.Size; return at; }).ToArray();
        if (plan.Trainable) AssignGradients();
    }

    public IReadOnlyList<InputSpec> Inputs { get; }

    /// <summary>Where each input starts in a sample's row.</summary>
    public IReadOnlyList<int> InputOffsets { get; }

    /// <summary>True when the row holds several inputs, copied apart into buffers of their own for the batch passes.</summary>
    public bool SplitsInputs => Inputs.Count > 1;

    /// <summary>The layers reading each layer's output, in declaration order (a layer reading a value twice appears twice).</summary>
    public IReadOnlyList<List<int>> Readers { get; }

    /// <summary>Whether each layer's output reaches the network's output (the others are computed in training only, and warned about).</summary>
    public bool[] Reaches { get; }

    /// <summary>Whether each layer has trainable parameters at or before it, so its output needs a gradient.</summary>
    public bool[] Upstream { get; }

    /// <summary>The gradient buffers, each <c>MaxBatchSize × Widest</c>.</summary>
    public IReadOnlyList<string> DeltaBuffers => _deltaBuffers;

    /// <summary>Whether the backward pass visits the layer: its gradient reaches it and something trainable is at or before it.</summary>
    public bool HasBackward(LayerPlan layer) => Reaches[layer.Index] && Upstream[layer.Index];

    /// <summary>Whether the layer computes the gradient of the value in <paramref name="slot"/>.</summary>
    public bool NeedsInputGradient(LayerPlan layer, int slot = 0) => Route(layer, slot).Mode != RouteMode.None;

    public GradientRoute Route(LayerPlan layer, int slot) =>
        _routes.TryGetValue((layer.Index, slot), out var route) ? route : new GradientRoute(RouteMode.None, "");

    /// <summary>The layer that reads <paramref name="layer"/>'s output as its only reader, when that is a product (which then fuses the activation's derivative).</summary>
    public LayerPlan? OnlyReader(LayerPlan layer)
    {
        var reading = Readers[layer.Index].Where(r => Reaches[r]).ToList();
        return reading.Count == 1 ? _plan.Layers[reading[0]] : null;
    }

    // ------------------------------------------------------------------ where values are read

    /// <summary>Whether single-sample inference computes the layer: it reaches the output and is not the identity there.</summary>
    public bool Predicts(LayerPlan layer) => Reaches[layer.Index] && !layer.Kind.IdentityAtInference;

    /// <summary>Floats of the rows single-sample inference keeps: one per layer it computes, but the last (written to the output).</summary>
    public int PredictRowFloats => _plan.Layers.Where(l => Predicts(l) && !l.IsLast).Sum(l => l.Units);

    /// <summary>The batch buffer of input <paramref name="index"/>: the copied batch itself when it is the only input.</summary>
    public string InputBuffer(int index) => SplitsInputs ? $"_input_{Inputs[index].Name}" : "_input";

    /// <summary>The constant naming input <paramref name="index"/>'s values per sample.</summary>
    public string InputSizeConstant(int index) => SplitsInputs ? $"Input_{Inputs[index].Name}Size" : "InputSize";

    /// <summary>The constant naming the values per sample of <paramref name="value"/>.</summary>
    public string SizeConstant(int value) => ValueRef.IsInput(value) ? InputSizeConstant(ValueRef.InputIndex(value)) : $"{_plan.Layers[value].Prefix}Units";

    /// <summary>The training buffer of <paramref name="value"/>.</summary>
    public string TrainingBuffer(int value) => ValueRef.IsInput(value) ? InputBuffer(ValueRef.InputIndex(value)) : $"_{_plan.Layers[value].Field}Output";

    /// <summary>The values of <c>rows</c> samples of the value in <paramref name="slot"/> of <paramref name="layer"/>, in training.</summary>
    public string TrainingSourceSpan(LayerPlan layer, int slot) =>
        Code.BufferSpan(TrainingBuffer(layer.Sources[slot]), $"rows * {SizeConstant(layer.Sources[slot])}");

    /// <summary>The value inference reads for <paramref name="value"/>: layers that are the identity at inference pass their own source on.</summary>
    public int InferenceValue(int value)
    {
        while (!ValueRef.IsInput(value) && _plan.Layers[value].Kind.IdentityAtInference) value = _plan.Layers[value].Sources[0];
        return value;
    }

    /// <summary>The batch-inference spans of every value <paramref name="layer"/> reads.</summary>
    public IReadOnlyList<string> InferenceSourceSpans(LayerPlan layer) =>
        layer.Sources.Select(s => InferenceValue(s)).Select(v => Code.BufferSpan(TrainingBuffer(v), $"rows * {SizeConstant(v)}")).ToList();

    /// <summary>The span holding d loss / d (value) for a route of <paramref name="layer"/>'s <paramref name="slot"/>.</summary>
    public string GradientSpan(GradientRoute route, LayerPlan layer, int slot) =>
        Code.BufferSpan(route.Buffer, $"rows * {SizeConstant(layer.Sources[slot])}");

    /// <summary>The architecture string's layers part: <c>image:784, meta:4 -> pixels=Dense(128, ReLU)(image) -> ...</c>.</summary>
    public string Describe() =>
        string.Join(", ", Inputs.Select(i => i.Name + ":" + i.Shape.Text)) + " -> " +
        string.Join(" -> ", _plan.Layers.Select(l => $"{l.Name}={l.Describe()}({string.Join(", ", l.Sources.Select(ValueName))})"));

    /// <summary>How the architecture string and the summary name a value.</summary>
    public string ValueName(int value) => ValueRef.IsInput(value) ? Inputs[ValueRef.InputIndex(value)].Name : _plan.Layers[value].Name;

    // ------------------------------------------------------------------ gradient buffers

    private readonly SortedSet<int> _free = new();

    private string Allocate()
    {
        if (_free.Count > 0)
        {
            int index = _free.Min;
            _free.Remove(index);
            return _deltaBuffers[index];
        }
        _deltaBuffers.Add(_deltaBuffers.Count < 26 ? "_delta" + (char)('A' + _deltaBuffers.Count) : "_delta" + Literal.Int(_deltaBuffers.Count));
        return _deltaBuffers[_deltaBuffers.Count - 1];
    }

    private void Release(string buffer) => _free.Add(_deltaBuffers.IndexOf(buffer));

    /// <summary>Walks the backward pass once, fixing each layer's delta buffers and each read's route.</summary>
    private void AssignGradients()
    {
        var layers = _plan.Layers;
        var gradient = new string?[layers.Count];
        var readsLeft = new int[layers.Count];
        for (int i = 0; i < layers.Count; i++) readsLeft[i] = Readers[i].Count(r => Reaches[r]);
        gradient[layers.Count - 1] = Allocate(); // the loss writes it
        for (int i = layers.Count - 1; i >= 0; i--)
        {
            var layer = layers[i];
            if (!HasBackward(layer)) continue;
            layer.Delta = gradient[i]!;
            bool passesThrough = layer.Kind.IsMerge ? ((Layers.MergeLayerKind)layer.Kind).PassesGradientThrough : !layer.Kind.WritesInputGradientToOtherBuffer;
            bool aliased = false;
            for (int k = 0; k < layer.Sources.Count; k++)
            {
                int source = layer.Sources[k];
                if (ValueRef.IsInput(source) || !Upstream[source]) continue;
                RouteMode mode;
                if (gradient[source] is null)
                {
                    bool onlyRead = Readers[source].Count(r => Reaches[r]) == 1;
                    if (passesThrough && onlyRead && !aliased)
                    {
                        gradient[source] = layer.Delta;
                        aliased = true;
                        mode = RouteMode.Alias;
                    }
                    else
                    {
                        gradient[source] = Allocate();
                        mode = RouteMode.Write;
                    }
                }
                else mode = RouteMode.Accumulate;
                _routes[(i, k)] = new GradientRoute(mode, gradient[source]!);
            }
            // The other delta: where a product writes its input gradient when that is the value's buffer, else scratch.
            var first = Route(layer, 0);
            bool writesDirectly = !layer.Kind.IsMerge && layer.Kind.WritesInputGradientToOtherBuffer && first.Mode == RouteMode.Write;
            string? scratch = writesDirectly ? null : Allocate();
            layer.OtherDelta = scratch ?? first.Buffer;
            if (scratch is not null) Release(scratch);
            if (!aliased) Release(layer.Delta);
        }
    }
}
