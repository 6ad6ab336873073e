using CompiledNets;

namespace Xor;

/// <summary>Logistic regression: one sigmoid neuron. Its decision boundary is a line, and no line separates XOR.</summary>
[Network(Inputs = 2)]
[Dense(1, Activation.Sigmoid)]
[Loss(LossFunction.BinaryCrossEntropy)]
[Sgd(LearningRate = 0.5f)]
public partial class SingleNeuron;

/// <summary>A hidden layer of eight ReLU units bends the boundary: 2-8-1 learns XOR.</summary>
[Network(Inputs = 2)]
[Dense(8, Activation.ReLU)]
[Dense(1, Activation.Sigmoid)]
[Loss(LossFunction.BinaryCrossEntropy)]
[Sgd(LearningRate = 0.1f)]
public partial class XorNet;
