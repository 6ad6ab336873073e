// Small networks compiled by this project's build (the generator runs as an analyzer), for the callback,
// clipping and ensemble tests.
namespace CompiledNets.Runtime.Tests.Callbacks;

[Network(Inputs = 3)]
[Dense(2)]
[Loss(LossFunction.MeanSquaredError)]
[Sgd(LearningRate = 0.05f)]
public partial class CallbackLinearNet;

[Network(Inputs = 2)]
[Dense(16, Activation.ReLU)]
[Dense(3, Activation.Softmax)]
[Loss(LossFunction.CrossEntropy)]
[Adam(LearningRate = 0.01f)]
public partial class EnsembleBlobNet;

[Network(Inputs = 2)]
[Dense(4)]
[Loss(LossFunction.MeanSquaredError)]
[Sgd(LearningRate = 0.05f)]
public partial class EnsembleOtherShapeNet;

[Network(Inputs = 2)]
[Dense(64, Activation.ReLU)]
[Dense(3, Activation.Softmax)]
[Loss(LossFunction.CrossEntropy)]
[Adam(LearningRate = 0.01f)]
public partial class EnsembleWideNet;
