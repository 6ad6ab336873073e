using CompiledNets;

namespace EnsembleSample;

/// <summary>A small MNIST network, 784-128-10: one ReLU hidden layer, softmax, cross-entropy, Adam at 1e-3.</summary>
[Network(Inputs = 784)]
[Dense(128, Activation.ReLU)]
[Dense(10, Activation.Softmax)]
[Loss(LossFunction.CrossEntropy)]
[Adam(LearningRate = 1e-3f)]
public partial class MemberNet;
