// Networks compiled by this project's real build, with the generator as an analyzer (as a user's project does).
namespace CompiledNets.Generator.Tests;

[Network(Inputs = 2)]
[Dense(8, Activation.ReLU)]
[Dense(1, Activation.Sigmoid)]
[Loss(LossFunction.BinaryCrossEntropy)]
[Sgd(LearningRate = 0.1f)]
public partial class XorNet;

[Network(Inputs = 2)]
[Dense(1, Activation.Sigmoid)]
[Loss(LossFunction.BinaryCrossEntropy)]
[Sgd(LearningRate = 0.5f)]
public partial class SingleNeuron;

[Network(Inputs = 3)]
[Dense(2)]
[Loss(LossFunction.MeanSquaredError)]
[Sgd(LearningRate = 0.1f)]
public partial class LinearSgd;

[Network(Inputs = 3)]
[Dense(2)]
[Loss(LossFunction.MeanSquaredError)]
[Adam(LearningRate = 0.01f, Beta1 = 0.8f, Beta2 = 0.99f, Epsilon = 1e-6f)]
public partial class LinearAdam;
