namespace CompiledNets.Runtime.Tests.Checkpoints;

/// <summary>4-8-3 classifier trained with Adam: parameters and optimizer moments in the checkpoint.</summary>
[Network(Inputs = 4, MaxBatchSize = 16)]
[Dense(8, Activation.ReLU)]
[Dense(3, Activation.Softmax)]
[Loss(LossFunction.CrossEntropy)]
[Adam(LearningRate = 0.01f)]
public partial class CheckpointAdamNet;

/// <summary>2-8-1 binary classifier trained with plain SGD: no optimizer state.</summary>
[Network(Inputs = 2, MaxBatchSize = 16)]
[Dense(8, Activation.ReLU)]
[Dense(1, Activation.Sigmoid)]
[Loss(LossFunction.BinaryCrossEntropy)]
[Sgd(LearningRate = 0.1f)]
public partial class CheckpointSgdNet;

/// <summary>Same inputs and outputs as <see cref="CheckpointAdamNet"/>, wider hidden layer: another architecture.</summary>
[Network(Inputs = 4, MaxBatchSize = 16)]
[Dense(16, Activation.ReLU)]
[Dense(3, Activation.Softmax)]
[Loss(LossFunction.CrossEntropy)]
[Adam(LearningRate = 0.01f)]
public partial class CheckpointWideNet;

/// <summary>The layers of <see cref="CheckpointAdamNet"/> declared for deployment: no optimizer, no loss.</summary>
[Network(Inputs = 4, MaxBatchSize = 16, InferenceOnly = true)]
[Dense(8, Activation.ReLU)]
[Dense(3, Activation.Softmax)]
public partial class CheckpointAdamNetDeployed;

/// <summary>The layers of <see cref="CheckpointAdamNet"/> with plain SGD (no optimizer state).</summary>
[Network(Inputs = 4, MaxBatchSize = 16)]
[Dense(8, Activation.ReLU)]
[Dense(3, Activation.Softmax)]
[Loss(LossFunction.CrossEntropy)]
[Sgd(LearningRate = 0.05f)]
public partial class CheckpointAdamNetSgdTwin;

/// <summary>The layers of <see cref="CheckpointAdamNet"/> with SGD and momentum (a momentum buffer as its state).</summary>
[Network(Inputs = 4, MaxBatchSize = 16)]
[Dense(8, Activation.ReLU)]
[Dense(3, Activation.Softmax)]
[Loss(LossFunction.CrossEntropy)]
[Sgd(LearningRate = 0.05f, Momentum = 0.9f)]
public partial class CheckpointAdamNetMomentumTwin;
