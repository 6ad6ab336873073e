using CompiledNets;

namespace SignLanguageSample;

/// <summary>
/// The lecture notes' Functional model: Input(784), Dense(1024, relu), Dense(512, relu), Dense(256, relu),
/// Dense(24, softmax), trained with Adam at 1e-3 on categorical cross-entropy. Named layers give the checkpoint
/// tensors the notes' names (<c>hidden1.weight</c>, ..., <c>letters.bias</c>).
/// </summary>
[Network]
[Input("pixels", 784)]
[Dense(1024, Activation.ReLU, Name = "hidden1")]
[Dense(512, Activation.ReLU, Name = "hidden2")]
[Dense(256, Activation.ReLU, Name = "hidden3")]
[Dense(24, Activation.Softmax, Name = "letters")]
[Loss(LossFunction.CrossEntropy)]
[Adam(LearningRate = 1e-3f)]
public partial class SignLanguageNet;
