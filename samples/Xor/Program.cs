using CompiledNets;
using Xor;

// The XOR truth table: the output is 1 when exactly one input is 1.
float[] inputs = { 0, 0, 0, 1, 1, 0, 1, 1 };
float[] targets = { 0, 1, 1, 0 };

Console.WriteLine("XOR, the classic lesson: a single neuron cannot learn it, one hidden layer can.");
Console.WriteLine();
Report("Logistic regression (2-1, sigmoid)", new SingleNeuron(seed: 1));
Report("MLP (2-8-1, ReLU then sigmoid)", new XorNet(seed: 1));

void Report(string title, INetwork network)
{
    var history = network.Fit(inputs, targets, epochs: 2000, batchSize: 4, seed: 1, verbose: 0);
    Console.WriteLine($"{title}: loss {history.Loss[0]:0.0000} -> {history.Loss[^1]:0.0000} after {history.Epochs.Count} epochs");
    Span<float> output = stackalloc float[1];
    int correct = 0;
    for (int i = 0; i < 4; i++)
    {
        network.Predict(inputs.AsSpan(i * 2, 2), output);
        bool right = (output[0] > 0.5f) == (targets[i] > 0.5f);
        if (right) correct++;
        Console.WriteLine($"  {inputs[i * 2]} xor {inputs[i * 2 + 1]} = {targets[i]}   predicted {output[0]:0.000} {(right ? "✓" : "✗")}");
    }
    Console.WriteLine($"  {correct}/4 correct");
    Console.WriteLine();
}
