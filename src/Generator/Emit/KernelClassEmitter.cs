using System.Collections.Generic;
using System.Linq;
using CompiledNets.Generator.Names;

namespace CompiledNets.Generator.Emit;

/// <summary>
/// The one coordinator of a network's kernel class: every kernel its layers ask for (each distinct one once, in the
/// order they ask), then the kernels the plan decided on for the whole network (sample lanes, unrolled softmax), then
/// the helpers those share. The emitters it calls only write what they are given.
/// </summary>
internal static class KernelClassEmitter
{
    public static void Emit(SourceWriter w, NetworkPlan plan)
    {
        w.Line("namespace CompiledNets.Generated");
        w.Line("{");
        w.Indent();
        w.Line("using System;");
        w.Line("using System.Runtime.CompilerServices;");
        w.Line("using System.Runtime.InteropServices;");
        w.Line("using System.Runtime.Intrinsics;");
        w.Line($"using {RuntimeNames.Sse3} = System.Runtime.Intrinsics.X86.Sse3;");
        // The kernels that transpose in registers (TransposeEmitter) name Avx512F.
        if (plan.PredictsByWinograd || LaneBlockKernelEmitter.Applies(plan)) w.Line($"using {RuntimeNames.Avx512F} = System.Runtime.Intrinsics.X86.Avx512F;");
        if (plan.InfersInBFloat16) w.Line($"using {RuntimeNames.BFloat16Alias} = {RuntimeNames.BFloat16};");
        w.Line();
        w.Line($"/// <summary>Kernels of {plan.Spec.FullyQualifiedName}, specialised to its layer sizes. Callers check every span length.</summary>");
        w.Line($"[global::System.CodeDom.Compiler.GeneratedCode(\"CompiledNets.Generator\", \"{NetworkGenerator.Version}\")]");
        using (w.Block("file static class Kernels"))
            EmitKernels(w, plan);
        w.Outdent();
        w.Line("}");
    }

    private static void EmitKernels(SourceWriter w, NetworkPlan plan)
    {
        var emitted = new HashSet<KernelRequest>();
        foreach (var layer in plan.Layers)
            foreach (var request in layer.Kind.Kernels(plan, layer))
                if (emitted.Add(request)) request.Emit(w);
        if (emitted.Any(request => request.NeedsDotSums)) DotSumEmitter.EmitHelpers(w);
        if (plan.TrainsInSampleLanes) SampleLaneEmitter.EmitKernel(w, plan);
        else if (KernelPlan.PredictsInSampleLanes(plan)) SampleLaneEmitter.EmitPredictKernel(w, plan);
        foreach (int classes in plan.Layers.Where(KernelPlan.UsesUnrolledSoftmax).Select(l => l.Units).Distinct())
            SoftmaxEmitter.EmitSoftmax(w, classes);
        if (KernelPlan.FusesSoftmaxLoss(plan)) SoftmaxEmitter.EmitSoftmaxCrossEntropy(w, plan.OutputSize);
        if (KernelPlan.PredictsInSampleLanes(plan) || plan.Layers.Any(KernelPlan.UsesUnrolledSoftmax)) LaneHelpersEmitter.Emit(w);
    }
}
