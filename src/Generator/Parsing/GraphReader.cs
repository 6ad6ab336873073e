using System.Collections.Generic;
using System.Linq;
using CompiledNets.Generator.Model;
using Microsoft.CodeAnalysis.CSharp;

namespace CompiledNets.Generator.Parsing;

/// <summary>What one layer attribute says about the graph: its <c>Name</c>, its <c>From</c>, a merge's inputs.</summary>
internal sealed record LayerWiring(string? Name, string? From, IReadOnlyList<string>? Merged, int Position, string Label, LocationInfo? Location)
{
    /// <summary>How messages name the layer: <c>Layer 2 (Dense 10)</c>.</summary>
    public string Owner => $"Layer {NetworkParser.Format(Position)} ({Label})";
}

/// <summary>One <c>[Input(name, shape)]</c> as declared.</summary>
internal sealed record DeclaredInput(string Name, Shape Shape, LocationInfo? Location);

/// <summary>
/// Resolves the names of a network's layers and inputs into the values each layer reads, reporting names that are
/// unknown, declared later, duplicated or malformed, and merges of fewer than two values. Only earlier names resolve,
/// so a cycle cannot be written.
/// </summary>
internal static class GraphReader
{
    /// <summary>A declaration is in graph form when it uses any of the graph's attributes or properties.</summary>
    public static bool IsGraphForm(int declaredInputs, IReadOnlyList<LayerWiring> wirings) =>
        declaredInputs > 0 || wirings.Any(w => w.Name is not null || w.From is not null || w.Merged is not null);

    /// <summary>
    /// The names of every layer (declared, or the kind's prefix and its ordinal among that kind) and the values each
    /// reads (null where a name did not resolve, reported).
    /// </summary>
    public static (List<string> Names, List<int[]?> Sources) Resolve(IReadOnlyList<DeclaredInput> inputs, IReadOnlyList<LayerSpec> layers,
        IReadOnlyList<LayerWiring> wirings, List<DiagnosticInfo> diagnostics)
    {
        var names = new List<string>();
        var counters = new Dictionary<Layers.LayerKind, int>();
        var declared = new Dictionary<string, string>(System.StringComparer.Ordinal);
        foreach (var input in inputs)
        {
            string owner = $"[Input(\"{input.Name}\")]";
            if (!SyntaxFacts.IsValidIdentifier(input.Name))
                NetworkParser.Report(diagnostics, Diagnostics.InvalidName, input.Location, owner, input.Name);
            else if (declared.TryGetValue(input.Name, out var earlier))
                NetworkParser.Report(diagnostics, Diagnostics.DuplicateName, input.Location, owner, input.Name, earlier);
            else declared[input.Name] = owner;
        }
        for (int i = 0; i < layers.Count; i++)
        {
            var kind = layers[i].Kind;
            counters.TryGetValue(kind, out int count);
            counters[kind] = ++count;
            var wiring = wirings[i];
            string name = wiring.Name ?? kind.TensorPrefix + NetworkParser.Format(count);
            names.Add(name);
            if (wiring.Name is not null && !SyntaxFacts.IsValidIdentifier(name))
                NetworkParser.Report(diagnostics, Diagnostics.InvalidName, wiring.Location, wiring.Owner, name);
            else if (declared.TryGetValue(name, out var earlier))
                NetworkParser.Report(diagnostics, Diagnostics.DuplicateName, wiring.Location, wiring.Owner, name, earlier);
            else declared[name] = wiring.Owner;
        }

        var sources = new List<int[]?>();
        for (int i = 0; i < layers.Count; i++)
        {
            var wiring = wirings[i];
            if (layers[i].Kind.IsMerge)
            {
                var merged = wiring.Merged ?? System.Array.Empty<string>();
                if (merged.Count < 2)
                {
                    string what = merged.Count == 0 ? "nothing" : $"only '{merged[0]}'";
                    NetworkParser.Report(diagnostics, Diagnostics.MergeTooFewInputs, wiring.Location, NetworkParser.Format(i + 1), layers[i].Kind.Identifier, what);
                    sources.Add(null);
                    continue;
                }
                var resolved = merged.Select(n => Find(n, i, inputs, names, wiring, diagnostics)).ToArray();
                sources.Add(resolved.All(r => r is not null) ? resolved.Select(r => r!.Value).ToArray() : null);
            }
            else if (wiring.From is { } from)
            {
                var resolved = Find(from, i, inputs, names, wiring, diagnostics);
                sources.Add(resolved is { } value ? new[] { value } : null);
            }
            else sources.Add(new[] { i == 0 ? ValueRef.Input(0) : i - 1 });
        }
        return (names, sources);
    }

    private static int? Find(string name, int reader, IReadOnlyList<DeclaredInput> inputs, List<string> names, LayerWiring wiring, List<DiagnosticInfo> diagnostics)
    {
        for (int k = 0; k < inputs.Count; k++)
            if (inputs[k].Name == name) return ValueRef.Input(k);
        int index = names.IndexOf(name);
        if (index >= 0 && index < reader) return index;
        string problem = index == reader ? "the layer itself" : index > reader ? $"declared after it (layer {NetworkParser.Format(index + 1)})" : "not declared";
        var known = inputs.Select(i => i.Name).Concat(names.Take(reader)).Select(n => "'" + n + "'").ToList();
        string choices = known.Count == 0 ? "there is none yet" : known.Count <= 8 ? string.Join(", ", known) : string.Join(", ", known.Take(8)) + ", ...";
        NetworkParser.Report(diagnostics, Diagnostics.UnknownSource, wiring.Location, NetworkParser.Format(reader + 1), wiring.Label, name, problem, choices);
        return null;
    }

    /// <summary>Warns about inputs and layers (but the last) that no layer reads.</summary>
    public static void WarnUnread(IReadOnlyList<DeclaredInput> inputs, IReadOnlyList<LayerWiring> wirings, IReadOnlyList<int[]?> sources, List<DiagnosticInfo> diagnostics)
    {
        var read = new HashSet<int>(sources.Where(s => s is not null).SelectMany(s => s!));
        for (int k = 0; k < inputs.Count; k++)
            if (!read.Contains(ValueRef.Input(k)))
                NetworkParser.Report(diagnostics, Diagnostics.UnreadValue, inputs[k].Location, $"Input '{inputs[k].Name}'");
        for (int i = 0; i < wirings.Count - 1; i++)
            if (!read.Contains(i))
                NetworkParser.Report(diagnostics, Diagnostics.UnreadValue, wirings[i].Location, wirings[i].Owner);
    }
}
