namespace CompiledNets.Generator.Parsing;

/// <summary>Fully qualified metadata names of the attributes the parser reads.</summary>
internal static class AttributeNames
{
    public const string Namespace = "CompiledNets";
    public const string Network = "CompiledNets.NetworkAttribute";
    public const string Dense = "DenseAttribute";
    public const string Loss = "LossAttribute";
    public const string Sgd = "SgdAttribute";
    public const string Adam = "AdamAttribute";
}
