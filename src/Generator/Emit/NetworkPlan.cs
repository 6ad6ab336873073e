using System;
using System.Collections.Generic;
using System.Linq;
using CompiledNets.Generator.Model;

namespace CompiledNets.Generator.Emit;

/// <summary>
/// The layout the emitter writes, derived from a <see cref="NetworkSpec"/>: layer names, widths, and
/// offsets into the parameter buffer. One place computes it so every emitter agrees.
/// </summary>
internal sealed class NetworkPlan
{
    public NetworkPlan(NetworkSpec spec)
    {
        Spec = spec;
        var layers = new List<LayerPlan>();
        int width = spec.Inputs, offset = 0;
        for (int i = 0; i < spec.Layers.Count; i++)
        {
            var layer = spec.Layers[i];
            var plan = new LayerPlan(i, layer, width, offset, isLast: i == spec.Layers.Count - 1);
            layers.Add(plan);
            offset += plan.ParameterCount;
            width = layer.Units;
        }
        Layers = layers;
        ParameterCount = offset;
        OutputSize = width;
        WidestHidden = layers.Count > 1 ? layers.Take(layers.Count - 1).Max(l => l.Units) : 1;
        OptimizerStateCount = spec.Optimizer.Kind switch
        {
            OptimizerKind.Adam => 2 * ParameterCount,
            _ => 0,
        };
    }

    public NetworkSpec Spec { get; }

    public IReadOnlyList<LayerPlan> Layers { get; }

    public int ParameterCount { get; }

    public int OutputSize { get; }

    public int OptimizerStateCount { get; }

    /// <summary>Widest layer output before the last one (sizes the ping-pong buffers of single-sample inference).</summary>
    public int WidestHidden { get; }

    /// <summary>Widest layer output overall (sizes the training gradient buffers).</summary>
    public int Widest => Layers.Max(l => l.Units);

    /// <summary>The canonical architecture string; the interpreted engine builds the same one.</summary>
    public string Architecture =>
        Literal.Int(Spec.Inputs) + " -> " + string.Join(" -> ", Layers.Select(l => l.Describe())) +
        " | " + Spec.Loss + " | " + Spec.Optimizer.Kind;
}

/// <summary>One Dense layer's place in the network.</summary>
internal sealed class LayerPlan
{
    public LayerPlan(int index, LayerSpec spec, int inputs, int offset, bool isLast)
    {
        Index = index;
        Spec = spec;
        Inputs = inputs;
        Units = spec.Units;
        IsLast = isLast;
        Name = "dense" + Literal.Int(index + 1);
        Prefix = "Dense" + Literal.Int(index + 1);
        WeightOffset = offset;
        BiasOffset = offset + inputs * spec.Units;
        ParameterCount = inputs * spec.Units + spec.Units;
    }

    public int Index { get; }

    public LayerSpec Spec { get; }

    public int Inputs { get; }

    public int Units { get; }

    public bool IsLast { get; }

    /// <summary>Tensor-name prefix, for example <c>dense1</c>.</summary>
    public string Name { get; }

    /// <summary>C# identifier prefix, for example <c>Dense1</c>.</summary>
    public string Prefix { get; }

    public int WeightOffset { get; }

    public int BiasOffset { get; }

    public int ParameterCount { get; }

    public ActivationKind Activation => Spec.Activation;

    /// <summary>The last layer keeps its logits for the fused loss; GELU and SiLU need them for their derivative.</summary>
    public bool StoresPreActivation => IsLast || Activation is ActivationKind.GELU or ActivationKind.SiLU;

    public string Describe() => "Dense(" + Literal.Int(Units) + ", " + Activation + ")";

    public string ResolvedWeightInit => (Spec.WeightInit == InitKind.Default
        ? Activation is ActivationKind.ReLU or ActivationKind.LeakyReLU or ActivationKind.ELU or ActivationKind.GELU or ActivationKind.SiLU ? InitKind.HeUniform : InitKind.GlorotUniform
        : Spec.WeightInit).ToString();

    public string ResolvedBiasInit => (Spec.BiasInit == InitKind.Default ? InitKind.Zeros : Spec.BiasInit).ToString();
}
