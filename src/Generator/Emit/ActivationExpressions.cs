using CompiledNets.Generator.Model;

namespace CompiledNets.Generator.Emit;

/// <summary>Activations and derivatives as C# expressions, for fusing into kernel epilogues.</summary>
internal static class ActivationExpressions
{
    /// <summary>True when the forward epilogue can apply the activation per element (softmax needs the whole row).</summary>
    public static bool IsElementWise(ActivationKind activation) => activation != ActivationKind.Softmax;

    /// <summary>The activation of scalar <paramref name="v"/>.</summary>
    public static string Scalar(ActivationKind activation, float alpha, string v) => activation switch
    {
        ActivationKind.Linear => v,
        ActivationKind.ReLU => $"MathF.Max({v}, 0f)",
        ActivationKind.Sigmoid => $"1f / (1f + MathF.Exp(-{v}))",
        ActivationKind.Tanh => $"MathF.Tanh({v})",
        ActivationKind.LeakyReLU => $"({v} > 0f ? {v} : {Literal.Float(alpha)} * {v})",
        ActivationKind.ELU => $"({v} > 0f ? {v} : {Literal.Float(alpha)} * (MathF.Exp({v}) - 1f))",
        ActivationKind.GELU => $"0.5f * {v} * (1f + MathF.Tanh(0.7978846f * ({v} + 0.044715f * {v} * {v} * {v})))",
        ActivationKind.SiLU => $"{v} / (1f + MathF.Exp(-{v}))",
        ActivationKind.Step => $"(float.IsNaN({v}) ? {v} : {v} >= 0f ? 1f : 0f)",
        _ => v,
    };

    /// <summary>The activation of vector <paramref name="v"/> of <paramref name="type"/>, or null when it has no cheap vector form here.</summary>
    public static string? Vector(ActivationKind activation, float alpha, string type, string v) => activation switch
    {
        ActivationKind.Linear => v,
        // maxps(0, v) is one instruction and returns v when v is NaN; Max would add a fix-up for NaN and -0.
        ActivationKind.ReLU => $"{type}.MaxNative({type}<float>.Zero, {v})",
        ActivationKind.LeakyReLU => $"{type}.ConditionalSelect({type}.GreaterThan({v}, {type}<float>.Zero), {v}, {v} * {Literal.Float(alpha)})",
        _ => null,
    };

    /// <summary>
    /// The activation of vector <paramref name="v"/>, bitwise <see cref="Scalar"/> in every lane (-0 included; NaN stays NaN),
    /// or null when it has no such cheap form. ReLU is <c>Max</c> here: <c>MathF.Max(-0f, 0f)</c> is +0, where
    /// <c>maxps</c> would keep -0.
    /// </summary>
    public static string? VectorAsScalar(ActivationKind activation, float alpha, string type, string v) => activation switch
    {
        ActivationKind.ReLU => $"{type}.Max({v}, {type}<float>.Zero)",
        ActivationKind.Linear or ActivationKind.LeakyReLU => Vector(activation, alpha, type, v),
        _ => null,
    };

    /// <summary>True when the derivative is computed from the activation's output and has a vector form here.</summary>
    public static bool HasFusedDerivative(ActivationKind activation) => activation is
        ActivationKind.Linear or ActivationKind.ReLU or ActivationKind.Sigmoid or ActivationKind.Tanh or ActivationKind.LeakyReLU or ActivationKind.ELU;

    /// <summary>Gradient <paramref name="g"/> times the derivative at output <paramref name="a"/>, for vectors of <paramref name="type"/>.</summary>
    public static string VectorDerivative(ActivationKind activation, float alpha, string type, string g, string a) => activation switch
    {
        ActivationKind.ReLU => $"{type}.ConditionalSelect({type}.GreaterThan({a}, {type}<float>.Zero), {g}, {type}<float>.Zero)",
        ActivationKind.Sigmoid => $"{g} * ({a} * ({type}<float>.One - {a}))",
        ActivationKind.Tanh => $"{g} * ({type}<float>.One - {a} * {a})",
        ActivationKind.LeakyReLU => $"{type}.ConditionalSelect({type}.GreaterThan({a}, {type}<float>.Zero), {g}, {g} * {Literal.Float(alpha)})",
        ActivationKind.ELU => $"{type}.ConditionalSelect({type}.GreaterThan({a}, {type}<float>.Zero), {g}, {g} * ({a} + {type}.Create({Literal.Float(alpha)})))",
        _ => g,
    };

    /// <summary>The scalar form of <see cref="VectorDerivative"/>.</summary>
    public static string ScalarDerivative(ActivationKind activation, float alpha, string g, string a) => activation switch
    {
        ActivationKind.ReLU => $"({a} > 0f ? {g} : 0f)",
        ActivationKind.Sigmoid => $"{g} * ({a} * (1f - {a}))",
        ActivationKind.Tanh => $"{g} * (1f - {a} * {a})",
        ActivationKind.LeakyReLU => $"({a} > 0f ? {g} : {g} * {Literal.Float(alpha)})",
        ActivationKind.ELU => $"({a} > 0f ? {g} : {g} * ({a} + {Literal.Float(alpha)}))",
        _ => g,
    };
}
