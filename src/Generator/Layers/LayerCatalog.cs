using System.Collections.Generic;

namespace CompiledNets.Generator.Layers;

/// <summary>
/// Every layer kind the generator knows, by the attribute that declares it: the one place that names them all. A new
/// kind is a class of its own in this folder and a line here.
/// </summary>
internal static class LayerCatalog
{
    /// <summary>The kinds, in the order their attributes were added to the library.</summary>
    public static readonly IReadOnlyList<LayerKind> Kinds = new LayerKind[]
    {
        DenseLayer.Instance,
        DropoutLayer.Instance,
        BatchNormLayer.Instance,
        LayerNormLayer.Instance,
        ActivationLayer.Instance,
        MaxoutLayer.Instance,
        Conv2DLayer.Instance,
        MaxPool2DLayer.Instance,
        AvgPool2DLayer.Instance,
        GlobalAvgPool2DLayer.Instance,
        FlattenLayer.Instance,
        AddLayer.Instance,
        ConcatLayer.Instance,
        MultiplyLayer.Instance,
        AverageLayer.Instance,
    };

    private static readonly Dictionary<string, LayerKind> ByAttributeName = Index();

    private static Dictionary<string, LayerKind> Index()
    {
        var index = new Dictionary<string, LayerKind>(System.StringComparer.Ordinal);
        foreach (var kind in Kinds) index.Add(kind.AttributeName, kind);
        return index;
    }

    /// <summary>The kind declared by the attribute class <paramref name="attributeName"/> (in the CompiledNets namespace), or null.</summary>
    public static LayerKind? ForAttribute(string attributeName) => ByAttributeName.TryGetValue(attributeName, out var kind) ? kind : null;
}
