using System.Globalization;
using CompiledNets.Generator.Model;

namespace CompiledNets.Generator.Emit;

/// <summary>The optimizer's constants, state layout and step: one vectorised pass over the contiguous buffers.</summary>
internal static class OptimizerEmitter
{
    public static string Describe(OptimizerSpec optimizer) => optimizer.Kind switch
    {
        OptimizerKind.Adam => $"Adam(lr {Number(optimizer.LearningRate)}, betas ({Number(optimizer.Beta1)}, {Number(optimizer.Beta2)}), eps {Number(optimizer.Epsilon)})",
        _ => $"Sgd(lr {Number(optimizer.LearningRate)})",
    };

    /// <summary>Named constants for the hyper-parameters that stay fixed (the learning rate is a field).</summary>
    public static void EmitConstants(SourceWriter w, NetworkPlan plan)
    {
        var optimizer = plan.Spec.Optimizer;
        w.Line($"// Optimizer: {Describe(optimizer)}");
        w.Line($"private const float InitialLearningRate = {Literal.Float(optimizer.LearningRate)};");
        if (optimizer.Kind == OptimizerKind.Adam)
        {
            w.Line($"private const float Beta1 = {Literal.Float(optimizer.Beta1)};");
            w.Line($"private const float Beta2 = {Literal.Float(optimizer.Beta2)};");
            w.Line($"private const float Epsilon = {Literal.Float(optimizer.Epsilon)};");
        }
    }

    /// <summary>Tensor entries describing the optimizer state (empty for plain SGD).</summary>
    public static string[] StateTensors(NetworkPlan plan) => plan.Spec.Optimizer.Kind switch
    {
        OptimizerKind.Adam => new[]
        {
            $"new(\"optimizer.exp_avg\", new[] {{ ParameterCount }}, global::CompiledNets.TensorStorage.OptimizerState, 0)",
            $"new(\"optimizer.exp_avg_sq\", new[] {{ ParameterCount }}, global::CompiledNets.TensorStorage.OptimizerState, ParameterCount)",
        },
        _ => System.Array.Empty<string>(),
    };

    /// <summary>The body of <c>ApplyGradients</c>.</summary>
    public static void EmitStep(SourceWriter w, NetworkPlan plan)
    {
        w.Line("_optimizerStep++;");
        switch (plan.Spec.Optimizer.Kind)
        {
            case OptimizerKind.Adam:
                w.Line("global::CompiledNets.Kernels.OptimizerSteps.Adam(_parameters, _gradients,");
                w.Line("    global::System.MemoryExtensions.AsSpan(_optimizerState, 0, ParameterCount), global::System.MemoryExtensions.AsSpan(_optimizerState, ParameterCount, ParameterCount),");
                w.Line("    _learningRate, Beta1, Beta2, Epsilon, _optimizerStep);");
                break;
            default:
                w.Line("global::CompiledNets.Kernels.OptimizerSteps.Sgd(_parameters, _gradients, _learningRate);");
                break;
        }
    }

    private static string Number(float value) => value.ToString("R", CultureInfo.InvariantCulture);
}
