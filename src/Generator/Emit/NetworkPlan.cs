using System;
using System.Collections.Generic;
using System.Linq;
using CompiledNets.Generator.Layers;
using CompiledNets.Generator.Model;

namespace CompiledNets.Generator.Emit;

/// <summary>
/// The layout the emitter writes, derived from a <see cref="NetworkSpec"/>: layer names, widths, offsets into the
/// parameter and buffer arrays, and which buffer holds each layer's gradient during the backward pass. One place
/// computes it so every emitter agrees.
/// </summary>
internal sealed class NetworkPlan
{
    public NetworkPlan(NetworkSpec spec)
    {
        Spec = spec;
        var layers = new List<LayerPlan>();
        var counters = new Dictionary<LayerKind, int>();
        Input = spec.InputShape;
        int parameters = 0, buffers = 0;
        for (int i = 0; i < spec.Layers.Count; i++)
        {
            var layer = spec.Layers[i];
            counters.TryGetValue(layer.Kind, out int count);
            counters[layer.Kind] = ++count;
            // A chain reads the previous layer (the first, the input); a graph's nodes say what they read.
            IReadOnlyList<int> sources = spec.Graph is { } graph ? graph.Nodes[i].Sources.ToArray() : new[] { i == 0 ? ValueRef.Input(0) : i - 1 };
            var shapes = sources.Select(s => ValueRef.IsInput(s) ? InputShape(spec, ValueRef.InputIndex(s)) : layers[s].OutputShape).ToList();
            var plan = new LayerPlan(i, count, layer, shapes, sources, spec.Graph?.Nodes[i].Name, parameters, buffers, isLast: i == spec.Layers.Count - 1, spec.WeightDecay);
            layers.Add(plan);
            parameters += plan.ParameterCount;
            buffers += plan.BufferCount;
        }
        var shape = layers[layers.Count - 1].OutputShape;
        Layers = layers;
        ParameterCount = parameters;
        BufferCount = buffers;
        OutputSize = (int)shape.Size;
        FirstTrainable = layers.FindIndex(l => l.ParameterCount > 0);
        WidestHidden = Math.Max(1, layers.Take(layers.Count - 1).Select(l => l.Units).DefaultIfEmpty(1).Max());
        // Before the scratch is sized: a convolution that predicts by Winograd needs more of it.
        WinogradWeightCount = PlaceWeightCopy(layers.Where(l => KernelPlan.PredictsByWinograd(l)), alignment: 16,
            (layer, offset) => layer.WinogradWeightOffset = offset, l => 4L * global::CompiledNets.Generator.Layers.Conv2DLayer.Geometry(l).WeightCount); // 36 points for 9 weights
        WidestScratch = layers.Select(l => l.Kind.InferenceScratchFloats(l)).DefaultIfEmpty(0).Max();
        Widest = layers.Select(l => Math.Max(l.Units, l.LinearUnits)).Max();
        OptimizerStateCount = spec.InferenceOnly ? 0 : spec.Optimizer.Kind switch
        {
            OptimizerKind.Adam or OptimizerKind.AdamW => 2 * ParameterCount,
            OptimizerKind.AdaGrad => ParameterCount,
            OptimizerKind.RmsProp => spec.Optimizer.Momentum > 0 ? 2 * ParameterCount : ParameterCount,
            _ => spec.Optimizer.Momentum > 0 ? ParameterCount : 0,
        };
        if (spec.InferenceWeights == WeightPrecisionKind.BFloat16) BFloat16WeightCount = PlaceBFloat16Weights(layers);
        InterleavedWeightCount = PlaceInterleavedWeights(layers);
        if (spec.Graph is not null) Graph = new GraphPlan(this, spec.Graph);
        else
        {
            AssignDeltaBuffers();
            PoolFusion.PairAtInference(layers);
        }
        TrainsInSampleLanes = KernelPlan.TrainsInSampleLanes(this);
    }

    /// <summary>
    /// Lays out the bfloat16 copy of the product layers' weights, each tensor from a 64-byte boundary (32 values), and
    /// returns its length. Convolutions and the normalisations keep reading float32 (little of a convnet's time is spent
    /// streaming its weights).
    /// </summary>
    private static int PlaceBFloat16Weights(List<LayerPlan> layers) =>
        PlaceWeightCopy(layers.Where(l => l.Kind.IsProduct && l.WeightCount > 0), alignment: 32, (layer, offset) => layer.BFloat16WeightOffset = offset);

    /// <summary>
    /// Lays out the interleaved float32 copy single-sample <c>Predict</c> reads (<see cref="KernelPlan.InterleaveWeights"/>),
    /// each tensor from a 64-byte boundary (16 floats), and returns its length.
    /// </summary>
    private int PlaceInterleavedWeights(List<LayerPlan> layers) =>
        PlaceWeightCopy(layers.Where(l => KernelPlan.PredictsFromInterleavedWeights(this, l)), alignment: 16, (layer, offset) => layer.InterleavedWeightOffset = offset);

    /// <summary>Gives each layer's weights the next offset in a copy, from a multiple of <paramref name="alignment"/>; returns the copy's length.</summary>
    private static int PlaceWeightCopy(IEnumerable<LayerPlan> layers, int alignment, Action<LayerPlan, int> place, Func<LayerPlan, long>? size = null)
    {
        int offset = 0;
        foreach (var layer in layers)
        {
            place(layer, offset);
            offset += (int)(((size?.Invoke(layer) ?? layer.WeightCount) + alignment - 1) / alignment * alignment);
        }
        return offset;
    }

    /// <summary>True when single-sample predictions read some weights from an interleaved float32 copy.</summary>
    public bool PredictsFromInterleavedWeights => InterleavedWeightCount > 0;

    /// <summary>Floats of the interleaved copy (0 without one).</summary>
    public int InterleavedWeightCount { get; }

    /// <summary>True when some convolution predicts by Winograd, from the transformed filters.</summary>
    public bool PredictsByWinograd => WinogradWeightCount > 0;

    /// <summary>Floats of the Winograd copy of the filters (0 without one).</summary>
    public int WinogradWeightCount { get; }

    /// <summary>True when predictions read a bfloat16 or interleaved copy of some product weights.</summary>
    public bool HasInferenceWeightCopy => InfersInBFloat16 || PredictsFromInterleavedWeights;

    /// <summary>True when predictions read a copy of some weights (bfloat16, interleaved or Winograd), to be brought up to date after every change.</summary>
    public bool HasWeightCopy => HasInferenceWeightCopy || PredictsByWinograd;

    /// <summary>True when predictions read a bfloat16 copy of the product weights (declared, and there is a product to copy).</summary>
    public bool InfersInBFloat16 => BFloat16WeightCount > 0;

    /// <summary>bfloat16 values of the copy predictions read (0 without one).</summary>
    public int BFloat16WeightCount { get; }

    private static Shape InputShape(NetworkSpec spec, int index) => spec.Graph is { } graph ? graph.Inputs[index].Shape : spec.InputShape;

    /// <summary>The wiring of a network in graph form; null for a chain.</summary>
    public GraphPlan? Graph { get; }

    /// <summary>The layer whose output <paramref name="layer"/> reads (its first value), or null when that is an input.</summary>
    public LayerPlan? SourceLayer(LayerPlan layer) => ValueRef.IsInput(layer.Sources[0]) ? null : Layers[layer.Sources[0]];

    /// <summary>Whether the backward pass visits <paramref name="layer"/>: something trainable is at or before it (and, in a graph, its output is read).</summary>
    public bool HasBackward(LayerPlan layer) => Graph?.HasBackward(layer) ?? (FirstTrainable >= 0 && layer.Index >= FirstTrainable);

    /// <summary>Whether <paramref name="layer"/> computes d loss / d input: something trainable is before it.</summary>
    public bool NeedsInputGradient(LayerPlan layer) => Graph?.NeedsInputGradient(layer) ?? layer.Index > FirstTrainable;

    /// <summary>The layer reading <paramref name="layer"/>'s output alone, which may fuse its activation's derivative: the next one in a chain.</summary>
    public LayerPlan? OnlyReader(LayerPlan layer) =>
        Graph is not null ? Graph.OnlyReader(layer) : layer.Index + 1 < Layers.Count ? Layers[layer.Index + 1] : null;

    public NetworkSpec Spec { get; }

    /// <summary>One sample's values coming in.</summary>
    public Shape Input { get; }

    /// <summary>False for inference-only networks: no backward pass, no optimizer, no training buffers.</summary>
    public bool Trainable => !Spec.InferenceOnly;

    public IReadOnlyList<LayerPlan> Layers { get; }

    public int ParameterCount { get; }

    /// <summary>Non-trainable values (batch-norm running statistics).</summary>
    public int BufferCount { get; }

    public int OutputSize { get; }

    public int OptimizerStateCount { get; }

    /// <summary>The first layer with parameters: the backward pass stops there (it needs no input gradient).</summary>
    public int FirstTrainable { get; }

    /// <summary>Widest layer output before the last one (sizes the rows of single-sample inference).</summary>
    public int WidestHidden { get; }

    /// <summary>Floats of the widest scratch one sample's inference needs in a layer (Maxout's pieces, a convolution's planes; 0 without one).</summary>
    public int WidestScratch { get; }

    /// <summary>Widest per-sample gradient the backward pass holds (sizes the delta buffers).</summary>
    public int Widest { get; }

    public LayerPlan Last => Layers[Layers.Count - 1];

    /// <summary>True when training draws dropout masks: the network keeps a seeded stream for them.</summary>
    public bool DrawsMasks => Layers.Any(l => l.Kind.DrawsMasks);

    /// <summary>True when training runs in the straight-line sample-lane kernel (<see cref="KernelPlan.TrainsInSampleLanes"/>).</summary>
    public bool TrainsInSampleLanes { get; }

    /// <summary>True when training runs the general per-layer products, with their buffers and kernels.</summary>
    public bool TrainsPerLayer => Trainable && !TrainsInSampleLanes;

    /// <summary>The activation the loss sees (the last layer's, when its kind has one).</summary>
    public ActivationKind OutputActivation => Last.Kind.HasActivation ? Last.Activation : ActivationKind.Linear;

    /// <summary>The training buffer that holds layer <paramref name="index"/>'s input (the batch copy for the first layer).</summary>
    public string TrainingInput(int index) =>
        Graph is not null ? Graph.TrainingBuffer(Layers[index].Sources[0]) : index == 0 ? "_input" : $"_{Layers[index - 1].Field}Output";

    /// <summary>The values of <c>rows</c> samples of layer <paramref name="index"/>'s input.</summary>
    public string TrainingInputRows(int index) => $"rows * {TrainingInputSize(index)}";

    /// <summary>The constant holding how many values one sample of layer <paramref name="index"/>'s input has.</summary>
    public string TrainingInputSize(int index) =>
        Graph is not null ? Graph.SizeConstant(Layers[index].Sources[0]) : index == 0 ? "InputSize" : $"{Layers[index - 1].Prefix}Units";

    /// <summary>
    /// The training passes' steps in segments, built on first use by the emitter (the fields, the constructor, the
    /// training step and the segments' methods all read it).
    /// </summary>
    public TrainingSchedule? TrainingSchedule { get; set; }

    /// <summary>The buffer holding the pre-activation the loss is computed from.</summary>
    public string LossPreActivation => Last.Kind.LossInput(this, Last);

    /// <summary>The canonical architecture string; the interpreted engine builds the same one.</summary>
    public string Architecture =>
        (Graph?.Describe() ?? Input.Text + " -> " + string.Join(" -> ", Layers.Select(l => l.Describe()))) +
        " | " + LossText + " | " + (Spec.InferenceOnly ? "InferenceOnly" : Spec.Optimizer.Kind.ToString());

    /// <summary>The declared loss, or <c>none</c> for an inference-only network declared without one.</summary>
    public string LossText => Spec.LossDeclared ? Spec.Loss.ToString() : "none";

    /// <summary>
    /// Walks the backward pass once to fix which delta buffer holds each layer's incoming gradient. The loss writes
    /// _deltaA; a kind that writes its input gradient to the other buffer swaps them, every other kind works in place.
    /// </summary>
    private void AssignDeltaBuffers()
    {
        string current = "_deltaA", other = "_deltaB";
        for (int i = Layers.Count - 1; i >= Math.Max(FirstTrainable, 0); i--)
        {
            var layer = Layers[i];
            layer.Delta = current;
            layer.OtherDelta = other;
            if (layer.Kind.WritesInputGradientToOtherBuffer && i > FirstTrainable)
                (current, other) = (other, current);
        }
    }
}

