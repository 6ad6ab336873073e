using CompiledNets.Generator.Model;

namespace CompiledNets.Generator.Parsing;

/// <summary>
/// The outcome of parsing one [Network] class: a spec to emit (null when there are errors), diagnostics, and for a class
/// with errors that can still be completed, the public shell to emit instead.
/// </summary>
internal sealed record ParseResult(NetworkSpec? Spec, EquatableArray<DiagnosticInfo> Diagnostics, ShellSpec? Shell = null);
