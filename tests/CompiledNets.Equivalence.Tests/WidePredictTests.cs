using System.Reflection;

namespace CompiledNets.Equivalence.Tests;

/// <summary>
/// Networks whose single-sample <c>Predict</c> splits a wide layer across cores, with a normalisation or activation layer
/// on the same path: the generated code once named an input-width constant that only Dense and Maxout layers have, and
/// did not compile. Each must build, train and match the interpreted engine, on one thread and on two (the split path).
/// </summary>
public sealed class WidePredictTests
{
    public static readonly CorpusEntry[] Entries =
    [
        new("BatchNormAfterWideDense", 784, """
            [Dense(512, Activation.ReLU)] [BatchNorm] [Dense(10, Activation.Softmax)] [Loss(LossFunction.CrossEntropy)] [Adam]
            """, s => s.Dense(512, Activation.ReLU).BatchNorm().Dense(10, Activation.Softmax).Loss(LossFunction.CrossEntropy).Adam()),
        new("LayerNormAfterWideDense", 784, """
            [Dense(1024, Activation.ReLU)] [LayerNorm] [Dense(10, Activation.Softmax)] [Loss(LossFunction.CrossEntropy)] [Adam]
            """, s => s.Dense(1024, Activation.ReLU).LayerNorm().Dense(10, Activation.Softmax).Loss(LossFunction.CrossEntropy).Adam()),
        new("ActivationAfterWideLinear", 784, """
            [Dense(1024)] [ActivationLayer(Activation.ReLU)] [Dense(10, Activation.Softmax)] [Loss(LossFunction.CrossEntropy)] [Adam]
            """, s => s.Dense(1024).Activation(Activation.ReLU).Dense(10, Activation.Softmax).Loss(LossFunction.CrossEntropy).Adam()),
        new("NormalizedCifarInput", 3072, """
            [BatchNorm] [ActivationLayer(Activation.ReLU)] [Dense(512, Activation.ReLU)] [Dense(10, Activation.Softmax)] [Loss(LossFunction.CrossEntropy)] [AdaGrad]
            """, s => s.BatchNorm().Activation(Activation.ReLU).Dense(512, Activation.ReLU).Dense(10, Activation.Softmax).Loss(LossFunction.CrossEntropy).AdaGrad()),
    ];

    private static readonly Lazy<Assembly> Networks = new(() =>
    {
        var (image, _) = GeneratedCorpus.CompileSources(Entries.Select(e => ($"Wide/{e.Name}.cs", e.Source)));
        return GeneratedCorpus.Load("WidePredict", image);
    });

    [Theory]
    [InlineData("BatchNormAfterWideDense", 1)]
    [InlineData("BatchNormAfterWideDense", 2)]
    [InlineData("LayerNormAfterWideDense", 1)]
    [InlineData("LayerNormAfterWideDense", 2)]
    [InlineData("ActivationAfterWideLinear", 1)]
    [InlineData("ActivationAfterWideLinear", 2)]
    [InlineData("NormalizedCifarInput", 1)]
    [InlineData("NormalizedCifarInput", 2)]
    public void Builds_trains_and_predicts_like_the_interpreted_engine(string name, int threads)
    {
        const int seed = 7, batch = 9;
        var generated = (INetwork)Activator.CreateInstance(Networks.Value.GetType("Corpus." + name, throwOnError: true)!, seed, batch)!;
        generated.GetType().GetProperty("Threads")!.SetValue(generated, threads);
        var interpreted = Entries.Single(e => e.Name == name).CreateSequential(seed + 1, batch);
        generated.Parameters.CopyTo(interpreted.Parameters);
        generated.Buffers.CopyTo(interpreted.Buffers);
        // Everything computed from equal weights agrees to the corpus's 1e-5. After steps the bound is the threshold fuzz's:
        // Adam and AdaGrad divide each gradient element by its own magnitude, so an element that is small by cancellation
        // (behind a batch norm) is stepped with the relative error of its rounding (elements that are zero up to rounding
        // are kept equal, see EqualNoiseGradients).
        EngineAgreement.AssertAgree(generated, interpreted, $"{name} t{threads}", batch, steps: 3, singleSamples: batch,
            equalNoiseGradients: true, relativeAfterSteps: 1e-3);
    }
}
