using CompiledNets;

namespace LogicGates;

/// <summary>
/// One Step neuron: y = step(w1·a + w2·b + bias), where step(z) = 1 when z ≥ 0, else 0.
/// Inference-only: Step has no useful derivative, so nothing is generated for back-propagation;
/// the weights are set by hand (or by the perceptron rule) through <c>Parameters</c>,
/// laid out as dense1.weight [1, 2] then dense1.bias [1].
/// </summary>
[Network(Inputs = 2, InferenceOnly = true)]
[Dense(1, Activation.Step)]
public partial class Perceptron;

/// <summary>
/// Two layers of Step neurons, 2-2-1: the hidden pair computes OR and NAND, the output neuron ANDs them,
/// which is XOR. Parameters: dense1.weight [2, 2], dense1.bias [2], dense2.weight [1, 2], dense2.bias [1].
/// </summary>
[Network(Inputs = 2, InferenceOnly = true)]
[Dense(2, Activation.Step)]
[Dense(1, Activation.Step)]
public partial class TwoLayerPerceptron;

/// <summary>
/// A trainable MLP for XOR: smooth activations give gradients, so back-propagation can find the hidden
/// features that the perceptron rule cannot. 2-4-1, tanh then sigmoid, binary cross-entropy,
/// SGD with momentum.
/// </summary>
[Network(Inputs = 2)]
[Dense(4, Activation.Tanh)]
[Dense(1, Activation.Sigmoid)]
[Loss(LossFunction.BinaryCrossEntropy)]
[Sgd(LearningRate = 0.5f, Momentum = 0.9f)]
public partial class XorMlp;
