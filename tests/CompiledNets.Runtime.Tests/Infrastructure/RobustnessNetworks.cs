// Networks compiled by this project's build (the generator runs as an analyzer) for the robustness tests.
namespace CompiledNets.Runtime.Tests.Infrastructure;

/// <summary>784-128-10 MNIST-shaped classifier: concurrency, NaN propagation, cancellation.</summary>
[Network(Inputs = 784, MaxBatchSize = 64)]
[Dense(128, Activation.ReLU)]
[Dense(10, Activation.Softmax)]
[Loss(LossFunction.CrossEntropy)]
[Adam(LearningRate = 1e-3f)]
public partial class RobustMnistNet;

/// <summary>
/// 784-336-10: at batch 64 the first layer's products exceed the 16 MFLOP parallel threshold, and its 267,130 parameters
/// the 262,144 from which the optimizer step is split too, so Threads splits both.
/// </summary>
[Network(Inputs = 784, MaxBatchSize = 64)]
[Dense(336, Activation.ReLU)]
[Dense(10, Activation.Softmax)]
[Loss(LossFunction.CrossEntropy)]
[Adam(LearningRate = 1e-3f)]
public partial class RobustWideNet;

/// <summary>A small regression network with a smooth activation (tanh) and momentum: training edge cases.</summary>
[Network(Inputs = 3, MaxBatchSize = 32)]
[Dense(8, Activation.Tanh)]
[Dense(2)]
[Loss(LossFunction.MeanSquaredError)]
[Sgd(LearningRate = 0.05f, Momentum = 0.9f)]
public partial class RobustSmallNet;

/// <summary>784-32-10: MNIST-shaped but light enough for 80,000 concurrent predictions in a Debug test run.</summary>
[Network(Inputs = 784, MaxBatchSize = 64)]
[Dense(32, Activation.ReLU)]
[Dense(10, Activation.Softmax)]
[Loss(LossFunction.CrossEntropy)]
[Adam(LearningRate = 1e-3f)]
public partial class RobustPredictNet;
