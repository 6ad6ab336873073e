using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using CompiledNets.Generator.Model;
using Microsoft.CodeAnalysis;

namespace CompiledNets.Generator.Parsing;

/// <summary>
/// Decides whether a [Network] class with CN errors gets a public shell (<see cref="ShellSpec"/>): without one, every use
/// of the class adds a C# error (<c>CS1739 ... no parameter named 'seed'</c>, <c>CS1929 ... requires a receiver of type
/// INetwork</c>) to the one that matters. Classes that cannot be completed get none.
/// </summary>
internal static class ShellReader
{
    /// <summary>Errors after which no shell can be declared without a C# error of its own.</summary>
    private static readonly HashSet<string> Blocking = new(StringComparer.Ordinal)
    {
        Diagnostics.NotPartial.Id,               // another declaration of a non-partial class is CS0260
        Diagnostics.InvalidTypeKind.Id,          // static, abstract, generic, record, file-local, nested in a generic type or an interface
        Diagnostics.MemberCollision.Id,          // the user's member would clash with the shell's
        Diagnostics.ContainingTypeNotPartial.Id, // the shell could not be nested in it
        Diagnostics.PrimaryConstructor.Id,       // the shell's constructors would have to call it
        Diagnostics.ClassNameCollision.Id,       // a member named like its class
        Diagnostics.InternalError.Id,            // nothing is known about the class
    };

    /// <summary><paramref name="result"/> with a shell when it has CN errors, no spec, and the class can be completed.</summary>
    public static ParseResult WithShell(ParseResult result, GeneratorAttributeSyntaxContext context)
    {
        if (result.Spec is not null || result.Diagnostics.Count == 0) return result;
        if (context.TargetSymbol is not INamedTypeSymbol { TypeKind: TypeKind.Class, IsStatic: false, IsAbstract: false, IsRecord: false, IsFileLocal: false } type
            || type.TypeParameters.Length > 0)
            return result;
        if (result.Diagnostics.Any(d => Blocking.Contains(d.Id))) return result;

        var ids = result.Diagnostics.Select(d => d.Id).ToArray();
        var first = result.Diagnostics.FirstOrDefault(d => Diagnostics.ById(d.Id).DefaultSeverity == Microsoft.CodeAnalysis.DiagnosticSeverity.Error) ?? result.Diagnostics[0];
        string message = string.Format(CultureInfo.InvariantCulture,
            Diagnostics.ById(first.Id).MessageFormat.ToString(CultureInfo.InvariantCulture), first.Arguments.ToObjectArray());
        string others = ids.Length switch { 1 => "", 2 => " (and 1 more error)", _ => $" (and {ids.Length - 1} more errors)" };
        string error = $"The network class '{type.Name}' was not generated: its declaration has the error {first.Id}: {message}{others}. Fix the declaration and rebuild.";
        var shell = new ShellSpec(
            type.ContainingNamespace.IsGlobalNamespace ? null : type.ContainingNamespace.ToDisplayString(),
            new EquatableArray<ContainingTypeSpec>(NetworkParser.ContainingTypes(type)),
            type.Name,
            type.ToDisplayString(),
            new EquatableArray<string>(ids),
            error);
        return result with { Shell = shell };
    }
}
