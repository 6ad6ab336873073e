namespace CompiledNets.Generator.Tests.Infrastructure;

/// <summary>Network declarations used as generator input across tests.</summary>
internal static class Declarations
{
    public const string Xor = """
        using CompiledNets;

        namespace Demo;

        [Network(Inputs = 2)]
        [Dense(8, Activation.ReLU)]
        [Dense(1, Activation.Sigmoid)]
        [Loss(LossFunction.BinaryCrossEntropy)]
        [Sgd(LearningRate = 0.1f)]
        public partial class XorNet;
        """;

    public const string Mnist = """
        using CompiledNets;

        namespace Demo.Vision;

        [Network(Inputs = 784)]
        [Dense(128, Activation.ReLU)]
        [Dense(10, Activation.Softmax)]
        [Loss(LossFunction.CrossEntropy)]
        [Adam(LearningRate = 1e-3f)]
        public partial class MnistNet;
        """;

    /// <summary><see cref="Mnist"/> predicting from bfloat16 weights.</summary>
    public const string MnistBFloat16 = """
        using CompiledNets;

        namespace Demo.Vision;

        [Network(Inputs = 784, InferenceWeights = WeightPrecision.BFloat16)]
        [Dense(128, Activation.ReLU)]
        [Dense(10, Activation.Softmax)]
        [Loss(LossFunction.CrossEntropy)]
        [Adam(LearningRate = 1e-3f)]
        public partial class MnistNet;
        """;

    /// <summary>784-336-10 with Adam: 267,130 parameters, enough for the optimizer step to be split across cores.</summary>
    public const string WideAdam = """
        using CompiledNets;

        namespace Demo;

        [Network(Inputs = 784)]
        [Dense(336, Activation.ReLU)]
        [Dense(10, Activation.Softmax)]
        [Loss(LossFunction.CrossEntropy)]
        [Adam]
        public partial class WideAdamNet;
        """;

    public const string TanhRegression = """
        using CompiledNets;

        [Network(Inputs = 3, Seed = 42, MaxBatchSize = 64)]
        [Dense(17, Activation.Tanh)]
        [Dense(9, Activation.Tanh)]
        [Dense(1)]
        [Loss(LossFunction.MeanSquaredError)]
        [Sgd(LearningRate = 0.05f)]
        public partial class TanhRegression;
        """;

    public const string Toolkit = """
        using CompiledNets;

        namespace Demo;

        [Network(Inputs = 20, Seed = 7)]
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
        public partial class ToolkitNet;
        """;

    /// <summary>Keras's mnist_convnet: the convolution, pooling, flatten and dropout kinds on one network.</summary>
    public const string ConvNet = """
        using CompiledNets;

        namespace Demo.Vision;

        [Network(InputShape = new[] { 1, 28, 28 })]
        [Conv2D(32, 3, Activation.ReLU)]
        [MaxPool2D(2)]
        [Conv2D(64, 3, Activation.ReLU)]
        [MaxPool2D(2)]
        [Flatten]
        [Dropout(0.5f)]
        [Dense(10, Activation.Softmax)]
        [Loss(LossFunction.CrossEntropy)]
        [Adam(LearningRate = 1e-3f)]
        public partial class ConvNet;
        """;

    /// <summary>The graph of the Functional API's example: a residual block, a branch from an earlier layer, a concatenation.</summary>
    public const string ResidualNet = """
        using CompiledNets;

        namespace Demo.Graphs;

        [Network(Inputs = 784)]
        [Dense(256, Activation.ReLU, Name = "h1")]
        [Dense(256, Activation.ReLU, Name = "h2")]
        [Dense(256, Name = "h3")]
        [Add("h1", "h3", Name = "res", Activation = Activation.ReLU)]
        [Dense(64, Activation.ReLU, Name = "side", From = "h1")]
        [Concat("res", "side")]
        [Dense(10, Activation.Softmax)]
        [Loss(LossFunction.CrossEntropy)]
        [Adam]
        public partial class ResidualNet;
        """;

    /// <summary>Two inputs, one read by a layer of its own, joined before the output.</summary>
    public const string TwoInputNet = """
        using CompiledNets;

        namespace Demo.Graphs;

        [Network]
        [Input("image", 784)]
        [Input("meta", 4)]
        [Dense(128, Activation.ReLU, Name = "pixels")]
        [Dense(16, Activation.ReLU, Name = "facts", From = "meta")]
        [Concat("pixels", "facts")]
        [Dense(1, Activation.Sigmoid)]
        [Loss(LossFunction.BinaryCrossEntropy)]
        [Adam]
        public partial class TwoInputNet;
        """;
}
