using System.Threading;
using CompiledNets.Generator.Model;
using CompiledNets.Generator.Names;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace CompiledNets.Generator.Parsing;

/// <summary>
/// CN0019: a layer, loss or optimizer attribute on a class that is not marked [Network] would silently do nothing.
/// Runs once per (attribute class, declaration) from its own <c>ForAttributeWithMetadataName</c> pipeline and
/// reports once per class: only the pipeline of the class's first CompiledNets attribute reports, at that attribute.
/// </summary>
internal static class OrphanAttributeParser
{
    public static EquatableArray<DiagnosticInfo> Parse(GeneratorAttributeSyntaxContext context, CancellationToken cancellationToken)
    {
        // On a struct or interface the compiler reports CS0592 itself.
        if (context.TargetSymbol is not INamedTypeSymbol { TypeKind: TypeKind.Class } type) return default;

        AttributeData? first = null;
        foreach (var attribute in type.GetAttributes())
        {
            cancellationToken.ThrowIfCancellationRequested();
            var role = AttributeNames.RoleOf(attribute.AttributeClass);
            if (role == AttributeRole.Network) return default;
            if (role != AttributeRole.None && first is null) first = attribute;
        }
        if (first?.ApplicationSyntaxReference is not { } reference) return default;

        // Report from the pipeline (and declaration) that holds the first attribute, so the class gets one diagnostic.
        var syntax = reference.GetSyntax(cancellationToken) as AttributeSyntax;
        if (syntax is null || !context.TargetNode.Span.Contains(syntax.Span) || reference.SyntaxTree != context.TargetNode.SyntaxTree) return default;
        bool ours = false;
        foreach (var attribute in context.Attributes)
            if (attribute.ApplicationSyntaxReference?.Span == reference.Span && attribute.ApplicationSyntaxReference.SyntaxTree == reference.SyntaxTree) ours = true;
        if (!ours) return default;

        var info = new DiagnosticInfo(Diagnostics.AttributeWithoutNetwork.Id, LocationInfo.From(syntax),
            new EquatableArray<string>(new[] { AttributeNames.ShortName(first.AttributeClass!.Name), type.Name }));
        return new EquatableArray<DiagnosticInfo>(new[] { info });
    }
}
