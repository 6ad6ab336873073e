using System.Collections.Generic;
using System.Globalization;
using CompiledNets.Generator.Model;

namespace CompiledNets.Generator.Emit;

/// <summary>The optimizer's constants, state layout and step: one vectorised pass over the contiguous buffers.</summary>
internal static class OptimizerEmitter
{
    public static string Describe(OptimizerSpec o) => o.Kind switch
    {
        OptimizerKind.Adam => $"Adam(lr {N(o.LearningRate)}, betas ({N(o.Beta1)}, {N(o.Beta2)}), eps {N(o.Epsilon)})",
        OptimizerKind.AdamW => $"AdamW(lr {N(o.LearningRate)}, betas ({N(o.Beta1)}, {N(o.Beta2)}), eps {N(o.Epsilon)}, weight decay {N(o.WeightDecay)})",
        OptimizerKind.AdaGrad => $"AdaGrad(lr {N(o.LearningRate)}, eps {N(o.Epsilon)})",
        OptimizerKind.RmsProp => $"RmsProp(lr {N(o.LearningRate)}, alpha {N(o.Alpha)}, eps {N(o.Epsilon)}{(o.Momentum > 0 ? $", momentum {N(o.Momentum)}" : "")})",
        _ => o.Momentum > 0 ? $"Sgd(lr {N(o.LearningRate)}, momentum {N(o.Momentum)}{(o.Nesterov ? ", nesterov" : "")})" : $"Sgd(lr {N(o.LearningRate)})",
    };

    /// <summary>Named constants for the hyper-parameters that stay fixed (the learning rate is a field).</summary>
    public static void EmitConstants(SourceWriter w, NetworkPlan plan)
    {
        var o = plan.Spec.Optimizer;
        if (!plan.Trainable)
        {
            w.Line("// Inference only: no optimizer.");
            w.Line("private const float InitialLearningRate = 0f;");
            return;
        }
        w.Line($"// Optimizer: {Describe(o)}");
        w.Line($"private const float InitialLearningRate = {Literal.Float(o.LearningRate)};");
        switch (o.Kind)
        {
            case OptimizerKind.Adam:
            case OptimizerKind.AdamW:
                w.Line($"private const float AdamBeta1 = {Literal.Float(o.Beta1)};");
                w.Line($"private const float AdamBeta2 = {Literal.Float(o.Beta2)};");
                w.Line($"private const float OptimizerEpsilon = {Literal.Float(o.Epsilon)};");
                if (o.Kind == OptimizerKind.AdamW) w.Line($"private const float DecoupledWeightDecay = {Literal.Float(o.WeightDecay)};");
                break;
            case OptimizerKind.AdaGrad:
                w.Line($"private const float OptimizerEpsilon = {Literal.Float(o.Epsilon)};");
                break;
            case OptimizerKind.RmsProp:
                w.Line($"private const float RmsPropAlpha = {Literal.Float(o.Alpha)};");
                w.Line($"private const float OptimizerEpsilon = {Literal.Float(o.Epsilon)};");
                w.Line($"private const float OptimizerMomentum = {Literal.Float(o.Momentum)};");
                break;
            default:
                if (o.Momentum > 0) w.Line($"private const float OptimizerMomentum = {Literal.Float(o.Momentum)};");
                break;
        }
    }

    /// <summary>The optimizer state's tensors (PyTorch's state names), each one value per parameter.</summary>
    private static IEnumerable<string> StateNames(OptimizerSpec o) => o.Kind switch
    {
        OptimizerKind.Adam or OptimizerKind.AdamW => new[] { "exp_avg", "exp_avg_sq" },
        OptimizerKind.AdaGrad => new[] { "sum" },
        OptimizerKind.RmsProp => o.Momentum > 0 ? new[] { "square_avg", "momentum_buffer" } : new[] { "square_avg" },
        _ => o.Momentum > 0 ? new[] { "momentum_buffer" } : System.Array.Empty<string>(),
    };

    /// <summary>Tensor entries describing the optimizer state.</summary>
    public static IEnumerable<string> StateTensors(NetworkPlan plan)
    {
        if (!plan.Trainable) yield break;
        int index = 0;
        foreach (string name in StateNames(plan.Spec.Optimizer))
        {
            string offset = index == 0 ? "0" : index == 1 ? "ParameterCount" : $"{index} * ParameterCount";
            yield return $"new(\"optimizer.{name}\", new[] {{ ParameterCount }}, {Names.RuntimeNames.Runtime}.TensorStorage.OptimizerState, {offset})";
            index++;
        }
    }

    /// <summary>The body of <c>ApplyGradients</c>: the whole step here, or its ranges across the pool for large networks.</summary>
    public static void EmitStep(SourceWriter w, NetworkPlan plan)
    {
        w.Line("_optimizerStep++;");
        if (KernelPlan.SplitsOptimizerStep(plan))
        {
            w.Line("// Every update is element-wise: the ranges are disjoint, so the result does not depend on the split.");
            w.Line($"if (_pool is not null) RunAcrossCores({StepJobField}); else {StepRangeMethod}(0, ParameterCount);");
            return;
        }
        EmitStepCall(w, plan, "_parameters", "_gradients", "_optimizerState.AsSpan(0, ParameterCount)", "_optimizerState.AsSpan(ParameterCount, ParameterCount)");
    }

    /// <summary>The pool job of a split step, and the method it runs on one range of the parameters.</summary>
    public const string StepJobField = "_applyGradientsPart";
    public const string StepRangeMethod = "ApplyGradientsRange";

    /// <summary>Parameter ranges of a split step start at multiples of this: one 64-byte line of floats.</summary>
    public const int StepGranularity = 16;

    /// <summary>The method that updates parameters [first, last) and their state (emitted when the step is split).</summary>
    public static void EmitStepRange(SourceWriter w, NetworkPlan plan)
    {
        if (!KernelPlan.SplitsOptimizerStep(plan)) return;
        w.Line("/// <summary>One part of the optimizer step: parameters [first, last) and their state.</summary>");
        using (w.Block($"private void {StepRangeMethod}(int first, int last)"))
        {
            w.Line("int count = last - first;");
            EmitStepCall(w, plan, "_parameters.AsSpan(first, count)", "_gradients.AsSpan(first, count)", "_optimizerState.AsSpan(first, count)",
                "_optimizerState.AsSpan(ParameterCount + first, count)");
        }
        w.Line();
    }

    private static void EmitStepCall(SourceWriter w, NetworkPlan plan, string parameters, string gradients, string first, string second)
    {
        const string steps = Names.RuntimeNames.OptimizerSteps;
        var o = plan.Spec.Optimizer;
        switch (o.Kind)
        {
            case OptimizerKind.Adam:
                w.Line($"{steps}.Adam({parameters}, {gradients}, {first}, {second}, _learningRate, AdamBeta1, AdamBeta2, OptimizerEpsilon, _optimizerStep);");
                break;
            case OptimizerKind.AdamW:
                w.Line($"{steps}.AdamW({parameters}, {gradients}, {first}, {second}, _learningRate, AdamBeta1, AdamBeta2, OptimizerEpsilon, DecoupledWeightDecay, _optimizerStep);");
                break;
            case OptimizerKind.AdaGrad:
                w.Line($"{steps}.AdaGrad({parameters}, {gradients}, {first}, _learningRate, OptimizerEpsilon);");
                break;
            case OptimizerKind.RmsProp:
                w.Line(o.Momentum > 0
                    ? $"{steps}.RmsProp({parameters}, {gradients}, {first}, {second}, _learningRate, RmsPropAlpha, OptimizerEpsilon, OptimizerMomentum);"
                    : $"{steps}.RmsProp({parameters}, {gradients}, {first}, default, _learningRate, RmsPropAlpha, OptimizerEpsilon, OptimizerMomentum);");
                break;
            default:
                w.Line(o.Momentum > 0
                    ? $"{steps}.SgdMomentum({parameters}, {gradients}, {first}, _learningRate, OptimizerMomentum, nesterov: {(o.Nesterov ? "true" : "false")});"
                    : $"{steps}.Sgd({parameters}, {gradients}, _learningRate);");
                break;
        }
    }

    private static string N(float value) => value.ToString("R", CultureInfo.InvariantCulture);
}
