using System.Globalization;
using System.Text;
using CompiledNets.Kernels;

namespace CompiledNets.Equivalence.Tests;

/// <summary>
/// One architecture of the corpus, written twice: as the attributes a user declares (compiled through the
/// generator) and as the <see cref="Sequential"/> calls that build it at run time. A new layer kind joins the
/// corpus as new source text and a new builder call.
/// </summary>
public sealed record CorpusEntry(string Name, int Inputs, string Attributes, Func<Sequential, Sequential> Build, int[]? ImageShape = null)
{
    /// <summary>
    /// A graph: <paramref name="attributes"/> start with the <c>[Network]</c> (and <c>[Input]</c>) attributes, and
    /// <paramref name="build"/> makes the interpreted <see cref="Graph"/> (its layers, loss and optimizer, not yet built).
    /// </summary>
    public static CorpusEntry Graph(string name, int inputs, string attributes, Func<Graph> build) =>
        new(name, inputs, attributes, s => s) { BuildGraph = build };

    /// <summary>The interpreted graph of a graph entry; null for a chain built as a <see cref="Sequential"/>.</summary>
    public Func<Graph>? BuildGraph { get; init; }

    /// <summary>An architecture whose samples are images of <paramref name="shape"/> ([channels, height, width]).</summary>
    public static CorpusEntry Image(string name, int[] shape, string attributes, Func<Sequential, Sequential> build) =>
        new(name, shape[0] * shape[1] * shape[2], attributes, build, shape);

    /// <summary>The declaration the generator sees.</summary>
    public string Source =>
        $$"""
        using CompiledNets;

        namespace Corpus;

        {{NetworkAttribute}}
        {{Attributes.Trim()}}
        public partial class {{Name}};
        """;

    /// <summary>The <c>[Network]</c> line; a graph's attributes bring their own.</summary>
    private string NetworkAttribute =>
        BuildGraph is not null ? "" :
        ImageShape is null ? $"[Network(Inputs = {Inputs.ToString(CultureInfo.InvariantCulture)})]"
        : "[Network(InputShape = new[] { " + string.Join(", ", ImageShape.Select(d => d.ToString(CultureInfo.InvariantCulture))) + " })]";

    /// <summary>A built interpreted network of this architecture: a <see cref="Sequential"/>, or a graph's <see cref="CompiledNets.Graph"/>.</summary>
    public INetwork CreateSequential(int seed, int maxBatchSize) =>
        BuildGraph is not null
            ? BuildGraph().Build(seed, maxBatchSize)
            : Build(ImageShape is null ? new Sequential(Inputs) : new Sequential(ImageShape[0], ImageShape[1], ImageShape[2])).Build(seed, maxBatchSize);

    /// <summary>True when the architecture drops out: the seed then also fixes the masks, so both engines need the same one.</summary>
    public bool HasDropout => Attributes.Contains("[Dropout(", StringComparison.Ordinal);

    public override string ToString() => Name;
}

/// <summary>
/// The architectures compared between the engines: depth 1 to 5, widths 1 to 1,100 (many not multiples of
/// 4, 8 or 16, so every vector remainder path runs), every trainable activation (Step is inference only and
/// the generator rejects it in a trainable network), every loss with the outputs it fits (fused and
/// unfused), every layer kind (dropout, batch and layer norm, standalone activations, maxout) first, in the
/// middle and last, every optimizer with its settings, L2 weight decay, explicit alphas and initialisers; plus
/// seeded random architectures.
/// </summary>
public static class Corpus
{
    public static readonly IReadOnlyList<CorpusEntry> Entries =
        [.. Handwritten(), .. Toolkit(), .. RandomArchitectures(count: 8, seed: 2024), .. ConvCorpus.Handwritten(), .. ConvCorpus.Random(count: 26, seed: 21), .. GraphCorpus.Handwritten(), .. GraphCorpus.Wide(), .. GraphCorpus.Random(count: 22, seed: 5)];

    public static CorpusEntry Get(string name) => Entries.Single(e => e.Name == name);

    public static IEnumerable<object[]> Names => Entries.Select(e => new object[] { e.Name });

    public static IEnumerable<object[]> NamesAndBatches =>
        from e in Entries from batch in new[] { 1, 7, 64 } select new object[] { e.Name, batch };

    private static IEnumerable<CorpusEntry> Handwritten()
    {
        yield return new("Xor", 2, """
            [Dense(8, Activation.ReLU)]
            [Dense(1, Activation.Sigmoid)]
            [Loss(LossFunction.BinaryCrossEntropy)]
            [Sgd(LearningRate = 0.1f)]
            """, s => s.Dense(8, Activation.ReLU).Dense(1, Activation.Sigmoid).Loss(LossFunction.BinaryCrossEntropy).Sgd(0.1f));

        yield return new("SingleNeuron", 2, """
            [Dense(1, Activation.Sigmoid)]
            [Loss(LossFunction.BinaryCrossEntropy)]
            [Sgd(LearningRate = 0.5f)]
            """, s => s.Dense(1, Activation.Sigmoid).Loss(LossFunction.BinaryCrossEntropy).Sgd(0.5f));

        yield return new("LinearRegression", 1, """
            [Dense(1)]
            [Loss(LossFunction.MeanSquaredError)]
            [Sgd]
            """, s => s.Dense(1).Loss(LossFunction.MeanSquaredError).Sgd());

        yield return new("MultiLabel", 5, """
            [Dense(3, Activation.Sigmoid)]
            [Loss(LossFunction.BinaryCrossEntropy)]
            [Adam]
            """, s => s.Dense(3, Activation.Sigmoid).Loss(LossFunction.BinaryCrossEntropy).Adam());

        yield return new("SoftmaxRegression", 13, """
            [Dense(4, Activation.Softmax)]
            [Loss(LossFunction.CrossEntropy)]
            [Sgd(LearningRate = 0.05f)]
            """, s => s.Dense(4, Activation.Softmax).Loss(LossFunction.CrossEntropy).Sgd(0.05f));

        // Small enough for the sample-lane training kernel: LeakyReLU and Sigmoid hidden layers, MSE on ReLU outputs.
        yield return new("LaneLeakyMse", 3, """
            [Dense(6, Activation.LeakyReLU, Alpha = 0.1f)]
            [Dense(5, Activation.Sigmoid)]
            [Dense(2, Activation.ReLU)]
            [Loss(LossFunction.MeanSquaredError)]
            [Adam]
            """, s => s.Dense(6, Activation.LeakyReLU, alpha: 0.1f).Dense(5, Activation.Sigmoid).Dense(2, Activation.ReLU).Loss(LossFunction.MeanSquaredError).Adam());

        yield return new("LaneSigmoidSoftmax", 4, """
            [Dense(10, Activation.Sigmoid)]
            [Dense(3, Activation.Softmax)]
            [Loss(LossFunction.CrossEntropy)]
            [Sgd(LearningRate = 0.1f, Momentum = 0.9f)]
            """, s => s.Dense(10, Activation.Sigmoid).Dense(3, Activation.Softmax).Loss(LossFunction.CrossEntropy).Sgd(0.1f, momentum: 0.9f));

        yield return new("TanhRegression", 3, """
            [Dense(17, Activation.Tanh)]
            [Dense(2)]
            [Loss(LossFunction.MeanSquaredError)]
            [Adam]
            """, s => s.Dense(17, Activation.Tanh).Dense(2).Loss(LossFunction.MeanSquaredError).Adam());

        yield return new("Mini", 16, """
            [Dense(32, Activation.ReLU)]
            [Dense(32, Activation.ReLU)]
            [Dense(4, Activation.Softmax)]
            [Loss(LossFunction.CrossEntropy)]
            [Adam]
            """, s => s.Dense(32, Activation.ReLU).Dense(32, Activation.ReLU).Dense(4, Activation.Softmax).Loss(LossFunction.CrossEntropy).Adam());

        yield return new("Small", 784, """
            [Dense(128, Activation.ReLU)]
            [Dense(10, Activation.Softmax)]
            [Loss(LossFunction.CrossEntropy)]
            [Adam(LearningRate = 1e-3f)]
            """, s => s.Dense(128, Activation.ReLU).Dense(10, Activation.Softmax).Loss(LossFunction.CrossEntropy).Adam(1e-3f));

        yield return new("Leaky", 10, """
            [Dense(33, Activation.LeakyReLU)]
            [Dense(7, Activation.Sigmoid)]
            [Loss(LossFunction.BinaryCrossEntropy)]
            [Sgd(LearningRate = 0.2f)]
            """, s => s.Dense(33, Activation.LeakyReLU).Dense(7, Activation.Sigmoid).Loss(LossFunction.BinaryCrossEntropy).Sgd(0.2f));

        yield return new("LeakyAlphas", 9, """
            [Dense(15, Activation.LeakyReLU, Alpha = 0.2f)]
            [Dense(15, Activation.LeakyReLU, Alpha = 0.05f)]
            [Dense(3)]
            [Loss(LossFunction.MeanSquaredError)]
            [Adam]
            """, s => s.Dense(15, Activation.LeakyReLU, alpha: 0.2f).Dense(15, Activation.LeakyReLU, alpha: 0.05f).Dense(3).Loss(LossFunction.MeanSquaredError).Adam());

        yield return new("Elu", 6, """
            [Dense(31, Activation.ELU)]
            [Dense(5, Activation.Tanh)]
            [Loss(LossFunction.MeanSquaredError)]
            [Sgd(LearningRate = 0.03f)]
            """, s => s.Dense(31, Activation.ELU).Dense(5, Activation.Tanh).Loss(LossFunction.MeanSquaredError).Sgd(0.03f));

        yield return new("EluAlpha", 12, """
            [Dense(24, Activation.ELU, Alpha = 0.5f)]
            [Dense(2, Activation.Softmax)]
            [Loss(LossFunction.CrossEntropy)]
            [Adam]
            """, s => s.Dense(24, Activation.ELU, alpha: 0.5f).Dense(2, Activation.Softmax).Loss(LossFunction.CrossEntropy).Adam());

        yield return new("Gelu", 8, """
            [Dense(20, Activation.GELU)]
            [Dense(1, Activation.Sigmoid)]
            [Loss(LossFunction.BinaryCrossEntropy)]
            [Adam]
            """, s => s.Dense(20, Activation.GELU).Dense(1, Activation.Sigmoid).Loss(LossFunction.BinaryCrossEntropy).Adam());

        yield return new("Silu", 7, """
            [Dense(19, Activation.SiLU)]
            [Dense(19, Activation.SiLU)]
            [Dense(3, Activation.Softmax)]
            [Loss(LossFunction.CrossEntropy)]
            [Sgd(LearningRate = 0.1f)]
            """, s => s.Dense(19, Activation.SiLU).Dense(19, Activation.SiLU).Dense(3, Activation.Softmax).Loss(LossFunction.CrossEntropy).Sgd(0.1f));

        yield return new("Depth5Mixed", 11, """
            [Dense(23, Activation.ReLU)]
            [Dense(17, Activation.Tanh)]
            [Dense(13, Activation.GELU)]
            [Dense(9, Activation.SiLU)]
            [Dense(4, Activation.Softmax)]
            [Loss(LossFunction.CrossEntropy)]
            [Adam]
            """, s => s.Dense(23, Activation.ReLU).Dense(17, Activation.Tanh).Dense(13, Activation.GELU).Dense(9, Activation.SiLU)
                .Dense(4, Activation.Softmax).Loss(LossFunction.CrossEntropy).Adam());

        yield return new("Depth5Regression", 4, """
            [Dense(64, Activation.ELU)]
            [Dense(48, Activation.LeakyReLU)]
            [Dense(32, Activation.Sigmoid)]
            [Dense(16, Activation.Tanh)]
            [Dense(1)]
            [Loss(LossFunction.MeanSquaredError)]
            [Sgd(LearningRate = 0.05f)]
            """, s => s.Dense(64, Activation.ELU).Dense(48, Activation.LeakyReLU).Dense(32, Activation.Sigmoid).Dense(16, Activation.Tanh)
                .Dense(1).Loss(LossFunction.MeanSquaredError).Sgd(0.05f));

        yield return new("WideInput1100", 1100, """
            [Dense(3, Activation.Softmax)]
            [Loss(LossFunction.CrossEntropy)]
            [Adam]
            """, s => s.Dense(3, Activation.Softmax).Loss(LossFunction.CrossEntropy).Adam());

        yield return new("WideHidden1100", 20, """
            [Dense(1100, Activation.ReLU)]
            [Dense(10, Activation.Softmax)]
            [Loss(LossFunction.CrossEntropy)]
            [Sgd(LearningRate = 0.05f)]
            """, s => s.Dense(1100, Activation.ReLU).Dense(10, Activation.Softmax).Loss(LossFunction.CrossEntropy).Sgd(0.05f));

        yield return new("Wide1100By1027", 31, """
            [Dense(1100, Activation.SiLU)]
            [Dense(1027, Activation.ReLU)]
            [Dense(5, Activation.Softmax)]
            [Loss(LossFunction.CrossEntropy)]
            [Adam]
            """, s => s.Dense(1100, Activation.SiLU).Dense(1027, Activation.ReLU).Dense(5, Activation.Softmax).Loss(LossFunction.CrossEntropy).Adam());

        yield return new("OddWidths", 17, """
            [Dense(15, Activation.ReLU)]
            [Dense(31, Activation.ReLU)]
            [Dense(63, Activation.ReLU)]
            [Dense(1, Activation.Sigmoid)]
            [Loss(LossFunction.BinaryCrossEntropy)]
            [Adam]
            """, s => s.Dense(15, Activation.ReLU).Dense(31, Activation.ReLU).Dense(63, Activation.ReLU).Dense(1, Activation.Sigmoid)
                .Loss(LossFunction.BinaryCrossEntropy).Adam());

        yield return new("WidthOneHidden", 3, """
            [Dense(1, Activation.Tanh)]
            [Dense(1)]
            [Loss(LossFunction.MeanSquaredError)]
            [Sgd]
            """, s => s.Dense(1, Activation.Tanh).Dense(1).Loss(LossFunction.MeanSquaredError).Sgd());

        yield return new("SoftmaxMse", 6, """
            [Dense(5, Activation.Softmax)]
            [Loss(LossFunction.MeanSquaredError)]
            [Sgd(LearningRate = 0.5f)]
            """, s => s.Dense(5, Activation.Softmax).Loss(LossFunction.MeanSquaredError).Sgd(0.5f));

        yield return new("SigmoidMse", 4, """
            [Dense(9, Activation.ReLU)]
            [Dense(2, Activation.Sigmoid)]
            [Loss(LossFunction.MeanSquaredError)]
            [Adam]
            """, s => s.Dense(9, Activation.ReLU).Dense(2, Activation.Sigmoid).Loss(LossFunction.MeanSquaredError).Adam());

        yield return new("AllLinear", 7, """
            [Dense(7)]
            [Dense(7)]
            [Loss(LossFunction.MeanSquaredError)]
            [Adam]
            """, s => s.Dense(7).Dense(7).Loss(LossFunction.MeanSquaredError).Adam());

        yield return new("GeluOutput", 5, """
            [Dense(12, Activation.Tanh)]
            [Dense(3, Activation.GELU)]
            [Loss(LossFunction.MeanSquaredError)]
            [Sgd(LearningRate = 0.1f)]
            """, s => s.Dense(12, Activation.Tanh).Dense(3, Activation.GELU).Loss(LossFunction.MeanSquaredError).Sgd(0.1f));

        yield return new("SiluOutput", 5, """
            [Dense(6, Activation.SiLU)]
            [Loss(LossFunction.MeanSquaredError)]
            [Adam]
            """, s => s.Dense(6, Activation.SiLU).Loss(LossFunction.MeanSquaredError).Adam());

        yield return new("EluOutput", 6, """
            [Dense(10, Activation.Sigmoid)]
            [Dense(4, Activation.ELU, Alpha = 0.7f)]
            [Loss(LossFunction.MeanSquaredError)]
            [Adam]
            """, s => s.Dense(10, Activation.Sigmoid).Dense(4, Activation.ELU, alpha: 0.7f).Loss(LossFunction.MeanSquaredError).Adam());

        yield return new("LeakyOutput", 8, """
            [Dense(3, Activation.LeakyReLU)]
            [Loss(LossFunction.MeanSquaredError)]
            [Sgd]
            """, s => s.Dense(3, Activation.LeakyReLU).Loss(LossFunction.MeanSquaredError).Sgd());

        yield return new("ReluOutput", 9, """
            [Dense(21, Activation.Tanh)]
            [Dense(2, Activation.ReLU)]
            [Loss(LossFunction.MeanSquaredError)]
            [Adam]
            """, s => s.Dense(21, Activation.Tanh).Dense(2, Activation.ReLU).Loss(LossFunction.MeanSquaredError).Adam());

        yield return new("Initializers", 10, """
            [Dense(12, Activation.ReLU, Init = Init.HeNormal, BiasInit = Init.GlorotUniform)]
            [Dense(6, Activation.Tanh, Init = Init.GlorotNormal, BiasInit = Init.LeCunNormal)]
            [Dense(5, Activation.SiLU, Init = Init.LeCunNormal, BiasInit = Init.HeUniform)]
            [Dense(2, Activation.Softmax, Init = Init.HeUniform, BiasInit = Init.GlorotNormal)]
            [Loss(LossFunction.CrossEntropy)]
            [Adam]
            """, s => s.Dense(12, Activation.ReLU, init: Init.HeNormal, biasInit: Init.GlorotUniform)
                .Dense(6, Activation.Tanh, init: Init.GlorotNormal, biasInit: Init.LeCunNormal)
                .Dense(5, Activation.SiLU, init: Init.LeCunNormal, biasInit: Init.HeUniform)
                .Dense(2, Activation.Softmax, init: Init.HeUniform, biasInit: Init.GlorotNormal)
                .Loss(LossFunction.CrossEntropy).Adam());

        yield return new("ZeroInit", 3, """
            [Dense(2, Init = Init.Zeros)]
            [Loss(LossFunction.MeanSquaredError)]
            [Sgd(LearningRate = 0.1f)]
            """, s => s.Dense(2, init: Init.Zeros).Loss(LossFunction.MeanSquaredError).Sgd(0.1f));

        yield return new("AdamSettings", 9, """
            [Dense(14, Activation.ReLU)]
            [Dense(3, Activation.Sigmoid)]
            [Loss(LossFunction.BinaryCrossEntropy)]
            [Adam(LearningRate = 0.01f, Beta1 = 0.8f, Beta2 = 0.99f, Epsilon = 1e-6f)]
            """, s => s.Dense(14, Activation.ReLU).Dense(3, Activation.Sigmoid).Loss(LossFunction.BinaryCrossEntropy).Adam(0.01f, 0.8f, 0.99f, 1e-6f));

        yield return new("OddMedium", 129, """
            [Dense(257, Activation.GELU)]
            [Dense(65, Activation.ELU)]
            [Dense(10, Activation.Softmax)]
            [Loss(LossFunction.CrossEntropy)]
            [Sgd(LearningRate = 0.02f)]
            """, s => s.Dense(257, Activation.GELU).Dense(65, Activation.ELU).Dense(10, Activation.Softmax).Loss(LossFunction.CrossEntropy).Sgd(0.02f));

        yield return new("MnistDeepish", 784, """
            [Dense(100, Activation.ReLU)]
            [Dense(50, Activation.ReLU)]
            [Dense(25, Activation.Sigmoid)]
            [Dense(10, Activation.Softmax)]
            [Loss(LossFunction.CrossEntropy)]
            [Adam]
            """, s => s.Dense(100, Activation.ReLU).Dense(50, Activation.ReLU).Dense(25, Activation.Sigmoid).Dense(10, Activation.Softmax)
                .Loss(LossFunction.CrossEntropy).Adam());

        yield return new("PowersOfTwo", 15, """
            [Dense(16, Activation.ReLU)]
            [Dense(8, Activation.ReLU)]
            [Dense(4, Activation.ReLU)]
            [Dense(2, Activation.Sigmoid)]
            [Loss(LossFunction.BinaryCrossEntropy)]
            [Sgd(LearningRate = 0.3f)]
            """, s => s.Dense(16, Activation.ReLU).Dense(8, Activation.ReLU).Dense(4, Activation.ReLU).Dense(2, Activation.Sigmoid)
                .Loss(LossFunction.BinaryCrossEntropy).Sgd(0.3f));

        yield return new("LeakyBottleneck", 47, """
            [Dense(95, Activation.LeakyReLU)]
            [Dense(3)]
            [Loss(LossFunction.MeanSquaredError)]
            [Adam]
            """, s => s.Dense(95, Activation.LeakyReLU).Dense(3).Loss(LossFunction.MeanSquaredError).Adam());
    }

    /// <summary>
    /// The rest of the toolkit: dropout, batch and layer norm, standalone activations (Softmax and Sigmoid as the last
    /// layer, GELU/SiLU reading their input, non-default alphas), maxout, L2 weight decay (class-wide and per layer) and
    /// every optimizer with its settings; each layer kind first, in the middle and last.
    /// </summary>
    private static IEnumerable<CorpusEntry> Toolkit()
    {
        yield return new("ToolkitAll", 20, """
            [WeightDecay(1e-4f)]
            [Dense(32, Init = Init.HeNormal)]
            [BatchNorm(Momentum = 0.2f)]
            [ActivationLayer(Activation.ReLU)]
            [Dropout(0.3f)]
            [Maxout(16, 3)]
            [LayerNorm]
            [Dense(12, Activation.LeakyReLU, Alpha = 0.2f, L2 = 0f)]
            [Dense(4, Activation.Softmax)]
            [Loss(LossFunction.CrossEntropy)]
            [AdamW(LearningRate = 3e-4f, WeightDecay = 0.05f)]
            """, s => s.WeightDecay(1e-4f).Dense(32, init: Init.HeNormal).BatchNorm(momentum: 0.2f).Activation(Activation.ReLU).Dropout(0.3f)
                .Maxout(16, 3).LayerNorm().Dense(12, Activation.LeakyReLU, alpha: 0.2f, l2: 0f).Dense(4, Activation.Softmax)
                .Loss(LossFunction.CrossEntropy).AdamW(3e-4f, weightDecay: 0.05f));

        yield return new("DropoutMlp", 16, """
            [Dense(32, Activation.ReLU)]
            [Dropout(0.3f)]
            [Dense(4, Activation.Softmax)]
            [Loss(LossFunction.CrossEntropy)]
            [Adam]
            """, s => s.Dense(32, Activation.ReLU).Dropout(0.3f).Dense(4, Activation.Softmax).Loss(LossFunction.CrossEntropy).Adam());

        yield return new("DropoutTwiceWide", 37, """
            [Dense(300, Activation.ReLU)]
            [Dropout(0.2f)]
            [Dense(45, Activation.Tanh)]
            [Dropout(0.5f)]
            [Dense(3, Activation.Softmax)]
            [Loss(LossFunction.CrossEntropy)]
            [Sgd(LearningRate = 0.05f)]
            """, s => s.Dense(300, Activation.ReLU).Dropout(0.2f).Dense(45, Activation.Tanh).Dropout(0.5f).Dense(3, Activation.Softmax)
                .Loss(LossFunction.CrossEntropy).Sgd(0.05f));

        yield return new("DropoutFirst", 10, """
            [Dropout(0.5f)]
            [Dense(7, Activation.Tanh)]
            [Dense(1)]
            [Loss(LossFunction.MeanSquaredError)]
            [Sgd(LearningRate = 0.1f)]
            """, s => s.Dropout(0.5f).Dense(7, Activation.Tanh).Dense(1).Loss(LossFunction.MeanSquaredError).Sgd(0.1f));

        yield return new("DropoutLast", 6, """
            [Dense(9)]
            [Dropout(0.25f)]
            [Loss(LossFunction.MeanSquaredError)]
            [Adam]
            """, s => s.Dense(9).Dropout(0.25f).Loss(LossFunction.MeanSquaredError).Adam());

        yield return new("DropoutZero", 5, """
            [Dense(6, Activation.ELU)]
            [Dropout(0f)]
            [Dense(2, Activation.Sigmoid)]
            [Loss(LossFunction.BinaryCrossEntropy)]
            [Adam]
            """, s => s.Dense(6, Activation.ELU).Dropout(0f).Dense(2, Activation.Sigmoid).Loss(LossFunction.BinaryCrossEntropy).Adam());

        yield return new("BatchNormMomentumSgd", 12, """
            [Dense(24)]
            [BatchNorm]
            [ActivationLayer(Activation.ReLU)]
            [Dense(3, Activation.Softmax)]
            [Loss(LossFunction.CrossEntropy)]
            [Sgd(LearningRate = 0.1f, Momentum = 0.9f)]
            """, s => s.Dense(24).BatchNorm().Activation(Activation.ReLU).Dense(3, Activation.Softmax).Loss(LossFunction.CrossEntropy).Sgd(0.1f, momentum: 0.9f));

        yield return new("BatchNormSettings", 9, """
            [Dense(17, Activation.Tanh)]
            [BatchNorm(Momentum = 0.3f, Epsilon = 1e-3f)]
            [Dense(2, Activation.Sigmoid)]
            [Loss(LossFunction.BinaryCrossEntropy)]
            [RmsProp(LearningRate = 0.005f, Momentum = 0.5f)]
            """, s => s.Dense(17, Activation.Tanh).BatchNorm(0.3f, 1e-3f).Dense(2, Activation.Sigmoid).Loss(LossFunction.BinaryCrossEntropy).RmsProp(0.005f, momentum: 0.5f));

        yield return new("BatchNormFirst", 6, """
            [BatchNorm]
            [Dense(4, Activation.Softmax)]
            [Loss(LossFunction.CrossEntropy)]
            [Adam]
            """, s => s.BatchNorm().Dense(4, Activation.Softmax).Loss(LossFunction.CrossEntropy).Adam());

        yield return new("BatchNormLast", 8, """
            [Dense(5, Activation.SiLU)]
            [BatchNorm(Momentum = 1f)]
            [Loss(LossFunction.MeanSquaredError)]
            [AdaGrad]
            """, s => s.Dense(5, Activation.SiLU).BatchNorm(momentum: 1f).Loss(LossFunction.MeanSquaredError).AdaGrad());

        yield return new("BatchNormDeep", 33, """
            [Dense(65)]
            [BatchNorm]
            [ActivationLayer(Activation.GELU)]
            [Dense(31)]
            [BatchNorm]
            [ActivationLayer(Activation.Tanh)]
            [Dense(5, Activation.Softmax)]
            [Loss(LossFunction.CrossEntropy)]
            [AdamW]
            """, s => s.Dense(65).BatchNorm().Activation(Activation.GELU).Dense(31).BatchNorm().Activation(Activation.Tanh).Dense(5, Activation.Softmax)
                .Loss(LossFunction.CrossEntropy).AdamW());

        yield return new("LayerNormAdamW", 20, """
            [Dense(33, Activation.GELU)]
            [LayerNorm]
            [Dense(5, Activation.Softmax)]
            [Loss(LossFunction.CrossEntropy)]
            [AdamW(LearningRate = 0.002f, Beta1 = 0.85f, Beta2 = 0.995f, Epsilon = 1e-7f, WeightDecay = 0.1f)]
            """, s => s.Dense(33, Activation.GELU).LayerNorm().Dense(5, Activation.Softmax).Loss(LossFunction.CrossEntropy).AdamW(0.002f, 0.85f, 0.995f, 1e-7f, 0.1f));

        yield return new("LayerNormFirstNesterov", 7, """
            [LayerNorm(Epsilon = 1e-3f)]
            [Dense(11, Activation.ReLU)]
            [Dense(3)]
            [Loss(LossFunction.MeanSquaredError)]
            [Sgd(LearningRate = 0.05f, Momentum = 0.8f, Nesterov = true)]
            """, s => s.LayerNorm(1e-3f).Dense(11, Activation.ReLU).Dense(3).Loss(LossFunction.MeanSquaredError).Sgd(0.05f, 0.8f, nesterov: true));

        yield return new("LayerNormLast", 13, """
            [Dense(19, Activation.Sigmoid)]
            [LayerNorm]
            [Loss(LossFunction.MeanSquaredError)]
            [RmsProp]
            """, s => s.Dense(19, Activation.Sigmoid).LayerNorm().Loss(LossFunction.MeanSquaredError).RmsProp());

        yield return new("MaxoutFirst", 11, """
            [Maxout(13, 3)]
            [Dense(2, Activation.Sigmoid)]
            [Loss(LossFunction.BinaryCrossEntropy)]
            [Adam]
            """, s => s.Maxout(13, 3).Dense(2, Activation.Sigmoid).Loss(LossFunction.BinaryCrossEntropy).Adam());

        yield return new("MaxoutDeep", 30, """
            [Dense(40, Activation.ReLU)]
            [Maxout(9, 2, Init = Init.HeNormal, BiasInit = Init.GlorotUniform)]
            [Maxout(5, 4)]
            [Loss(LossFunction.MeanSquaredError)]
            [RmsProp(LearningRate = 0.003f, Alpha = 0.9f, Epsilon = 1e-6f)]
            """, s => s.Dense(40, Activation.ReLU).Maxout(9, 2, Init.HeNormal, Init.GlorotUniform).Maxout(5, 4)
                .Loss(LossFunction.MeanSquaredError).RmsProp(0.003f, 0.9f, 1e-6f));

        yield return new("MaxoutWide", 65, """
            [Maxout(130, 3)]
            [Dense(7, Activation.Softmax)]
            [Loss(LossFunction.CrossEntropy)]
            [WeightDecay(1e-3f)]
            [AdaGrad(LearningRate = 0.05f, Epsilon = 1e-8f)]
            """, s => s.Maxout(130, 3).Dense(7, Activation.Softmax).Loss(LossFunction.CrossEntropy).WeightDecay(1e-3f).AdaGrad(0.05f, 1e-8f));

        yield return new("ActivationSoftmaxLast", 8, """
            [Dense(6)]
            [ActivationLayer(Activation.Softmax)]
            [Loss(LossFunction.CrossEntropy)]
            [Adam]
            """, s => s.Dense(6).Activation(Activation.Softmax).Loss(LossFunction.CrossEntropy).Adam());

        yield return new("ActivationSoftmaxMse", 4, """
            [Dense(10, Activation.Tanh)]
            [Dense(3)]
            [ActivationLayer(Activation.Softmax)]
            [Loss(LossFunction.MeanSquaredError)]
            [Sgd(LearningRate = 0.5f)]
            """, s => s.Dense(10, Activation.Tanh).Dense(3).Activation(Activation.Softmax).Loss(LossFunction.MeanSquaredError).Sgd(0.5f));

        yield return new("ActivationSigmoidLast", 5, """
            [Dense(3)]
            [ActivationLayer(Activation.Sigmoid)]
            [Loss(LossFunction.BinaryCrossEntropy)]
            [Sgd(LearningRate = 0.3f)]
            """, s => s.Dense(3).Activation(Activation.Sigmoid).Loss(LossFunction.BinaryCrossEntropy).Sgd(0.3f));

        yield return new("ActivationChain", 9, """
            [Dense(14)]
            [ActivationLayer(Activation.LeakyReLU, Alpha = 0.2f)]
            [Dense(10)]
            [ActivationLayer(Activation.ELU, Alpha = 0.5f)]
            [ActivationLayer(Activation.SiLU)]
            [Dense(12)]
            [ActivationLayer(Activation.Sigmoid)]
            [Dense(2)]
            [ActivationLayer(Activation.GELU)]
            [Loss(LossFunction.MeanSquaredError)]
            [Adam]
            """, s => s.Dense(14).Activation(Activation.LeakyReLU, 0.2f).Dense(10).Activation(Activation.ELU, 0.5f).Activation(Activation.SiLU)
                .Dense(12).Activation(Activation.Sigmoid).Dense(2).Activation(Activation.GELU).Loss(LossFunction.MeanSquaredError).Adam());

        yield return new("ActivationFirst", 6, """
            [ActivationLayer(Activation.Tanh)]
            [Dense(4, Activation.LeakyReLU, Alpha = 0.01f)]
            [ActivationLayer(Activation.ELU, Alpha = 1f)]
            [Dense(2)]
            [Loss(LossFunction.MeanSquaredError)]
            [Sgd(LearningRate = 0.1f, Momentum = 0.9f, Nesterov = true)]
            """, s => s.Activation(Activation.Tanh).Dense(4, Activation.LeakyReLU, alpha: 0.01f).Activation(Activation.ELU, 1f).Dense(2)
                .Loss(LossFunction.MeanSquaredError).Sgd(0.1f, 0.9f, nesterov: true));

        yield return new("WeightDecayMixed", 10, """
            [WeightDecay(1e-3f)]
            [Dense(16, Activation.ReLU)]
            [Dense(8, Activation.ReLU, L2 = 0f)]
            [Dense(3, Activation.Softmax, L2 = 0.01f)]
            [Loss(LossFunction.CrossEntropy)]
            [Sgd(LearningRate = 0.1f, Momentum = 0.5f)]
            """, s => s.WeightDecay(1e-3f).Dense(16, Activation.ReLU).Dense(8, Activation.ReLU, l2: 0f).Dense(3, Activation.Softmax, l2: 0.01f)
                .Loss(LossFunction.CrossEntropy).Sgd(0.1f, momentum: 0.5f));

        yield return new("PerLayerL2", 12, """
            [Dense(12, Activation.Tanh, L2 = 0.05f)]
            [Dense(1)]
            [Loss(LossFunction.MeanSquaredError)]
            [AdaGrad]
            """, s => s.Dense(12, Activation.Tanh, l2: 0.05f).Dense(1).Loss(LossFunction.MeanSquaredError).AdaGrad());

        yield return new("RmsPropMomentum", 15, """
            [Dense(21, Activation.SiLU)]
            [Dense(21, Activation.ELU, Alpha = 0.3f)]
            [Dense(4, Activation.Softmax)]
            [Loss(LossFunction.CrossEntropy)]
            [RmsProp(LearningRate = 0.001f, Alpha = 0.95f, Epsilon = 1e-7f, Momentum = 0.9f)]
            """, s => s.Dense(21, Activation.SiLU).Dense(21, Activation.ELU, alpha: 0.3f).Dense(4, Activation.Softmax)
                .Loss(LossFunction.CrossEntropy).RmsProp(0.001f, 0.95f, 1e-7f, 0.9f));
    }

    /// <summary>
    /// Seeded random architectures, rendered from one description into both forms: 1 to 5 layers of 1 to 300
    /// units with random activations, a loss that fits the last one, a random optimizer.
    /// </summary>
    private static IEnumerable<CorpusEntry> RandomArchitectures(int count, int seed)
    {
        Activation[] hidden = [Activation.Linear, Activation.Sigmoid, Activation.Tanh, Activation.ReLU, Activation.LeakyReLU, Activation.ELU, Activation.GELU, Activation.SiLU];
        var random = new SeededRandom(seed);
        for (int n = 0; n < count; n++)
        {
            int inputs = 1 + random.NextInt(300);
            int depth = 1 + random.NextInt(5);
            var layers = new List<(int Units, Activation Activation)>();
            for (int i = 0; i < depth - 1; i++) layers.Add((1 + random.NextInt(300), hidden[random.NextInt(hidden.Length)]));
            var loss = (LossFunction)random.NextInt(3);
            layers.Add(loss switch
            {
                LossFunction.CrossEntropy => (2 + random.NextInt(20), Activation.Softmax),
                LossFunction.BinaryCrossEntropy => (1 + random.NextInt(8), Activation.Sigmoid),
                _ => (1 + random.NextInt(8), random.NextInt(3) == 0 ? Activation.Softmax : hidden[random.NextInt(hidden.Length)]),
            });
            bool adam = random.NextInt(2) == 0;

            var text = new StringBuilder();
            foreach (var (units, activation) in layers) text.Append($"[Dense({units}, Activation.{activation})]\n");
            text.Append($"[Loss(LossFunction.{loss})]\n");
            text.Append(adam ? "[Adam]\n" : "[Sgd(LearningRate = 0.05f)]\n");
            yield return new($"Random{n + 1}", inputs, text.ToString(), s =>
            {
                foreach (var (units, activation) in layers) s = s.Dense(units, activation);
                s = s.Loss(loss);
                return adam ? s.Adam() : s.Sgd(0.05f);
            });
        }
    }
}
