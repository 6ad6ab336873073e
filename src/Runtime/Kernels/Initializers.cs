namespace CompiledNets.Kernels;

/// <summary>Weight initialisers shared by generated and interpreted networks, so one seed gives one set of weights.</summary>
public static class Initializers
{
    /// <summary>The initialiser <see cref="Init.Default"/> stands for: He for the ReLU family, Glorot otherwise.</summary>
    public static Init ResolveWeightDefault(Activation activation) => activation switch
    {
        Activation.ReLU or Activation.LeakyReLU or Activation.ELU or Activation.GELU or Activation.SiLU => Init.HeUniform,
        _ => Init.GlorotUniform,
    };

    /// <summary>Fills <paramref name="values"/> for a layer with the given fan-in and fan-out.</summary>
    public static void Fill(Init init, Span<float> values, int fanIn, int fanOut, ref SeededRandom random)
    {
        switch (init)
        {
            case Init.Zeros:
                values.Clear();
                break;
            case Init.GlorotUniform:
                Uniform(values, MathF.Sqrt(6f / (fanIn + fanOut)), ref random);
                break;
            case Init.HeUniform:
                Uniform(values, MathF.Sqrt(6f / fanIn), ref random);
                break;
            case Init.GlorotNormal:
                Normal(values, MathF.Sqrt(2f / (fanIn + fanOut)), ref random);
                break;
            case Init.HeNormal:
                Normal(values, MathF.Sqrt(2f / fanIn), ref random);
                break;
            case Init.LeCunNormal:
                Normal(values, MathF.Sqrt(1f / fanIn), ref random);
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(init), init, "Resolve Init.Default before filling.");
        }
    }

    private static void Uniform(Span<float> values, float limit, ref SeededRandom random)
    {
        for (int i = 0; i < values.Length; i++) values[i] = random.NextFloat(-limit, limit);
    }

    private static void Normal(Span<float> values, float standardDeviation, ref SeededRandom random)
    {
        for (int i = 0; i < values.Length; i++) values[i] = standardDeviation * random.NextGaussian();
    }
}
