using CompiledNets;

// Consumer/ with one mistake in the declaration: a ReLU output under BinaryCrossEntropy (CN0009). The build must report
// that error alone: the generator emits the class's public shell, so the code below, which uses the class as a correct
// network would be used, compiles.
float[] inputs = [0, 0, 0, 1, 1, 0, 1, 1];
float[] targets = [0, 1, 1, 0];

var net = new XorNet(seed: 1);
var history = net.Fit(inputs, targets, epochs: 10, batchSize: 4, seed: 1, verbose: 0);
float[] output = net.Predict([1f, 0f]);
var scratch = new float[XorNet.OutputSize];
net.Predict(inputs.AsSpan(0, XorNet.InputSize), scratch);
int samples = inputs.Length / XorNet.InputSize;
net.Save("xor.safetensors");
Console.WriteLine($"{history.Loss[^1]} {output[0]} {scratch[0]} {samples} {XorNet.ParameterCount} {net.Summary}");

[Network(Inputs = 2)]
[Dense(8, Activation.ReLU)]
[Dense(1, Activation.ReLU)]
[Loss(LossFunction.BinaryCrossEntropy)]
[Sgd(LearningRate = 0.1f)]
public partial class XorNet;
