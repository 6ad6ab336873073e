using System.Collections.Generic;
using System.Linq;
using CompiledNets.Generator.Model;
using CompiledNets.Generator.Names;

namespace CompiledNets.Generator.Emit;

/// <summary>
/// Writes the generated half of a network class: constants, buffers, constructors and the
/// <c>CompiledNets.INetwork</c> members, plus a file-local class holding its kernels.
/// </summary>
internal static partial class NetworkEmitter
{
    private const string Runtime = RuntimeNames.Runtime;
    private const string AlignedFloats = RuntimeNames.AlignedFloats;

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
        KernelClassEmitter.Emit(w, plan);
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
}
