using CompiledNets;

namespace SweepSample;

/// <summary>784-128-10: one hidden ReLU layer, softmax over the ten digits, cross-entropy, Adam at 1e-3.</summary>
[Network(Inputs = 784)]
[Dense(128, Activation.ReLU)]
[Dense(10, Activation.Softmax)]
[Loss(LossFunction.CrossEntropy)]
[Adam(LearningRate = 1e-3f)]
public partial class SmallMnistNet;

/// <summary>784-1024-512-256-10: three hidden ReLU layers, the same recipe.</summary>
[Network(Inputs = 784)]
[Dense(1024, Activation.ReLU)]
[Dense(512, Activation.ReLU)]
[Dense(256, Activation.ReLU)]
[Dense(10, Activation.Softmax)]
[Loss(LossFunction.CrossEntropy)]
[Adam(LearningRate = 1e-3f)]
public partial class DeepMnistNet;
