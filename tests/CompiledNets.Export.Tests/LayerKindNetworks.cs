namespace CompiledNets.Export.Tests;

// Networks using the layer kinds beyond Dense: BatchNorm, LayerNorm, Maxout, standalone activations, Dropout.

/// <summary>Every layer kind in one network (the example of the ONNX docs).</summary>
[Network(Inputs = 10, Seed = 31)]
[Dense(32)]
[BatchNorm]
[ActivationLayer(Activation.ReLU)]
[Dropout(0.2f)]
[Maxout(8, 3)]
[LayerNorm]
[Dense(4, Activation.Softmax)]
[Loss(LossFunction.CrossEntropy)]
[Adam(LearningRate = 0.01f)]
public partial class AllKindsNet;

/// <summary>BatchNorm between a linear Dense layer and a Tanh, with a faster-moving running average.</summary>
[Network(Inputs = 7, Seed = 32)]
[Dense(16)]
[BatchNorm(Momentum = 0.2f)]
[ActivationLayer(Activation.Tanh)]
[Dense(3)]
[Loss(LossFunction.MeanSquaredError)]
[Adam(LearningRate = 0.01f)]
public partial class BatchNormNet;

/// <summary>BatchNorm straight on the inputs and as the last layer.</summary>
[Network(Inputs = 6, Seed = 33)]
[BatchNorm]
[Dense(9, Activation.ReLU)]
[Dense(4)]
[BatchNorm]
[Loss(LossFunction.MeanSquaredError)]
[Sgd(LearningRate = 0.05f)]
public partial class BatchNormEndsNet;

/// <summary>LayerNorm after a GELU layer and as the last layer.</summary>
[Network(Inputs = 8, Seed = 34)]
[Dense(12, Activation.GELU)]
[LayerNorm]
[Dense(5)]
[LayerNorm]
[Loss(LossFunction.MeanSquaredError)]
[Adam(LearningRate = 0.01f)]
public partial class LayerNormNet;

/// <summary>Two maxout layers, the second the output.</summary>
[Network(Inputs = 9, Seed = 35)]
[Maxout(6, 4)]
[Maxout(3, 2)]
[Loss(LossFunction.MeanSquaredError)]
[Adam(LearningRate = 0.01f)]
public partial class MaxoutNet;

/// <summary>Standalone activations with custom alphas, and a standalone softmax as the output.</summary>
[Network(Inputs = 5, Seed = 36)]
[Dense(10)]
[ActivationLayer(Activation.LeakyReLU, Alpha = 0.2f)]
[Dense(10)]
[ActivationLayer(Activation.ELU, Alpha = 0.5f)]
[Dense(8)]
[ActivationLayer(Activation.SiLU)]
[Dense(3)]
[ActivationLayer(Activation.Softmax)]
[Loss(LossFunction.CrossEntropy)]
[Adam(LearningRate = 0.01f)]
public partial class ActivationLayersNet;

/// <summary>Dropout between Dense layers (identity at inference).</summary>
[Network(Inputs = 6, Seed = 37)]
[Dense(16, Activation.ReLU)]
[Dropout(0.5f)]
[Dense(2)]
[Loss(LossFunction.MeanSquaredError)]
[Sgd(LearningRate = 0.05f)]
public partial class DropoutNet;

/// <summary>BatchNorm declared with a non-default epsilon (the summary does not state it).</summary>
[Network(Inputs = 6, Seed = 38)]
[Dense(8)]
[BatchNorm(Epsilon = 1e-3f)]
[Dense(2)]
[Loss(LossFunction.MeanSquaredError)]
[Sgd(LearningRate = 0.05f)]
public partial class BatchNormEpsilonNet;

/// <summary>LayerNorm declared with a non-default epsilon (the summary does not state it).</summary>
[Network(Inputs = 6, Seed = 39)]
[Dense(8)]
[LayerNorm(Epsilon = 1e-2f)]
[Dense(2)]
[Loss(LossFunction.MeanSquaredError)]
[Sgd(LearningRate = 0.05f)]
public partial class LayerNormEpsilonNet;
