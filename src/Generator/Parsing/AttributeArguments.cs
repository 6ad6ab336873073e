using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace CompiledNets.Generator.Parsing;

/// <summary>
/// Safe reads of one attribute's arguments. Never throws: a missing argument gives the fallback, and
/// <see cref="HasErrors"/> tells when the compiler could not bind the attribute (it reports that itself, so the
/// parser stays silent about it and emits nothing).
/// </summary>
internal readonly struct AttributeArguments
{
    private readonly AttributeData _data;

    public AttributeArguments(AttributeData data, AttributeSyntax? syntax)
    {
        _data = data;
        HasErrors = ComputeHasErrors(data, syntax);
    }

    /// <summary>The attribute did not bind (wrong argument types, unknown named argument, no matching constructor).</summary>
    public bool HasErrors { get; }

    /// <summary>Whether the user wrote the named argument <paramref name="name"/>.</summary>
    public bool IsSet(string name)
    {
        foreach (var pair in _data.NamedArguments)
            if (pair.Key == name) return true;
        return false;
    }

    public int Int(int index, int fallback) =>
        index < _data.ConstructorArguments.Length && _data.ConstructorArguments[index] is { Kind: not TypedConstantKind.Error and not TypedConstantKind.Array, Value: { } value }
            ? ToInt(value, fallback)
            : fallback;

    public float Float(int index, float fallback) =>
        index < _data.ConstructorArguments.Length && _data.ConstructorArguments[index] is { Kind: not TypedConstantKind.Error and not TypedConstantKind.Array, Value: { } value }
            ? ToFloat(value, fallback)
            : fallback;

    public int NamedInt(string name, int fallback)
    {
        foreach (var pair in _data.NamedArguments)
            if (pair.Key == name && pair.Value is { Kind: not TypedConstantKind.Error and not TypedConstantKind.Array, Value: { } value }) return ToInt(value, fallback);
        return fallback;
    }

    public float NamedFloat(string name, float fallback)
    {
        foreach (var pair in _data.NamedArguments)
            if (pair.Key == name && pair.Value is { Kind: not TypedConstantKind.Error and not TypedConstantKind.Array, Value: { } value }) return ToFloat(value, fallback);
        return fallback;
    }

    /// <summary>A named <c>int[]</c> argument, or null when it is not set (or set to null).</summary>
    public int[]? NamedIntArray(string name)
    {
        foreach (var pair in _data.NamedArguments)
        {
            if (pair.Key != name || pair.Value.Kind != TypedConstantKind.Array || pair.Value.IsNull) continue;
            var values = pair.Value.Values;
            var result = new int[values.Length];
            for (int i = 0; i < result.Length; i++) result[i] = values[i].Value is { } value ? ToInt(value, 0) : 0;
            return result;
        }
        return null;
    }

    /// <summary>A named <c>string</c> argument, or null when it is not set.</summary>
    public string? NamedString(string name)
    {
        foreach (var pair in _data.NamedArguments)
            if (pair.Key == name && pair.Value is { Kind: TypedConstantKind.Primitive, Value: string value }) return value;
        return null;
    }

    /// <summary>A constructor argument of type <c>string</c>, or null.</summary>
    public string? String(int index) =>
        index < _data.ConstructorArguments.Length && _data.ConstructorArguments[index] is { Kind: TypedConstantKind.Primitive, Value: string value } ? value : null;

    /// <summary>A constructor argument that is an array (<c>params</c>), its elements as the compiler bound them; empty when absent.</summary>
    public System.Collections.Generic.IReadOnlyList<TypedConstant> Array(int index) =>
        index < _data.ConstructorArguments.Length && _data.ConstructorArguments[index] is { Kind: TypedConstantKind.Array, IsNull: false } array
            ? array.Values
            : System.Array.Empty<TypedConstant>();

    public bool NamedBool(string name, bool fallback)
    {
        foreach (var pair in _data.NamedArguments)
            if (pair.Key == name && pair.Value is { Kind: TypedConstantKind.Primitive, Value: bool value }) return value;
        return fallback;
    }

    private static bool ComputeHasErrors(AttributeData data, AttributeSyntax? syntax)
    {
        if (data.AttributeClass is null || data.AttributeClass.TypeKind == TypeKind.Error || data.AttributeConstructor is null) return true;
        foreach (var argument in data.ConstructorArguments)
            if (argument.Kind == TypedConstantKind.Error) return true;
        foreach (var pair in data.NamedArguments)
            if (pair.Value.Kind == TypedConstantKind.Error) return true;
        // A named argument that did not bind (wrong type, unknown property) is dropped from NamedArguments.
        if (syntax?.ArgumentList is { } list)
        {
            int named = list.Arguments.Count(a => a.NameEquals is not null);
            if (named != data.NamedArguments.Length) return true;
        }
        return false;
    }

    private static int ToInt(object value, int fallback) => value switch
    {
        int i => i,
        short s => s,
        ushort s => s,
        byte b => b,
        sbyte b => b,
        char c => c,
        uint u => u > int.MaxValue ? int.MaxValue : (int)u,
        long l => l > int.MaxValue ? int.MaxValue : l < int.MinValue ? int.MinValue : (int)l,
        ulong l => l > int.MaxValue ? int.MaxValue : (int)l,
        _ => fallback,
    };

    private static float ToFloat(object value, float fallback) => value switch
    {
        float f => f,
        double d => (float)d,
        int i => i,
        long l => l,
        _ => fallback,
    };
}
