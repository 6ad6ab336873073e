using System.Collections.Generic;
using System.Linq;
using CompiledNets.Generator.Model;

namespace CompiledNets.Generator.Emit;

/// <summary>
/// Writes the generated half of a network class: constants, buffers, constructors and the
/// <c>CompiledNets.INetwork</c> members, plus a file-local class holding its kernels.
/// </summary>
internal static partial class NetworkEmitter
{
    private const string Runtime = "global::CompiledNets";
    private const string KernelsRuntime = "global::CompiledNets.Kernels";

    /// <summary>The type of every float buffer a network holds: 64-byte aligned, so the kernels' 512-bit loads never split a cache line.</summary>
    private const string AlignedFloats = KernelsRuntime + ".AlignedFloats";

    /// <summary>Name of the file-local class that holds a network's kernels.</summary>
    internal const string KernelClass = "global::CompiledNets.Generated.Kernels";

    public static string Emit(NetworkSpec spec)
    {
        var plan = new NetworkPlan(spec);
        var w = new SourceWriter();
        HeaderEmitter.Emit(w, plan);
        w.Line("#nullable enable");
        w.Line();
        if (spec.Namespace is not null)
        {
            w.Line($"namespace {spec.Namespace}");
            w.Line("{");
            w.Indent();
        }
        foreach (var outer in spec.ContainingTypes)
        {
            w.Line($"partial {outer.Keyword} {outer.Name}");
            w.Line("{");
            w.Indent();
        }

        EmitClass(w, plan);

        foreach (var _ in spec.ContainingTypes)
        {
            w.Outdent();
            w.Line("}");
        }
        if (spec.Namespace is not null)
        {
            w.Outdent();
            w.Line("}");
        }
        w.Line();
        EmitKernelClass(w, plan);
        return w.ToString();
    }

    private static void EmitClass(SourceWriter w, NetworkPlan plan)
    {
        w.Line($"/// <summary>Generated implementation of <see cref=\"{Runtime}.INetwork\"/>: {Xml(plan.Architecture)}.</summary>");
        w.Line($"[global::System.CodeDom.Compiler.GeneratedCode(\"CompiledNets.Generator\", \"{NetworkGenerator.Version}\")]");
        using (w.Block($"partial class {plan.Spec.ClassName} : {Runtime}.INetwork"))
        {
            EmitConstants(w, plan);
            EmitTables(w, plan);
            EmitFields(w, plan);
            EmitConstructors(w, plan);
            EmitProperties(w, plan);
            EmitPredict(w, plan);
            EmitPredictBatch(w, plan);
            EmitComputeGradients(w, plan);
            EmitJobs(w, plan);
            EmitTrainingApi(w, plan);
            EmitInitialization(w, plan);
            EmitValidation(w);
        }
    }

    private static string Xml(string text) => text.Replace("&", "&amp;").Replace("<", "&lt;").Replace(">", "&gt;");

    private static void EmitKernelClass(SourceWriter w, NetworkPlan plan)
    {
        w.Line("namespace CompiledNets.Generated");
        w.Line("{");
        w.Indent();
        w.Line("using System;");
        w.Line("using System.Runtime.CompilerServices;");
        w.Line("using System.Runtime.InteropServices;");
        w.Line("using System.Runtime.Intrinsics;");
        w.Line($"using {SampleLaneEmitter.Sse3} = System.Runtime.Intrinsics.X86.Sse3;");
        w.Line();
        w.Line($"/// <summary>Kernels of {plan.Spec.FullyQualifiedName}, specialised to its layer sizes. Callers check every span length.</summary>");
        w.Line($"[global::System.CodeDom.Compiler.GeneratedCode(\"CompiledNets.Generator\", \"{NetworkGenerator.Version}\")]");
        using (w.Block("file static class Kernels"))
            DenseKernelEmitter.EmitAll(w, plan);
        w.Outdent();
        w.Line("}");
    }
}
