namespace CompiledNets;

/// <summary>How a Dense layer's weights (or biases) are initialised.</summary>
public enum Init
{
    /// <summary>He uniform for ReLU-family activations, Glorot uniform otherwise; zeros for biases.</summary>
    Default,
    /// <summary>U(-l, l) with <c>l = sqrt(6 / (fanIn + fanOut))</c>.</summary>
    GlorotUniform,
    /// <summary>N(0, s) with <c>s = sqrt(2 / (fanIn + fanOut))</c>.</summary>
    GlorotNormal,
    /// <summary>U(-l, l) with <c>l = sqrt(6 / fanIn)</c>.</summary>
    HeUniform,
    /// <summary>N(0, s) with <c>s = sqrt(2 / fanIn)</c>.</summary>
    HeNormal,
    /// <summary>N(0, s) with <c>s = sqrt(1 / fanIn)</c>.</summary>
    LeCunNormal,
    /// <summary>All zeros.</summary>
    Zeros,
}
