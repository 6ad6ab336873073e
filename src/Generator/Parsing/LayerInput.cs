using System.Collections.Generic;
using CompiledNets.Generator.Model;

namespace CompiledNets.Generator.Parsing;

/// <summary>One declared layer while the parser walks the shapes from the input: where to report a problem with its input, and how messages name it.</summary>
internal sealed class LayerInput
{
    public LayerInput(int position, string label, LocationInfo? location, List<DiagnosticInfo> diagnostics)
    {
        Position = position;
        Label = label;
        Location = location;
        Diagnostics = diagnostics;
    }

    /// <summary>1-based position among the network's layers.</summary>
    public int Position { get; }

    /// <summary>How messages name the layer: <c>Conv2D 32</c>.</summary>
    public string Label { get; }

    public LocationInfo? Location { get; }

    public List<DiagnosticInfo> Diagnostics { get; }

    /// <summary>True once a problem was reported: the walk stops at this layer.</summary>
    public bool Failed { get; private set; }

    public void Report(Microsoft.CodeAnalysis.DiagnosticDescriptor descriptor, params string[] arguments)
    {
        Failed = true;
        NetworkParser.Report(Diagnostics, descriptor, Location, arguments);
    }
}
