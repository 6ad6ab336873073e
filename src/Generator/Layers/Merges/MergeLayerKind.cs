using System.Collections.Generic;
using System.Linq;
using CompiledNets.Generator.Emit;
using CompiledNets.Generator.Model;
using CompiledNets.Generator.Parsing;
using static CompiledNets.Generator.Emit.Code;

namespace CompiledNets.Generator.Layers;

/// <summary>The settings of a merge (<c>[Add(...)]</c>, <c>[Concat(...)]</c>, ...): its activation; the names it reads are graph wiring.</summary>
internal sealed record MergeSpec(MergeLayerKind Merge, ActivationKind Activation, float Alpha) : LayerSpec
{
    public override LayerKind Kind => Merge;
}

/// <summary>
/// What the merges share: they read two or more earlier values, combine them element by element (or side by side), then
/// apply an optional activation. Their backward pass applies the activation's derivative and hands each input its part
/// of the gradient along the routes the graph plan chose (written, added to what other readers gave, or shared in place).
/// </summary>
internal abstract class MergeLayerKind : LayerKind
{
    public override string AttributeName => Identifier + "Attribute";

    public override bool IsMerge => true;

    public override bool HasActivation => true;

    private static MergeSpec Settings(LayerSpec spec) => (MergeSpec)spec;

    public override LayerSpec Read(LayerAttribute attribute)
    {
        string owner = attribute.Owner(Identifier);
        var activation = attribute.Enum(attribute.Arguments.NamedInt("Activation", 0), ActivationKind.Linear, owner, "Activation");
        return new MergeSpec(this, activation, attribute.Alpha(activation, owner));
    }

    public override ActivationKind Activation(LayerSpec spec) => Settings(spec).Activation;

    public override float Alpha(LayerSpec spec) => Settings(spec).Alpha;

    public override string Describe(LayerPlan layer) => layer.Activation == ActivationKind.Linear ? Identifier : $"{Identifier}({layer.ActivationText})";

    public override string SummaryDetail(LayerPlan layer) => layer.Activation == ActivationKind.Linear ? "" : layer.ActivationText;

    /// <summary>True when every input's gradient is the output's gradient (Add; Average after scaling it), so one input may share its buffer.</summary>
    public virtual bool PassesGradientThrough => false;

    /// <summary>Reports inputs whose shapes differ (the element-wise merges); Concat overrides.</summary>
    public override void CheckMerge(LayerSpec spec, IReadOnlyList<Shape> inputs, IReadOnlyList<string> names, LayerInput layer)
    {
        for (int k = 1; k < inputs.Count; k++)
        {
            if (inputs[k].Equals(inputs[0])) continue;
            layer.Report(Diagnostics.MergeShapeMismatch, NetworkParser.Format(layer.Position), layer.Label, names[0], inputs[0].ToString(), names[k], inputs[k].ToString(),
                $"{Identifier} needs the same shape on every input; make them agree, for example with a Dense layer of {inputs[0].Size} units on '{names[k]}'");
            return;
        }
    }

    public override Shape OutputShape(LayerSpec spec, IReadOnlyList<Shape> inputs) => inputs[0];

    // ------------------------------------------------------------------ buffers

    public override bool StoresPreActivation(LayerPlan layer) =>
        layer.Activation != ActivationKind.Linear && (layer.IsLast || layer.Activation is ActivationKind.GELU or ActivationKind.SiLU);

    public override string LossInput(NetworkPlan plan, LayerPlan layer) => layer.StoresPreActivation ? $"_{layer.Field}PreActivation" : $"_{layer.Field}Output";

    protected override IEnumerable<ScratchBuffer> TrainingScratch(NetworkPlan plan, LayerPlan layer)
    {
        if (layer.StoresPreActivation)
            yield return new ScratchBuffer($"_{layer.Field}PreActivation", $"maxBatchSize * {layer.Prefix}Units", $"[MaxBatchSize, {layer.Units}] before {layer.Activation}");
    }

    // ------------------------------------------------------------------ forward

    /// <summary>Statements combining the <paramref name="inputs"/> spans into <paramref name="output"/> (<c>rows</c> samples).</summary>
    protected abstract void EmitCombine(SourceWriter w, LayerPlan layer, IReadOnlyList<string> inputs, string output);

    public override bool InferenceUsesRows(LayerPlan layer) => true;

    public override void EmitTrainingForward(SourceWriter w, NetworkPlan plan, LayerPlan layer)
    {
        var inputs = Enumerable.Range(0, layer.Sources.Count).Select(k => plan.Graph!.TrainingSourceSpan(layer, k)).ToList();
        string output = BufferSpan($"_{layer.Field}Output", Rows(layer));
        if (layer.StoresPreActivation)
        {
            string pre = BufferSpan($"_{layer.Field}PreActivation", Rows(layer));
            EmitCombine(w, layer, inputs, pre);
            w.Line($"{pre}.CopyTo({output});");
        }
        else EmitCombine(w, layer, inputs, output);
        var activation = ActivationCalls.Forward(layer, output);
        if (activation is not null) w.Line(activation);
    }

    public override void EmitInference(SourceWriter w, LayerPlan layer, IReadOnlyList<string> inputs, string output, string scratch)
    {
        EmitCombine(w, layer, inputs, output);
        var activation = ActivationCalls.Forward(layer, output);
        if (activation is not null) w.Line(activation);
    }

    /// <summary>Never called: the inference passes give a merge all its inputs.</summary>
    public override void EmitInference(SourceWriter w, LayerPlan layer, string input, string output, string scratch) =>
        throw new System.InvalidOperationException("A merge reads several inputs.");

    // ------------------------------------------------------------------ backward

    public override void EmitBackward(SourceWriter w, NetworkPlan plan, LayerPlan layer)
    {
        string delta = BufferSpan(layer.Delta, Rows(layer));
        if (!layer.IsLast)
        {
            var backward = ActivationCalls.Backward(layer, BufferSpan($"_{layer.Field}Output", Rows(layer)),
                layer.StoresPreActivation ? BufferSpan($"_{layer.Field}PreActivation", Rows(layer)) : "default", delta);
            if (backward is not null) w.Line(backward);
        }
        EmitInputGradients(w, plan, layer, delta);
    }

    /// <summary>Hands each input its gradient along <see cref="GraphPlan.Route"/>, from <paramref name="delta"/>: d loss / d (combined values).</summary>
    protected abstract void EmitInputGradients(SourceWriter w, NetworkPlan plan, LayerPlan layer, string delta);

    /// <summary>For the merges that pass the gradient through: each input gets <paramref name="delta"/> as it is.</summary>
    protected static void EmitPassThrough(SourceWriter w, NetworkPlan plan, LayerPlan layer, string delta)
    {
        for (int k = 0; k < layer.Sources.Count; k++)
        {
            var route = plan.Graph!.Route(layer, k);
            string target = plan.Graph.GradientSpan(route, layer, k);
            switch (route.Mode)
            {
                case RouteMode.Write: w.Line($"{delta}.CopyTo({target});"); break;
                case RouteMode.Accumulate: w.Line($"{Names.RuntimeNames.MergeKernels}.Accumulate({target}, {delta});"); break;
            }
        }
    }
}
