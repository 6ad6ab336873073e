using CompiledNets.Generator.Model;

namespace CompiledNets.Generator.Parsing;

/// <summary>The outcome of parsing one [Network] class: a spec to emit (null when there are errors) and diagnostics.</summary>
internal sealed record ParseResult(NetworkSpec? Spec, EquatableArray<DiagnosticInfo> Diagnostics);
