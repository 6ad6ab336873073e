// Networks compiled by this project's real build, with the generator as an analyzer (as a user's project does).
namespace CompiledNets.Generator.Tests.Infrastructure;

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

// Small enough for the sample-lane kernels, with plain SGD: their TrainBatch takes the step inside the kernel.
[Network(Inputs = 3)]
[Dense(6, Activation.LeakyReLU, Alpha = 0.1f)]
[Dense(4, Activation.Sigmoid)]
[Dense(2, Activation.Sigmoid)]
[Loss(LossFunction.MeanSquaredError)]
[Sgd(LearningRate = 0.2f)]
public partial class LaneSgdRegression;

[Network(Inputs = 5)]
[Dense(7, Activation.ReLU)]
[Dense(3, Activation.Softmax)]
[Loss(LossFunction.CrossEntropy)]
[Sgd(LearningRate = 0.3f)]
public partial class LaneSgdClassifier;

// 322 parameters: past the 256 below which OptimizerSteps.Sgd steps four floats at a time.
[Network(Inputs = 2)]
[Dense(64, Activation.ReLU)]
[Dense(2, Activation.Softmax)]
[Loss(LossFunction.CrossEntropy)]
[Sgd(LearningRate = 0.1f)]
public partial class LaneSgdWide;
