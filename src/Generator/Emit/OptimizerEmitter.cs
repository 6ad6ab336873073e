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
            yield return $"new(\"optimizer.{name}\", new[] {{ ParameterCount }}, global::CompiledNets.TensorStorage.OptimizerState, {offset})";
            index++;
        }
    }

    /// <summary>The body of <c>ApplyGradients</c>.</summary>
    public static void EmitStep(SourceWriter w, NetworkPlan plan)
    {
        const string steps = "global::CompiledNets.Kernels.OptimizerSteps";
        const string first = "_optimizerState.AsSpan(0, ParameterCount)";
        const string second = "_optimizerState.AsSpan(ParameterCount, ParameterCount)";
        var o = plan.Spec.Optimizer;
        w.Line("_optimizerStep++;");
        switch (o.Kind)
        {
            case OptimizerKind.Adam:
                w.Line($"{steps}.Adam(_parameters, _gradients, {first}, {second}, _learningRate, AdamBeta1, AdamBeta2, OptimizerEpsilon, _optimizerStep);");
                break;
            case OptimizerKind.AdamW:
                w.Line($"{steps}.AdamW(_parameters, _gradients, {first}, {second}, _learningRate, AdamBeta1, AdamBeta2, OptimizerEpsilon, DecoupledWeightDecay, _optimizerStep);");
                break;
            case OptimizerKind.AdaGrad:
                w.Line($"{steps}.AdaGrad(_parameters, _gradients, {first}, _learningRate, OptimizerEpsilon);");
                break;
            case OptimizerKind.RmsProp:
                w.Line(o.Momentum > 0
                    ? $"{steps}.RmsProp(_parameters, _gradients, {first}, {second}, _learningRate, RmsPropAlpha, OptimizerEpsilon, OptimizerMomentum);"
                    : $"{steps}.RmsProp(_parameters, _gradients, {first}, default, _learningRate, RmsPropAlpha, OptimizerEpsilon, OptimizerMomentum);");
                break;
            default:
                w.Line(o.Momentum > 0
                    ? $"{steps}.SgdMomentum(_parameters, _gradients, {first}, _learningRate, OptimizerMomentum, nesterov: {(o.Nesterov ? "true" : "false")});"
                    : $"{steps}.Sgd(_parameters, _gradients, _learningRate);");
                break;
        }
    }

    private static string N(float value) => value.ToString("R", CultureInfo.InvariantCulture);
}
