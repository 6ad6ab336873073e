namespace CompiledNets.Export.Tests;

// One network per activation (hidden and output positions), a few depths and shapes; trained a few steps before export.

[Network(Inputs = 5, Seed = 11)]
[Dense(3)]
[Loss(LossFunction.MeanSquaredError)]
[Sgd(LearningRate = 0.05f)]
public partial class LinearNet;

[Network(Inputs = 4, Seed = 12)]
[Dense(6, Activation.Sigmoid)]
[Dense(2, Activation.Sigmoid)]
[Loss(LossFunction.BinaryCrossEntropy)]
[Adam(LearningRate = 0.01f)]
public partial class SigmoidNet;

[Network(Inputs = 7, Seed = 13)]
[Dense(16, Activation.Tanh)]
[Dense(8, Activation.Tanh)]
[Dense(3)]
[Loss(LossFunction.MeanSquaredError)]
[Adam(LearningRate = 0.01f)]
public partial class TanhNet;

[Network(Inputs = 10, Seed = 14)]
[Dense(32, Activation.ReLU)]
[Dense(32, Activation.ReLU)]
[Dense(4, Activation.Softmax)]
[Loss(LossFunction.CrossEntropy)]
[Adam(LearningRate = 0.01f)]
public partial class ReluNet;

[Network(Inputs = 6, Seed = 15)]
[Dense(12, Activation.LeakyReLU)]
[Dense(2)]
[Loss(LossFunction.MeanSquaredError)]
[Sgd(LearningRate = 0.05f)]
public partial class LeakyReluNet;

/// <summary>LeakyReLU with a custom slope (and a LeakyReLU output layer).</summary>
[Network(Inputs = 6, Seed = 16)]
[Dense(12, Activation.LeakyReLU, Alpha = 0.2f)]
[Dense(3, Activation.LeakyReLU, Alpha = 0.3f)]
[Loss(LossFunction.MeanSquaredError)]
[Sgd(LearningRate = 0.05f)]
public partial class LeakyReluAlphaNet;

[Network(Inputs = 5, Seed = 17)]
[Dense(9, Activation.ELU)]
[Dense(9, Activation.ELU)]
[Dense(2)]
[Loss(LossFunction.MeanSquaredError)]
[Adam(LearningRate = 0.01f)]
public partial class EluNet;

/// <summary>ELU with a custom saturation.</summary>
[Network(Inputs = 5, Seed = 18)]
[Dense(9, Activation.ELU, Alpha = 0.5f)]
[Dense(2)]
[Loss(LossFunction.MeanSquaredError)]
[Adam(LearningRate = 0.01f)]
public partial class EluAlphaNet;

[Network(Inputs = 8, Seed = 19)]
[Dense(20, Activation.GELU)]
[Dense(20, Activation.GELU)]
[Dense(1)]
[Loss(LossFunction.MeanSquaredError)]
[Adam(LearningRate = 0.01f)]
public partial class GeluNet;

[Network(Inputs = 3, Seed = 20)]
[Dense(17, Activation.SiLU)]
[Dense(5, Activation.SiLU)]
[Loss(LossFunction.MeanSquaredError)]
[Adam(LearningRate = 0.01f)]
public partial class SiluNet;

/// <summary>Softmax regression: a single softmax layer.</summary>
[Network(Inputs = 12, Seed = 21)]
[Dense(10, Activation.Softmax)]
[Loss(LossFunction.CrossEntropy)]
[Sgd(LearningRate = 0.1f)]
public partial class SoftmaxNet;

/// <summary>Five layers mixing activations.</summary>
[Network(Inputs = 13, Seed = 22)]
[Dense(64, Activation.ReLU)]
[Dense(33, Activation.GELU)]
[Dense(17, Activation.SiLU)]
[Dense(9, Activation.Tanh)]
[Dense(5, Activation.Softmax)]
[Loss(LossFunction.CrossEntropy)]
[Adam(LearningRate = 0.005f)]
public partial class DeepMixedNet;

/// <summary>Wide fan-in (an MNIST-like shape, smaller).</summary>
[Network(Inputs = 196, Seed = 23)]
[Dense(128, Activation.ReLU)]
[Dense(10, Activation.Softmax)]
[Loss(LossFunction.CrossEntropy)]
[Adam(LearningRate = 0.001f)]
public partial class WideNet;
