namespace CompiledNets;

/// <summary>Element-wise activation applied after a layer.</summary>
public enum Activation
{
    /// <summary>Identity: <c>f(z) = z</c>.</summary>
    Linear,
    /// <summary>Logistic sigmoid: <c>1 / (1 + e^-z)</c>.</summary>
    Sigmoid,
    /// <summary>Hyperbolic tangent.</summary>
    Tanh,
    /// <summary>Rectified linear unit: <c>max(0, z)</c>.</summary>
    ReLU,
    /// <summary>Softmax over the layer's units (a probability distribution); only valid on the last layer.</summary>
    Softmax,
    /// <summary>Heaviside step (perceptron output, 1 when <c>z &gt;= 0</c>): inference only, its derivative is zero almost everywhere.</summary>
    Step,
    /// <summary>Leaky ReLU: <c>z</c> when positive, else <c>alpha * z</c> (alpha from the layer, default 0.01).</summary>
    LeakyReLU,
    /// <summary>Exponential linear unit: <c>z</c> when positive, else <c>alpha * (e^z - 1)</c> (alpha default 1).</summary>
    ELU,
    /// <summary>Gaussian error linear unit, the tanh approximation used by PyTorch's <c>approximate="tanh"</c>.</summary>
    GELU,
    /// <summary>Sigmoid-weighted linear unit (swish): <c>z * sigmoid(z)</c>.</summary>
    SiLU,
}
