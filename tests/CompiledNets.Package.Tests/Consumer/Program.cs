using CompiledNets;

// Trains XOR with a network compiled by the generator from the CompiledNets package.
float[] inputs = [0, 0, 0, 1, 1, 0, 1, 1];
float[] targets = [0, 1, 1, 0];

var net = new XorNet(seed: 1);
var history = net.Fit(inputs, targets, epochs: 2000, batchSize: 4, seed: 1, verbose: 0);
Span<float> output = stackalloc float[1];
int correct = 0;
for (int i = 0; i < 4; i++)
{
    net.Predict(inputs.AsSpan(i * 2, 2), output);
    if ((output[0] > 0.5f) == (targets[i] > 0.5f)) correct++;
}
Console.WriteLine($"parameters: {XorNet.ParameterCount}");
Console.WriteLine($"loss: {history.Loss[0]:0.0000} -> {history.Loss[^1]:0.0000}");
Console.WriteLine($"attributes from: {Path.GetFileName(typeof(NetworkAttribute).Assembly.Location)}");
Console.WriteLine($"xor: {correct}/4 correct");
return correct == 4 ? 0 : 1;

[Network(Inputs = 2)]
[Dense(8, Activation.ReLU)]
[Dense(1, Activation.Sigmoid)]
[Loss(LossFunction.BinaryCrossEntropy)]
[Sgd(LearningRate = 0.1f)]
public partial class XorNet;
