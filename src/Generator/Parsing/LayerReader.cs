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
                float l2 = float.NaN;
                if (arguments.IsSet("L2"))
                {
                    l2 = arguments.NamedFloat("L2", float.NaN);
                    if (!(l2 >= 0) || float.IsInfinity(l2))
                        NetworkParser.Report(diagnostics, Diagnostics.InvalidHyperparameter, location, $"Layer {NetworkParser.Format(position)} ({label})", "L2",
                            NetworkParser.Format(l2), "a finite number >= 0", "1e-4f");
                }
                return new LayerSpec(LayerKind.Dense, units, activation, alpha, weightInit, biasInit, L2: l2);
            }
            case AttributeNames.Maxout:
            {
                int units = arguments.Int(0, 0);
                int pieces = arguments.Int(1, 0);
                string label = Label(LayerKind.Maxout, units);
                if (units <= 0) NetworkParser.Report(diagnostics, Diagnostics.InvalidUnits, location, NetworkParser.Format(position), label, NetworkParser.Format(units));
                if (pieces < 2)
                    NetworkParser.Report(diagnostics, Diagnostics.InvalidHyperparameter, location, $"Layer {NetworkParser.Format(position)} ({label})", "pieces",
                        NetworkParser.Format(pieces), "at least 2 (one piece is a plain Dense layer)", "3");
                var weightInit = NetworkParser.ReadEnum(arguments.NamedInt("Init", 0), InitKind.Default, $"Layer {NetworkParser.Format(position)} ({label}) Init", "Init", location, diagnostics);
                var biasInit = NetworkParser.ReadEnum(arguments.NamedInt("BiasInit", 0), InitKind.Default, $"Layer {NetworkParser.Format(position)} ({label}) BiasInit", "Init", location, diagnostics);
                return new LayerSpec(LayerKind.Maxout, units, ActivationKind.Linear, 0f, weightInit, biasInit, Pieces: Math.Max(pieces, 0));
            }
            case AttributeNames.Dropout:
            {
                float rate = arguments.Float(0, 0f);
                // !(x >= 0 && x < 1) also catches NaN.
                if (!(rate >= 0 && rate < 1))
                    NetworkParser.Report(diagnostics, Diagnostics.InvalidHyperparameter, location, $"Layer {NetworkParser.Format(position)} (Dropout)", "rate",
                        NetworkParser.Format(rate), "in [0, 1)", "0.2f");
                return new LayerSpec(LayerKind.Dropout, 0, ActivationKind.Linear, 0f, InitKind.Default, InitKind.Default, Rate: rate);
            }
            case AttributeNames.BatchNorm:
            {
                float momentum = arguments.NamedFloat("Momentum", 0.1f);
                float epsilon = arguments.NamedFloat("Epsilon", 1e-5f);
                string owner = $"Layer {NetworkParser.Format(position)} (BatchNorm)";
                if (!(momentum > 0 && momentum <= 1))
                    NetworkParser.Report(diagnostics, Diagnostics.InvalidHyperparameter, location, owner, "Momentum", NetworkParser.Format(momentum), "in (0, 1]", "0.1f");
                CheckEpsilon(owner, epsilon, location, diagnostics);
                return new LayerSpec(LayerKind.BatchNorm, 0, ActivationKind.Linear, 0f, InitKind.Default, InitKind.Default, Momentum: momentum, Epsilon: epsilon);
            }
            case AttributeNames.LayerNorm:
            {
                float epsilon = arguments.NamedFloat("Epsilon", 1e-5f);
                CheckEpsilon($"Layer {NetworkParser.Format(position)} (LayerNorm)", epsilon, location, diagnostics);
                return new LayerSpec(LayerKind.LayerNorm, 0, ActivationKind.Linear, 0f, InitKind.Default, InitKind.Default, Epsilon: epsilon);
            }
            case AttributeNames.ActivationLayer:
            {
                int activationValue = arguments.Int(0, 0);
                string owner = $"Layer {NetworkParser.Format(position)} (Activation)";
                var activation = NetworkParser.ReadEnum(activationValue, ActivationKind.Linear, owner, "Activation", location, diagnostics);
                float alpha = DefaultAlpha(activation);
                if (arguments.IsSet("Alpha"))
                {
                    float declared = arguments.NamedFloat("Alpha", float.NaN);
                    if (!(declared >= 0) || float.IsInfinity(declared))
                        NetworkParser.Report(diagnostics, Diagnostics.InvalidHyperparameter, location, owner, "Alpha",
                            NetworkParser.Format(declared), "a finite number >= 0", activation == ActivationKind.ELU ? "1f" : "0.01f");
                    else alpha = declared;
                }
                return new LayerSpec(LayerKind.Activation, 0, activation, alpha, InitKind.Default, InitKind.Default);
            }
            default:
                return null;
        }
    }

    private static void CheckEpsilon(string owner, float epsilon, LocationInfo? location, List<DiagnosticInfo> diagnostics)
    {
        if (!(epsilon > 0) || float.IsInfinity(epsilon))
            NetworkParser.Report(diagnostics, Diagnostics.InvalidHyperparameter, location, owner, "Epsilon", NetworkParser.Format(epsilon), "a finite number > 0", "1e-5f");
    }

    /// <summary>The layer as messages name it, for example <c>Dense 10</c>.</summary>
    public static string Label(LayerSpec layer) => Label(layer.Kind, layer.Units);

    private static string Label(LayerKind kind, int units) => kind switch
    {
        LayerKind.Dense => "Dense " + NetworkParser.Format(units),
        LayerKind.Maxout => "Maxout " + NetworkParser.Format(units),
        _ => kind.ToString(),
    };

    /// <summary>Width of the layer's output given the width of its input (never negative).</summary>
    public static long OutputWidth(LayerSpec layer, long inputWidth) => layer.Kind switch
    {
        LayerKind.Dense or LayerKind.Maxout => Math.Max(layer.Units, 0),
        _ => inputWidth,
    };

    /// <summary>Trainable values of the layer given the width of its input; at most about 2^62, so sums of a few never overflow.</summary>
    public static long ParameterCount(LayerSpec layer, long inputWidth) => layer.Kind switch
    {
        LayerKind.Dense => inputWidth * Math.Max(layer.Units, 0) + Math.Max(layer.Units, 0),
        LayerKind.Maxout => (inputWidth + 1) * Math.Max(layer.Units, 0) * Math.Max(layer.Pieces, 0),
        LayerKind.BatchNorm or LayerKind.LayerNorm => 2 * inputWidth,
        _ => 0,
    };

    /// <summary>Whether the layer's activation is the one applied to the network's output (the one the loss sees).</summary>
    public static bool HasActivation(LayerSpec layer) => layer.Kind is LayerKind.Dense or LayerKind.Activation;

    internal static float DefaultAlpha(ActivationKind activation) => activation switch
    {
        ActivationKind.LeakyReLU => 0.01f,
        ActivationKind.ELU => 1f,
        _ => 0f,
    };
}
