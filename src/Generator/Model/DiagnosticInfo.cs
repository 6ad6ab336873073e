using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Text;

namespace CompiledNets.Generator.Model;

/// <summary>A source location kept as plain data (a <see cref="Location"/> would pin the compilation in the pipeline's cache).</summary>
internal sealed record LocationInfo(string FilePath, TextSpan Span, LinePositionSpan LineSpan)
{
    /// <summary>A source location in <paramref name="compilation"/>'s tree for the file, else a file location.</summary>
    public Location ToLocation(Compilation? compilation)
    {
        if (compilation is not null)
            foreach (var tree in compilation.SyntaxTrees)
                if (tree.FilePath == FilePath && Span.End <= tree.Length) return Location.Create(tree, Span);
        return Location.Create(FilePath, Span, LineSpan);
    }

    public static LocationInfo? From(SyntaxNode? node) => From(node?.GetLocation());

    public static LocationInfo? From(Location? location) =>
        location?.SourceTree is null ? null : new LocationInfo(location.SourceTree.FilePath, location.SourceSpan, location.GetLineSpan().Span);
}

/// <summary>A diagnostic to report, as plain data: the descriptor's id, where, and the message arguments.</summary>
internal sealed record DiagnosticInfo(string Id, LocationInfo? Location, EquatableArray<string> Arguments)
{
    public Diagnostic ToDiagnostic(Compilation? compilation) =>
        Diagnostic.Create(Diagnostics.ById(Id), Location?.ToLocation(compilation), Arguments.ToObjectArray());
}

internal static class EquatableArrayExtensions
{
    public static object[] ToObjectArray(this EquatableArray<string> items)
    {
        var result = new object[items.Count];
        for (int i = 0; i < result.Length; i++) result[i] = items[i];
        return result;
    }
}
