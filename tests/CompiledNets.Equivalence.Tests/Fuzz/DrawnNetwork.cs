using System.Globalization;

namespace CompiledNets.Equivalence.Tests.Fuzz;

/// <summary>The layer kinds a declaration can use.</summary>
public enum DrawnKind { Dense, Maxout, Dropout, BatchNorm, LayerNorm, Activation }

/// <summary>One drawn layer, written both as its attribute and as its <see cref="Sequential"/> builder call.</summary>
public sealed record DrawnLayer(DrawnKind Kind, int Units = 0, Activation Activation = Activation.Linear, int Pieces = 0, float Rate = 0f, float L2 = float.NaN)
{
    /// <summary>True for the kinds built on a matrix product.</summary>
    public bool HasProduct => Kind is DrawnKind.Dense or DrawnKind.Maxout;

    /// <summary>Values per sample going out, for <paramref name="inputs"/> coming in.</summary>
    public int Outputs(int inputs) => HasProduct ? Units : inputs;

    /// <summary>Outputs of the layer's product: units × pieces for Maxout, 0 without a product.</summary>
    public int LinearOutputs => Kind switch { DrawnKind.Dense => Units, DrawnKind.Maxout => Units * Pieces, _ => 0 };

    /// <summary>Trainable values for <paramref name="inputs"/> coming in.</summary>
    public long Parameters(int inputs) => Kind switch
    {
        DrawnKind.Dense or DrawnKind.Maxout => (long)(inputs + 1) * LinearOutputs,
        DrawnKind.BatchNorm or DrawnKind.LayerNorm => 2L * inputs,
        _ => 0,
    };

    public string Attribute => Kind switch
    {
        DrawnKind.Dense => $"[Dense({Int(Units)}, Activation.{Activation}{(float.IsNaN(L2) ? "" : ", L2 = " + Float(L2))})]",
        DrawnKind.Maxout => $"[Maxout({Int(Units)}, {Int(Pieces)})]",
        DrawnKind.Dropout => $"[Dropout({Float(Rate)})]",
        DrawnKind.BatchNorm => "[BatchNorm]",
        DrawnKind.LayerNorm => "[LayerNorm]",
        _ => $"[ActivationLayer(Activation.{Activation})]",
    };

    public Sequential AddTo(Sequential network) => Kind switch
    {
        DrawnKind.Dense => network.Dense(Units, Activation, l2: L2),
        DrawnKind.Maxout => network.Maxout(Units, Pieces),
        DrawnKind.Dropout => network.Dropout(Rate),
        DrawnKind.BatchNorm => network.BatchNorm(),
        DrawnKind.LayerNorm => network.LayerNorm(),
        _ => network.Activation(Activation),
    };

    internal static string Int(long value) => value.ToString(CultureInfo.InvariantCulture);

    internal static string Float(float value) => value.ToString("R", CultureInfo.InvariantCulture) + "f";
}

/// <summary>An optimizer declaration: its attribute, its builder call, and the state it keeps per parameter.</summary>
public sealed record DrawnOptimizer(string Attribute, Func<Sequential, Sequential> Build, int StatePerParameter)
{
    public string Name => Attribute.Split('(', ']')[0].TrimStart('[');

    /// <summary>True for the optimizers that divide by a running average of the squared gradient (AdaGrad, RMSprop, Adam, AdamW).</summary>
    public bool Normalises => Name is "AdaGrad" or "RmsProp" or "Adam" or "AdamW";

    public override string ToString() => Attribute;
}

/// <summary>
/// A network drawn by <see cref="ThresholdNetworks"/>: its layers, loss, optimizer and weight decay, the batch its
/// training comparison uses, and what it was drawn to cover.
/// </summary>
public sealed record DrawnNetwork(
    string Name, int Inputs, IReadOnlyList<DrawnLayer> Layers, LossFunction Loss, DrawnOptimizer Optimizer, float WeightDecay, int Batch, string Covers)
{
    /// <summary>Inputs of layer <paramref name="index"/>.</summary>
    public int InputsOf(int index)
    {
        int width = Inputs;
        for (int i = 0; i < index; i++) width = Layers[i].Outputs(width);
        return width;
    }

    public long ParameterCount => Layers.Select((l, i) => l.Parameters(InputsOf(i))).Sum();

    public long Weights => Layers.Select((l, i) => (long)InputsOf(i) * l.LinearOutputs).Sum();

    /// <summary>The declaration as attributes, and the same network as builder calls, for the equivalence tests.</summary>
    public CorpusEntry ToEntry()
    {
        var lines = new List<string>();
        if (WeightDecay > 0) lines.Add($"[WeightDecay({DrawnLayer.Float(WeightDecay)})]");
        lines.AddRange(Layers.Select(l => l.Attribute));
        lines.Add($"[Loss(LossFunction.{Loss})]");
        lines.Add(Optimizer.Attribute);
        return new CorpusEntry(Name, Inputs, "// " + Covers + "\n" + string.Join("\n", lines), s =>
        {
            if (WeightDecay > 0) s = s.WeightDecay(WeightDecay);
            foreach (var layer in Layers) s = layer.AddTo(s);
            return Optimizer.Build(s.Loss(Loss));
        });
    }

    public override string ToString() => $"{Name} ({Covers}): {Inputs} -> {string.Join(" ", Layers.Select(l => l.Attribute))} {Loss} {Optimizer}";
}
