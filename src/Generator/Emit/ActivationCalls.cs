using CompiledNets.Generator.Model;

namespace CompiledNets.Generator.Emit;

/// <summary>The runtime kernel calls that apply an activation and its derivative to a span.</summary>
internal static class ActivationCalls
{
    private const string Kernels = Names.RuntimeNames.ActivationKernels;

    /// <summary>A statement applying the activation in place to <paramref name="span"/>, or null for Linear.</summary>
    public static string? Forward(LayerPlan layer, string span) => layer.Activation switch
    {
        ActivationKind.Softmax when KernelPlan.UsesUnrolledSoftmax(layer) => SoftmaxEmitter.SoftmaxCall(layer, span),
        ActivationKind.Linear => null,
        ActivationKind.Sigmoid => $"{Kernels}.Sigmoid({span});",
        ActivationKind.Tanh => $"{Kernels}.Tanh({span});",
        ActivationKind.ReLU => $"{Kernels}.ReLU({span});",
        ActivationKind.Softmax => $"{Kernels}.Softmax({span}, {layer.Prefix}Units);",
        ActivationKind.Step => $"{Kernels}.Step({span});",
        ActivationKind.LeakyReLU => $"{Kernels}.LeakyReLU({span}, {Literal.Float(layer.Alpha)});",
        ActivationKind.ELU => $"{Kernels}.Elu({span}, {Literal.Float(layer.Alpha)});",
        ActivationKind.GELU => $"{Kernels}.Gelu({span});",
        ActivationKind.SiLU => $"{Kernels}.SiLU({span});",
        _ => null,
    };

    /// <summary>A statement turning d/d(output) in <paramref name="delta"/> into d/d(pre-activation), or null for Linear.</summary>
    public static string? Backward(LayerPlan layer, string output, string preActivation, string delta) => layer.Activation switch
    {
        ActivationKind.Linear => null,
        ActivationKind.Sigmoid => $"{Kernels}.SigmoidBackward({output}, {delta});",
        ActivationKind.Tanh => $"{Kernels}.TanhBackward({output}, {delta});",
        ActivationKind.ReLU => $"{Kernels}.ReLUBackward({output}, {delta});",
        ActivationKind.Softmax => $"{Kernels}.SoftmaxBackward({output}, {delta}, {layer.Prefix}Units);",
        ActivationKind.LeakyReLU => $"{Kernels}.LeakyReLUBackward({output}, {delta}, {Literal.Float(layer.Alpha)});",
        ActivationKind.ELU => $"{Kernels}.EluBackward({output}, {delta}, {Literal.Float(layer.Alpha)});",
        ActivationKind.GELU => $"{Kernels}.GeluBackward({preActivation}, {delta});",
        ActivationKind.SiLU => $"{Kernels}.SiLUBackward({preActivation}, {delta});",
        _ => null,
    };
}
