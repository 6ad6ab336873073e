using System;
using System.Collections.Generic;
using CompiledNets.Generator.Model;

namespace CompiledNets.Generator.Parsing;

/// <summary>
/// Everything the parser knows per layer kind, in one place: reading the attribute into a <see cref="LayerSpec"/>,
/// the label used in messages ("Dense 10"), the output width and the parameter count. Adding a layer kind means a
/// case in each switch here and an entry in <see cref="AttributeNames.Known"/>.
/// </summary>
internal static class LayerReader
{
    /// <summary>
    /// Reads the layer at 1-based <paramref name="position"/>, reporting its argument problems; returns null when
    /// <paramref name="attributeName"/> is not a layer this generator knows.
    /// </summary>
    public static LayerSpec? Read(string attributeName, AttributeArguments arguments, int position, LocationInfo? location, List<DiagnosticInfo> diagnostics)
    {
        switch (attributeName)
        {
            case AttributeNames.Dense:
            {
                int units = arguments.Int(0, 0);
                int activationValue = arguments.Int(1, 0);
                string label = Label(LayerKind.Dense, units);
                var activation = NetworkParser.ReadEnum(activationValue, ActivationKind.Linear, $"Layer {NetworkParser.Format(position)} ({label})", "Activation", location, diagnostics);
                if (units <= 0) NetworkParser.Report(diagnostics, Diagnostics.InvalidUnits, location, NetworkParser.Format(position), label, NetworkParser.Format(units));

                float alpha = DefaultAlpha(activation);
                if (arguments.IsSet("Alpha"))
                {
                    float declared = arguments.NamedFloat("Alpha", float.NaN);
                    // !(x >= 0) also catches NaN.
                    if (!(declared >= 0) || float.IsInfinity(declared))
                        NetworkParser.Report(diagnostics, Diagnostics.InvalidHyperparameter, location, $"Layer {NetworkParser.Format(position)} ({label})", "Alpha",
                            NetworkParser.Format(declared), "a finite number >= 0", activation == ActivationKind.ELU ? "1f" : "0.01f");
                    else alpha = declared;
                }
                var weightInit = NetworkParser.ReadEnum(arguments.NamedInt("Init", 0), InitKind.Default, $"Layer {NetworkParser.Format(position)} ({label}) Init", "Init", location, diagnostics);
                var biasInit = NetworkParser.ReadEnum(arguments.NamedInt("BiasInit", 0), InitKind.Default, $"Layer {NetworkParser.Format(position)} ({label}) BiasInit", "Init", location, diagnostics);
                return new LayerSpec(LayerKind.Dense, units, activation, alpha, weightInit, biasInit);
            }
            default:
                return null;
        }
    }

    /// <summary>The layer as messages name it, for example <c>Dense 10</c>.</summary>
    public static string Label(LayerSpec layer) => Label(layer.Kind, layer.Units);

    private static string Label(LayerKind kind, int units) => kind switch
    {
        LayerKind.Dense => "Dense " + NetworkParser.Format(units),
        _ => kind.ToString(),
    };

    /// <summary>Width of the layer's output given the width of its input (never negative).</summary>
    public static long OutputWidth(LayerSpec layer, long inputWidth) => layer.Kind switch
    {
        LayerKind.Dense => Math.Max(layer.Units, 0),
        _ => inputWidth,
    };

    /// <summary>Trainable values of the layer given the width of its input; at most about 2^62, so sums of a few never overflow.</summary>
    public static long ParameterCount(LayerSpec layer, long inputWidth) => layer.Kind switch
    {
        LayerKind.Dense => inputWidth * Math.Max(layer.Units, 0) + Math.Max(layer.Units, 0),
        _ => 0,
    };

    /// <summary>Whether the layer's activation is the one applied to the network's output (the one the loss sees).</summary>
    public static bool HasActivation(LayerSpec layer) => layer.Kind == LayerKind.Dense;

    internal static float DefaultAlpha(ActivationKind activation) => activation switch
    {
        ActivationKind.LeakyReLU => 0.01f,
        ActivationKind.ELU => 1f,
        _ => 0f,
    };
}
