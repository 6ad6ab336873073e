using System.Collections.Generic;
using CompiledNets.Generator.Model;

namespace CompiledNets.Generator.Parsing;

/// <summary>
/// One layer attribute as a kind reads it: its arguments, its 1-based position among the layers, where to report, and
/// the checks every kind shares (enums, alphas, L2 coefficients, epsilons).
/// </summary>
internal sealed class LayerAttribute
{
    public LayerAttribute(AttributeArguments arguments, int position, LocationInfo? location, List<DiagnosticInfo> diagnostics)
    {
        Arguments = arguments;
        Position = position;
        Location = location;
        Diagnostics = diagnostics;
    }

    public AttributeArguments Arguments { get; }

    /// <summary>1-based position among the network's layers.</summary>
    public int Position { get; }

    public LocationInfo? Location { get; }

    public List<DiagnosticInfo> Diagnostics { get; }

    /// <summary>How messages name the layer: <c>Layer 2 (Dense 10)</c>.</summary>
    public string Owner(string label) => $"Layer {NetworkParser.Format(Position)} ({label})";

    public void Report(Microsoft.CodeAnalysis.DiagnosticDescriptor descriptor, params string[] arguments) =>
        NetworkParser.Report(Diagnostics, descriptor, Location, arguments);

    /// <summary>An enum argument; an undefined value is reported and gives <paramref name="fallback"/>.</summary>
    public T Enum<T>(int value, T fallback, string owner, string enumName) =>
        NetworkParser.ReadEnum(value, fallback, owner, enumName, Location, Diagnostics);

    /// <summary>A hyper-parameter that must be a finite number &gt;= 0 (reported otherwise).</summary>
    public void CheckNonNegative(string owner, string property, float value, string example)
    {
        // !(x >= 0) also catches NaN.
        if (!(value >= 0) || float.IsInfinity(value))
            Report(CompiledNets.Generator.Diagnostics.InvalidHyperparameter, owner, property, NetworkParser.Format(value), "a finite number >= 0", example);
    }

    /// <summary>The activation's alpha: the declared <c>Alpha</c> when valid, else the activation's default.</summary>
    public float Alpha(ActivationKind activation, string owner)
    {
        float alpha = DefaultAlpha(activation);
        if (!Arguments.IsSet("Alpha")) return alpha;
        float declared = Arguments.NamedFloat("Alpha", float.NaN);
        if (!(declared >= 0) || float.IsInfinity(declared))
        {
            Report(CompiledNets.Generator.Diagnostics.InvalidHyperparameter, owner, "Alpha", NetworkParser.Format(declared), "a finite number >= 0",
                activation == ActivationKind.ELU ? "1f" : "0.01f");
            return alpha;
        }
        return declared;
    }

    /// <summary>A layer's own <c>L2</c>: NaN (the network's weight decay) unless declared; a bad value is reported.</summary>
    public float L2(string owner)
    {
        if (!Arguments.IsSet("L2")) return float.NaN;
        float l2 = Arguments.NamedFloat("L2", float.NaN);
        CheckNonNegative(owner, "L2", l2, "1e-4f");
        return l2;
    }

    /// <summary>A normalisation's epsilon, which must be a finite number &gt; 0.</summary>
    public void CheckEpsilon(string owner, float epsilon)
    {
        if (!(epsilon > 0) || float.IsInfinity(epsilon))
            Report(CompiledNets.Generator.Diagnostics.InvalidHyperparameter, owner, "Epsilon", NetworkParser.Format(epsilon), "a finite number > 0", "1e-5f");
    }

    /// <summary>The default alpha of LeakyReLU (0.01) and ELU (1); 0 for the others.</summary>
    public static float DefaultAlpha(ActivationKind activation) => activation switch
    {
        ActivationKind.LeakyReLU => 0.01f,
        ActivationKind.ELU => 1f,
        _ => 0f,
    };
}
