using CompiledNets;

namespace CompiledNets.Cluster.Tests;

/// <summary>4-16-3: small enough that a trial of a few epochs takes milliseconds.</summary>
[Network(Inputs = 4)]
[Dense(16, Activation.ReLU)]
[Dense(3, Activation.Softmax)]
[Loss(LossFunction.CrossEntropy)]
[Adam(LearningRate = 1e-2f)]
public partial class TinyNet;

/// <summary>The same shape with plain SGD (data-parallel equivalence does not depend on the optimizer; both are tested).</summary>
[Network(Inputs = 4)]
[Dense(16, Activation.Tanh)]
[Dense(3, Activation.Softmax)]
[Loss(LossFunction.CrossEntropy)]
[Sgd(LearningRate = 0.1f)]
public partial class TinySgdNet;
