using CompiledNets;

namespace MnistSample;

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

/// <summary>
/// The deployed twins of <see cref="SmallMnistNet"/> and <see cref="DeepMnistNet"/>: the same layers (so the trained
/// parameters copy over, or a checkpoint loads), predicting from a bfloat16 copy of the weights.
/// </summary>
[Network(Inputs = 784, InferenceOnly = true, InferenceWeights = WeightPrecision.BFloat16)]
[Dense(128, Activation.ReLU)]
[Dense(10, Activation.Softmax)]
[Loss(LossFunction.CrossEntropy)]
public partial class SmallMnistNetBFloat16;

/// <summary>The bfloat16-inference twin of <see cref="DeepMnistNet"/>.</summary>
[Network(Inputs = 784, InferenceOnly = true, InferenceWeights = WeightPrecision.BFloat16)]
[Dense(1024, Activation.ReLU)]
[Dense(512, Activation.ReLU)]
[Dense(256, Activation.ReLU)]
[Dense(10, Activation.Softmax)]
[Loss(LossFunction.CrossEntropy)]
public partial class DeepMnistNetBFloat16;

/// <summary>
/// Keras's <c>mnist_convnet</c> example: two 3×3 convolutions with 2×2 max pooling, dropout, softmax; 34,826 parameters.
/// </summary>
[Network(InputShape = new[] { 1, 28, 28 })]
[Conv2D(32, 3, Activation.ReLU)]
[MaxPool2D(2)]
[Conv2D(64, 3, Activation.ReLU)]
[MaxPool2D(2)]
[Flatten]
[Dropout(0.5f)]
[Dense(10, Activation.Softmax)]
[Loss(LossFunction.CrossEntropy)]
[Adam(LearningRate = 1e-3f)]
public partial class ConvMnistNet;

/// <summary>LeNet-5 (LeCun et al., 1998) with tanh units and average pooling; the first convolution pads to keep 28 × 28.</summary>
[Network(InputShape = new[] { 1, 28, 28 })]
[Conv2D(6, 5, Activation.Tanh, Padding = Padding.Same)]
[AvgPool2D(2)]
[Conv2D(16, 5, Activation.Tanh)]
[AvgPool2D(2)]
[Flatten]
[Dense(120, Activation.Tanh)]
[Dense(84, Activation.Tanh)]
[Dense(10, Activation.Softmax)]
[Loss(LossFunction.CrossEntropy)]
[Adam(LearningRate = 1e-3f)]
public partial class LeNet;

/// <summary>
/// A small residual convnet: after the stem, two 3×3 convolutions padded to keep 13 × 13 are added back to their input
/// (a ResNet basic block, <c>relu(x + conv(relu(conv(x))))</c>), then the <c>cnn</c>'s head; 53,322 parameters.
/// </summary>
[Network(InputShape = new[] { 1, 28, 28 })]
[Conv2D(32, 3, Activation.ReLU, Name = "stem")]
[MaxPool2D(2, Name = "pool1")]
[Conv2D(32, 3, Activation.ReLU, Padding = Padding.Same, Name = "block_a")]
[Conv2D(32, 3, Padding = Padding.Same, Name = "block_b")]
[Add("pool1", "block_b", Activation = Activation.ReLU, Name = "residual")]
[Conv2D(64, 3, Activation.ReLU, Name = "conv")]
[MaxPool2D(2, Name = "pool2")]
[Flatten]
[Dropout(0.5f)]
[Dense(10, Activation.Softmax, Name = "classifier")]
[Loss(LossFunction.CrossEntropy)]
[Adam(LearningRate = 1e-3f)]
public partial class ResidualMnistNet;
