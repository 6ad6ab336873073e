using CompiledNets;

namespace CompiledNets.Benchmarks;

/// <summary>tiny: the XOR network, 2-8-1.</summary>
[Network(Inputs = 2)]
[Dense(8, Activation.ReLU)]
[Dense(1, Activation.Sigmoid)]
[Loss(LossFunction.BinaryCrossEntropy)]
[Sgd(LearningRate = 0.1f)]
public partial class TinyNet;

/// <summary>mini: 16-32-32-4.</summary>
[Network(Inputs = 16)]
[Dense(32, Activation.ReLU)]
[Dense(32, Activation.ReLU)]
[Dense(4, Activation.Softmax)]
[Loss(LossFunction.CrossEntropy)]
[Adam]
public partial class MiniNet;

/// <summary>small: the classic MNIST MLP, 784-128-10.</summary>
[Network(Inputs = 784)]
[Dense(128, Activation.ReLU)]
[Dense(10, Activation.Softmax)]
[Loss(LossFunction.CrossEntropy)]
[Adam]
public partial class SmallNet;

/// <summary>deep: 784-1024-512-256-10.</summary>
[Network(Inputs = 784)]
[Dense(1024, Activation.ReLU)]
[Dense(512, Activation.ReLU)]
[Dense(256, Activation.ReLU)]
[Dense(10, Activation.Softmax)]
[Loss(LossFunction.CrossEntropy)]
[Adam]
public partial class DeepNet;

/// <summary>deep-bf16: deep's layers predicting from bfloat16 weights (deep's trained or initial weights copied in).</summary>
[Network(Inputs = 784, InferenceOnly = true, InferenceWeights = WeightPrecision.BFloat16)]
[Dense(1024, Activation.ReLU)]
[Dense(512, Activation.ReLU)]
[Dense(256, Activation.ReLU)]
[Dense(10, Activation.Softmax)]
[Loss(LossFunction.CrossEntropy)]
public partial class DeepBFloat16Net;

/// <summary>cnn: Keras's mnist_convnet, 34,826 parameters.</summary>
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
public partial class CnnNet;

/// <summary>The benchmarked networks, each as the generated class and as the same <see cref="Sequential"/>.</summary>
public static class BenchNets
{
    public const int Seed = 42;

    /// <summary>The deep network's declaration, as the generator-cost benchmark compiles it.</summary>
    public const string DeepSource = """
        using CompiledNets;

        namespace Bench;

        [Network(Inputs = 784)]
        [Dense(1024, Activation.ReLU)]
        [Dense(512, Activation.ReLU)]
        [Dense(256, Activation.ReLU)]
        [Dense(10, Activation.Softmax)]
        [Loss(LossFunction.CrossEntropy)]
        [Adam]
        public partial class DeepNet;
        """;

    /// <summary>The network's summary: its layers, shapes and parameter counts (what <see cref="Flops"/> counts).</summary>
    public static NetworkSummary Summary(string name) => Generated(name, 1).Summary;

    /// <summary>The training batch each network is benchmarked at.</summary>
    public static int TrainBatch(string name) => name switch
    {
        "tiny" => 4,
        "mini" => 16,
        "small" => 32,
        "deep" => 128,
        "cnn" => 128,
        _ => throw new ArgumentOutOfRangeException(nameof(name), name, null),
    };

    /// <summary>The generated network, on <paramref name="threads"/> threads (1 by default: the interpreted engine uses one).</summary>
    public static INetwork Generated(string name, int maxBatchSize, int threads = 1) => name switch
    {
        "tiny" => new TinyNet(Seed, maxBatchSize) { Threads = threads },
        "mini" => new MiniNet(Seed, maxBatchSize) { Threads = threads },
        "small" => new SmallNet(Seed, maxBatchSize) { Threads = threads },
        "deep" => new DeepNet(Seed, maxBatchSize) { Threads = threads },
        "cnn" => new CnnNet(Seed, maxBatchSize) { Threads = threads },
        "deep-bf16" => WithWeightsOf(new DeepNet(Seed, maxBatchSize), new DeepBFloat16Net(Seed, maxBatchSize) { Threads = threads }),
        _ => throw new ArgumentOutOfRangeException(nameof(name), name, null),
    };

    /// <summary><paramref name="target"/> holding <paramref name="source"/>'s parameters.</summary>
    private static INetwork WithWeightsOf(INetwork source, INetwork target)
    {
        source.Parameters.CopyTo(target.Parameters);
        return target;
    }

    public static INetwork Interpreted(string name, int maxBatchSize)
    {
        var net = name switch
        {
            "tiny" => new Sequential(2).Dense(8, Activation.ReLU).Dense(1, Activation.Sigmoid).Loss(LossFunction.BinaryCrossEntropy).Sgd(0.1f),
            "mini" => new Sequential(16).Dense(32, Activation.ReLU).Dense(32, Activation.ReLU).Dense(4, Activation.Softmax).Loss(LossFunction.CrossEntropy).Adam(),
            "small" => new Sequential(784).Dense(128, Activation.ReLU).Dense(10, Activation.Softmax).Loss(LossFunction.CrossEntropy).Adam(),
            "deep" => new Sequential(784).Dense(1024, Activation.ReLU).Dense(512, Activation.ReLU).Dense(256, Activation.ReLU).Dense(10, Activation.Softmax)
                .Loss(LossFunction.CrossEntropy).Adam(),
            "cnn" => new Sequential(1, 28, 28).Conv2D(32, 3, Activation.ReLU).MaxPool2D(2).Conv2D(64, 3, Activation.ReLU).MaxPool2D(2).Flatten()
                .Dropout(0.5f).Dense(10, Activation.Softmax).Loss(LossFunction.CrossEntropy).Adam(1e-3f),
            _ => throw new ArgumentOutOfRangeException(nameof(name), name, null),
        };
        return net.Build(Seed, maxBatchSize);
    }

    /// <summary>Inputs in [0, 1) and one-hot (or 0/1) targets for <paramref name="batch"/> samples.</summary>
    public static (float[] Inputs, float[] Targets) Data(INetwork network, int batch)
    {
        var random = new Kernels.SeededRandom(7);
        var inputs = new float[batch * network.InputSize];
        for (int i = 0; i < inputs.Length; i++) inputs[i] = random.NextFloat();
        var targets = new float[batch * network.OutputSize];
        for (int r = 0; r < batch; r++)
        {
            if (network.OutputSize == 1) targets[r] = random.NextInt(2);
            else targets[r * network.OutputSize + random.NextInt(network.OutputSize)] = 1f;
        }
        return (inputs, targets);
    }
}
