using System.Linq;

namespace CompiledNets.Generator.Names;

/// <summary>What an attribute of the <c>CompiledNets</c> namespace contributes to a network.</summary>
internal enum AttributeRole { None, Network, Input, Layer, Loss, Optimizer, Regularizer }

/// <summary>
/// The attributes the parser reads. A layer attribute belongs to its kind (<see cref="Layers.LayerCatalog"/>); a loss,
/// optimizer or regulariser attribute is named here and in <see cref="Known"/> (the orphan-attribute pipeline and the
/// split-declaration check pick it up from there) and read in <see cref="Parsing.NetworkParser"/>.
/// </summary>
internal static class AttributeNames
{
    public const string Namespace = "CompiledNets";
    public const string Network = "CompiledNets.NetworkAttribute";
    public const string NetworkName = "NetworkAttribute";
    public const string Loss = "LossAttribute";
    public const string Sgd = "SgdAttribute";
    public const string Adam = "AdamAttribute";
    public const string AdaGrad = "AdaGradAttribute";
    public const string RmsProp = "RmsPropAttribute";
    public const string AdamW = "AdamWAttribute";
    public const string WeightDecay = "WeightDecayAttribute";
    public const string Input = "InputAttribute";

    /// <summary>Every attribute class name (in <see cref="Namespace"/>) and its role; the layers' come from the layer catalog.</summary>
    public static readonly (string Name, AttributeRole Role)[] Known = new[]
    {
        (NetworkName, AttributeRole.Network),
        (Input, AttributeRole.Input),
        (Loss, AttributeRole.Loss),
        (Sgd, AttributeRole.Optimizer),
        (Adam, AttributeRole.Optimizer),
        (AdaGrad, AttributeRole.Optimizer),
        (RmsProp, AttributeRole.Optimizer),
        (AdamW, AttributeRole.Optimizer),
        (WeightDecay, AttributeRole.Regularizer),
    }.Concat(Layers.LayerCatalog.Kinds.Select(kind => (kind.AttributeName, AttributeRole.Layer))).ToArray();

    /// <summary>The role of an attribute class of the <c>CompiledNets</c> namespace, or <see cref="AttributeRole.None"/>.</summary>
    public static AttributeRole RoleOf(Microsoft.CodeAnalysis.INamedTypeSymbol? attributeClass)
    {
        if (attributeClass is null || attributeClass.TypeKind == Microsoft.CodeAnalysis.TypeKind.Error) return AttributeRole.None;
        var ns = attributeClass.ContainingNamespace;
        if (ns is null || ns.Name != Namespace || ns.ContainingNamespace is not { IsGlobalNamespace: true }) return AttributeRole.None;
        foreach (var (name, role) in Known)
            if (attributeClass.Name == name) return role;
        return AttributeRole.None;
    }

    /// <summary><c>DenseAttribute</c> -> <c>Dense</c>, as the user writes it.</summary>
    public static string ShortName(string attributeClassName) =>
        attributeClassName.EndsWith("Attribute", System.StringComparison.Ordinal)
            ? attributeClassName.Substring(0, attributeClassName.Length - "Attribute".Length)
            : attributeClassName;
}
