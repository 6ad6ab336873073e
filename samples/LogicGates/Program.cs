using System.Diagnostics;
using System.Globalization;
using CompiledNets;
using LogicGates;

// The perceptron lesson, in four steps:
//   1. AND, OR and NAND as single Step neurons whose weights we choose by hand;
//   2. XOR, which no single neuron computes, composed from them as a two-layer network;
//   3. Rosenblatt's perceptron rule learning AND and OR from zero weights, and failing on XOR;
//   4. an MLP trained by back-propagation that learns XOR.
// The exit code is 0 only when every table is right, so the sample doubles as a check.

CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
Console.OutputEncoding = System.Text.Encoding.UTF8;

// The four rows of a two-input truth table, row-major [4, 2].
float[] inputs = { 0, 0, 0, 1, 1, 0, 1, 1 };
bool allCorrect = true;

Heading("Logic gates: the perceptron lesson", '=');
Console.WriteLine("A perceptron is one neuron with a Step activation:");
Console.WriteLine("  y = 1 when w1·a + w2·b + bias ≥ 0, else 0.");
Console.WriteLine("The line w1·a + w2·b + bias = 0 cuts the unit square in two; the neuron fires on one side.");
Console.WriteLine("Choosing a gate means choosing that line.");
var probe = new Perceptron();
Console.WriteLine($"Declared as: {probe.Architecture}");
Console.WriteLine($"Parameters:  {string.Join(", ", probe.Tensors.Select(t => $"{t.Name} {t.ShapeText}"))}  ({Perceptron.ParameterCount} floats, written by hand below)");

// ---------------------------------------------------------------------------------------------
Heading("1. Hand-set gates: AND, OR, NAND", '-');

// AND: both weights 1, so the weighted sum counts the inputs that are on (0, 1 or 2).
// The bias puts the threshold between 1 and 2: -1.5 means "fire only when the count reaches 2".
var and = Gate(1, 1, -1.5f);
allCorrect &= ShowGate("AND", and, (a, b) => a && b,
    "w = (1, 1) counts the inputs that are on; b = -1.5 puts the threshold between 1 and 2: fire only when both are on.");

// OR: the same count, with the threshold between 0 and 1: -0.5 means "fire when at least one is on".
var or = Gate(1, 1, -0.5f);
allCorrect &= ShowGate("OR", or, (a, b) => a || b,
    "w = (1, 1) counts the inputs that are on; b = -0.5 puts the threshold between 0 and 1: fire when at least one is on.");

// NAND: AND with every sign flipped (-(w·x + b)), so it fires exactly where AND does not. The sum is
// 1.5 minus the count: still ≥ 0 for counts 0 and 1, negative only when both inputs are on.
var nand = Gate(-1, -1, 1.5f);
allCorrect &= ShowGate("NAND", nand, (a, b) => !(a && b),
    "w = (-1, -1), b = 1.5 is AND negated: the sum 1.5 − count stays ≥ 0 unless both inputs are on.");

// ---------------------------------------------------------------------------------------------
Heading("2. XOR composed from gates", '-');
Console.WriteLine("XOR fires on (0,1) and (1,0) but not on (0,0) or (1,1): those two pairs sit on opposite");
Console.WriteLine("diagonals of the square, and no single line separates them, so no choice of w and b works.");
Console.WriteLine("Two layers do: XOR(a, b) = AND(OR(a, b), NAND(a, b))   (\"at least one\" and \"not both\").");
Console.WriteLine();
Console.WriteLine("   a  b | OR  NAND | AND(OR, NAND) | expected");
bool composedCorrect = true;
for (int row = 0; row < 4; row++)
{
    float a = inputs[row * 2], b = inputs[row * 2 + 1];
    float orOut = Run(or, a, b), nandOut = Run(nand, a, b);
    float xor = Run(and, orOut, nandOut);
    bool expected = (a == 1) ^ (b == 1);
    bool right = (xor == 1) == expected;
    composedCorrect &= right;
    Console.WriteLine($"   {a}  {b} |  {orOut}    {nandOut}  |       {xor}       |    {(expected ? 1 : 0)}  {Mark(right)}");
}
allCorrect &= composedCorrect;

// The same circuit as one generated network: the hidden layer is the OR and NAND neurons side by side,
// the output layer is the AND neuron. Copy each gate's weights into its row of the layer.
var xorNet = new TwoLayerPerceptron();
SetTensor(xorNet, "dense1.weight", or.Parameters[0], or.Parameters[1], nand.Parameters[0], nand.Parameters[1]);
SetTensor(xorNet, "dense1.bias", or.Parameters[2], nand.Parameters[2]);
SetTensor(xorNet, "dense2.weight", and.Parameters[0], and.Parameters[1]);
SetTensor(xorNet, "dense2.bias", and.Parameters[2]);
Console.WriteLine();
Console.WriteLine($"The same circuit as one generated network, {xorNet.Architecture}:");
Console.WriteLine("   dense1.weight = [[1, 1], [-1, -1]], dense1.bias = [-0.5, 1.5]   hidden neurons: OR, NAND");
Console.WriteLine("   dense2.weight = [[1, 1]],           dense2.bias = [-1.5]        output neuron:  AND");
allCorrect &= ShowTable("XOR", xorNet, (a, b) => a ^ b);

// ---------------------------------------------------------------------------------------------
Heading("3. The perceptron learning rule", '-');
Console.WriteLine("Rosenblatt (1958): show the neuron each row; when its output y misses the target t,");
Console.WriteLine("  w += lr·(t − y)·x     b += lr·(t − y)");
Console.WriteLine("i.e. add the input to the weights when the neuron should have fired, subtract it when it");
Console.WriteLine("should not have. Start from zero weights; lr = 1 (from zero, lr only scales every weight,");
Console.WriteLine("which never changes the sign of w·x + b, so whole numbers keep the trace readable).");
Console.WriteLine("One epoch = one pass over the four rows in order; stop after an epoch with no mistakes.");

const float PerceptronLearningRate = 1f;
const int PerceptronMaxEpochs = 100;
var learner = new Perceptron();
allCorrect &= LearnGate("AND", new float[] { 0, 0, 0, 1 }, (a, b) => a && b);
allCorrect &= LearnGate("OR", new float[] { 0, 1, 1, 1 }, (a, b) => a || b);

Console.WriteLine();
Console.WriteLine("XOR (targets 0 1 1 0):");
var xorTrace = PerceptronRule.Train(learner, inputs, new float[] { 0, 1, 1, 0 }, PerceptronLearningRate, PerceptronMaxEpochs);
foreach (var epoch in xorTrace.Take(6)) PrintEpoch(epoch);
Console.WriteLine("   ...");
PrintEpoch(xorTrace[^1]);
bool xorConverged = xorTrace[^1].Mistakes == 0;
Console.WriteLine(xorConverged
    ? "   converged (unexpected!)"
    : $"   no convergence: stopped at the cap of {PerceptronMaxEpochs} epochs, every epoch made {xorTrace.Min(e => e.Mistakes)}–{xorTrace.Max(e => e.Mistakes)} mistakes.");
// With lr = 1 the weights stay whole numbers, so a repeat is exact: once the end-of-epoch weights
// repeat, every later epoch repeats too, and the rule provably loops forever.
var seen = new Dictionary<(float, float, float), int>();
foreach (var epoch in xorTrace)
{
    if (seen.TryGetValue((epoch.W1, epoch.W2, epoch.Bias), out int first))
    {
        Console.WriteLine($"   The weights after epoch {epoch.Epoch} equal those after epoch {first}: the rule is in a cycle and");
        Console.WriteLine("   would repeat it forever (here each epoch's four corrections cancel out exactly).");
        Console.WriteLine("   No line separates XOR, so there is nothing for it to converge to.");
        break;
    }
    seen[(epoch.W1, epoch.W2, epoch.Bias)] = epoch.Epoch;
}
allCorrect &= !xorConverged;

// ---------------------------------------------------------------------------------------------
Heading("4. An MLP learns XOR", '-');
Console.WriteLine("The fix is the same hidden layer as in step 2, but learned: smooth activations (tanh, then a");
Console.WriteLine("sigmoid output) have derivatives, so back-propagation can tell every weight which way to move.");
var mlp = new XorMlp(seed: 1);
Console.WriteLine($"Declared as: {mlp.Architecture}  ({XorMlp.ParameterCount} parameters)");
float[] xorTargets = { 0, 1, 1, 0 };
// Train on the four rows (one full batch per epoch) until every row is classified correctly, and then
// on until every output is also confident: within 0.1 of its target, not just on the right side of 0.5.
const float Margin = 0.1f;
var stop = new StopWhenAllCorrect(inputs, xorTargets, Margin);
var clock = Stopwatch.StartNew();
var history = mlp.Fit(inputs, xorTargets, epochs: 1000, batchSize: 4, callbacks: new[] { stop }, seed: 1, verbose: 0);
clock.Stop();
Console.WriteLine($"Fit (SGD, full batch of the four rows): first 4/4 correct at epoch {stop.FirstAllCorrectEpoch}; " +
                  $"every output within {Margin} of its target after epoch {history.Epochs.Count}.");
Console.WriteLine($"Loss {history.Loss[0]:0.0000} -> {history.Loss[^1]:0.0000}, {clock.Elapsed.TotalMilliseconds:0} ms of training (JIT included).");
allCorrect &= stop.FirstAllCorrectEpoch > 0 && history.StoppedEarly;
Console.WriteLine();
Console.WriteLine("   a  b | output | class | expected");
bool mlpCorrect = true;
Span<float> probability = stackalloc float[1];
for (int row = 0; row < 4; row++)
{
    mlp.Predict(inputs.AsSpan(row * 2, 2), probability);
    int predicted = probability[0] >= 0.5f ? 1 : 0;
    bool right = predicted == (int)xorTargets[row];
    mlpCorrect &= right;
    Console.WriteLine($"   {inputs[row * 2]}  {inputs[row * 2 + 1]} | {probability[0]:0.000}  |   {predicted}   |    {xorTargets[row]}  {Mark(right)}");
}
allCorrect &= mlpCorrect;

Console.WriteLine();
Console.WriteLine(allCorrect ? "Every table is correct." : "SOME TABLE IS WRONG.");
return allCorrect ? 0 : 1;

// ---------------------------------------------------------------------------------------------

// A single Step neuron with hand-set weights: Parameters is [w1, w2, b] (dense1.weight [1, 2], then dense1.bias).
static Perceptron Gate(float w1, float w2, float bias)
{
    var gate = new Perceptron();
    gate.Parameters[0] = w1;
    gate.Parameters[1] = w2;
    gate.Parameters[2] = bias;
    return gate;
}

static float Run(INetwork network, float a, float b)
{
    ReadOnlySpan<float> x = stackalloc float[] { a, b };
    Span<float> y = stackalloc float[1];
    network.Predict(x, y);
    return y[0];
}

// Prints a gate's weights, why they work, and its truth table with the weighted sum w·x + b of each row.
bool ShowGate(string name, Perceptron gate, Func<bool, bool, bool> expected, string why)
{
    Console.WriteLine();
    Console.WriteLine($"{name}: w = ({gate.Parameters[0]}, {gate.Parameters[1]}), b = {gate.Parameters[2]}");
    Console.WriteLine($"   {why}");
    Console.WriteLine("   a  b | w·x + b | out | expected");
    bool correct = true;
    for (int row = 0; row < 4; row++)
    {
        float a = inputs[row * 2], b = inputs[row * 2 + 1];
        float sum = gate.Parameters[0] * a + gate.Parameters[1] * b + gate.Parameters[2];
        float output = Run(gate, a, b);
        bool want = expected(a == 1, b == 1);
        bool right = (output == 1) == want;
        correct &= right;
        Console.WriteLine($"   {a}  {b} | {sum,7:0.0} |  {output}  |    {(want ? 1 : 0)}  {Mark(right)}");
    }
    return correct;
}

// Prints a network's truth table.
bool ShowTable(string name, INetwork network, Func<bool, bool, bool> expected)
{
    Console.WriteLine($"   a  b | {name,-4}| expected");
    bool correct = true;
    for (int row = 0; row < 4; row++)
    {
        float a = inputs[row * 2], b = inputs[row * 2 + 1];
        float output = Run(network, a, b);
        bool want = expected(a == 1, b == 1);
        bool right = (output == 1) == want;
        correct &= right;
        Console.WriteLine($"   {a}  {b} |  {output}  |    {(want ? 1 : 0)}  {Mark(right)}");
    }
    return correct;
}

// Runs the perceptron rule on one gate, prints every epoch, the learned weights and their truth table.
bool LearnGate(string name, float[] targets, Func<bool, bool, bool> expected)
{
    Console.WriteLine();
    Console.WriteLine($"{name} (targets {string.Join(" ", targets)}):");
    var trace = PerceptronRule.Train(learner, inputs, targets, PerceptronLearningRate, PerceptronMaxEpochs);
    foreach (var epoch in trace) PrintEpoch(epoch);
    var last = trace[^1];
    bool converged = last.Mistakes == 0;
    Console.WriteLine(converged
        ? $"   converged: epoch {last.Epoch} made no mistake. Learned w = ({last.W1}, {last.W2}), b = {last.Bias}."
        : $"   did not converge in {PerceptronMaxEpochs} epochs.");
    if (converged)
        Console.WriteLine($"   (Not the hand-set line, but another that separates the same points: {LineText(last)}.)");
    return ShowTable(name, learner, expected) && converged;
}

static string LineText(EpochTrace e) => $"fires when {e.W1}·a + {e.W2}·b ≥ {-e.Bias}";

static void PrintEpoch(EpochTrace e) =>
    Console.WriteLine($"   epoch {e.Epoch,3}: {e.Mistakes} mistake{(e.Mistakes == 1 ? " " : "s")} -> w = ({e.W1}, {e.W2}), b = {e.Bias}");

static string Mark(bool right) => right ? "✓" : "✗";

static void Heading(string text, char rule)
{
    Console.WriteLine();
    Console.WriteLine(text);
    Console.WriteLine(new string(rule, text.Length));
}

// Writes values into the named parameter tensor (dense1.weight, dense1.bias, ...), checking its size.
static void SetTensor(INetwork network, string name, params float[] values)
{
    var tensor = network.Tensors.Single(t => t.Name == name && t.Storage == TensorStorage.Parameters);
    if (tensor.Length != values.Length)
        throw new ArgumentException($"{name} {tensor.ShapeText} holds {tensor.Length} values, not {values.Length}.");
    values.CopyTo(network.Parameters.Slice(tensor.Offset, tensor.Length));
}

/// <summary>
/// After each epoch, checks the rows with <c>Predict</c>: remembers the first epoch that classifies all of them
/// correctly (output on the target's side of 0.5) and stops <c>Fit</c> once every output is within
/// <paramref name="margin"/> of its target.
/// </summary>
sealed class StopWhenAllCorrect(float[] inputs, float[] targets, float margin) : Callback
{
    public int FirstAllCorrectEpoch { get; private set; }

    public override void OnEpochEnd(TrainingContext context, EpochMetrics metrics)
    {
        Span<float> output = stackalloc float[1];
        bool allCorrect = true, allConfident = true;
        for (int row = 0; row < targets.Length; row++)
        {
            context.Network.Predict(inputs.AsSpan(row * 2, 2), output);
            allCorrect &= (output[0] >= 0.5f) == (targets[row] >= 0.5f);
            allConfident &= MathF.Abs(output[0] - targets[row]) < margin;
        }
        if (allCorrect && FirstAllCorrectEpoch == 0) FirstAllCorrectEpoch = metrics.Epoch;
        if (allConfident)
        {
            context.StopTraining = true;
            context.StopReason = $"every output within {margin} of its target";
        }
    }
}
