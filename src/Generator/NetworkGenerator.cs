using System;
using CompiledNets.Generator.Emit;
using CompiledNets.Generator.Model;
using CompiledNets.Generator.Names;
using CompiledNets.Generator.Parsing;
using Microsoft.CodeAnalysis;

namespace CompiledNets.Generator;

/// <summary>
/// The pipeline only: classes marked [Network] are parsed into equatable specs (with diagnostics) and each
/// valid spec is emitted as <c>Namespace.ClassName.g.cs</c> (a class with errors that can be completed gets its public
/// shell there instead).
/// </summary>
[Generator(LanguageNames.CSharp)]
public sealed class NetworkGenerator : IIncrementalGenerator
{
    /// <summary>Written into <c>[GeneratedCode]</c> and the file header.</summary>
    public const string Version = "0.1.0";

    /// <summary>Tracking names of the pipeline steps, for incremental-caching tests.</summary>
    public static class TrackingNames
    {
        /// <summary>Attribute lookup and parsing into a <see cref="ParseResult"/>.</summary>
        public const string Parse = "Parse";
        /// <summary>The valid specs.</summary>
        public const string Specs = "Specs";
        /// <summary>The diagnostics.</summary>
        public const string Diagnostics = "Diagnostics";
        /// <summary>Layer, loss and optimizer attributes on classes without [Network] (one step per attribute class).</summary>
        public const string OrphanAttributes = "OrphanAttributes";
        /// <summary>The public shells of classes with CN errors.</summary>
        public const string Shells = "Shells";
    }

    /// <inheritdoc/>
    public void Initialize(IncrementalGeneratorInitializationContext context)
    {
        var results = context.SyntaxProvider
            .ForAttributeWithMetadataName(
                AttributeNames.Network,
                predicate: static (node, _) => node is Microsoft.CodeAnalysis.CSharp.Syntax.TypeDeclarationSyntax,
                transform: static (ctx, ct) => SafeParse(ctx, ct))
            .WithTrackingName(TrackingNames.Parse);

        var diagnostics = results
            .Select(static (result, _) => result.Diagnostics)
            .WithTrackingName(TrackingNames.Diagnostics);
        ReportDiagnostics(context, diagnostics);

        // A layer, loss or optimizer attribute without [Network] would do nothing: one cheap pipeline per
        // attribute class, each only looking at the attribute list of classes that carry that attribute.
        foreach (var (name, role) in AttributeNames.Known)
        {
            if (role == AttributeRole.Network) continue;
            var orphans = context.SyntaxProvider
                .ForAttributeWithMetadataName(
                    AttributeNames.Namespace + "." + name,
                    predicate: static (node, _) => node is Microsoft.CodeAnalysis.CSharp.Syntax.ClassDeclarationSyntax or Microsoft.CodeAnalysis.CSharp.Syntax.RecordDeclarationSyntax,
                    transform: static (ctx, ct) => SafeParseOrphans(ctx, ct))
                .Where(static found => found.Count > 0)
                .WithTrackingName(TrackingNames.OrphanAttributes);
            ReportDiagnostics(context, orphans);
        }

        var specs = results
            .Where(static result => result.Spec is not null)
            .Select(static (result, _) => result.Spec!)
            .WithTrackingName(TrackingNames.Specs);
        context.RegisterSourceOutput(specs, static (spc, spec) => spc.AddSource(HintName(spec), NetworkEmitter.Emit(spec)));

        // A class with CN errors gets its public shell, so its uses compile and the CN errors are all the build shows.
        var shells = results
            .Where(static result => result.Shell is not null)
            .Select(static (result, _) => result.Shell!)
            .WithTrackingName(TrackingNames.Shells);
        context.RegisterSourceOutput(shells, static (spc, shell) => spc.AddSource(HintName(shell.FullyQualifiedName), ShellEmitter.Emit(shell)));
    }

    private static void ReportDiagnostics(IncrementalGeneratorInitializationContext context, IncrementalValuesProvider<EquatableArray<DiagnosticInfo>> diagnostics)
    {
        // Diagnostics are mapped back to the compilation's syntax trees so they are source locations that
        // #pragma and .editorconfig can suppress; only this cheap reporting step sees every compilation.
        context.RegisterSourceOutput(diagnostics.Combine(context.CompilationProvider), static (spc, pair) =>
        {
            foreach (var item in pair.Left) spc.ReportDiagnostic(item.ToDiagnostic(pair.Right));
        });
    }

    private static EquatableArray<DiagnosticInfo> SafeParseOrphans(GeneratorAttributeSyntaxContext context, System.Threading.CancellationToken cancellationToken)
    {
        try
        {
            return OrphanAttributeParser.Parse(context, cancellationToken);
        }
        catch (OperationCanceledException)
        {
            throw;
        }
        catch (Exception exception)
        {
            return new EquatableArray<DiagnosticInfo>(new[] { InternalError(context, exception) });
        }
    }

    private static DiagnosticInfo InternalError(GeneratorAttributeSyntaxContext context, Exception exception) =>
        new(Diagnostics.InternalError.Id, LocationInfo.From(context.TargetNode is Microsoft.CodeAnalysis.CSharp.Syntax.TypeDeclarationSyntax t ? t.Identifier.GetLocation() : context.TargetNode.GetLocation()),
            new EquatableArray<string>(new[] { context.TargetSymbol.Name, exception.GetType().Name + ": " + exception.Message }));

    /// <summary><c>Namespace.Outer.ClassName.g.cs</c>, unique per type.</summary>
    internal static string HintName(NetworkSpec spec) => HintName(spec.FullyQualifiedName);

    private static string HintName(string fullyQualifiedName) => fullyQualifiedName.Replace('<', '_').Replace('>', '_') + ".g.cs";

    private static ParseResult SafeParse(GeneratorAttributeSyntaxContext context, System.Threading.CancellationToken cancellationToken)
    {
        try
        {
            return ShellReader.WithShell(NetworkParser.Parse(context, cancellationToken), context);
        }
        catch (OperationCanceledException)
        {
            throw;
        }
        catch (Exception exception)
        {
            // A generator that throws loses all its output behind warning CS8785; report instead and emit nothing.
            return new ParseResult(null, new EquatableArray<DiagnosticInfo>(new[] { InternalError(context, exception) }));
        }
    }
}
