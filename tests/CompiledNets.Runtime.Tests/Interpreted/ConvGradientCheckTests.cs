namespace CompiledNets.Runtime.Tests.Interpreted;

/// <summary>
/// The interpreted engine's ComputeGradients on convolutional networks against central finite differences of the
/// independent double-precision <see cref="ConvReference"/>: every new layer, strides 1 and 2, both paddings, odd and
/// even sizes, rectangular kernels and inputs, several channels, BatchNorm and LayerNorm on images.
/// Tolerance |g − fd| ≤ 1e-3 · max(|fd|, 1e-3), as for the Dense networks: the differences are exact to ~1e-9 in double,
/// so what remains is the engine's float rounding, while a wrong derivative is off by O(1).
/// </summary>
public class ConvGradientCheckTests
{
    private const double Tolerance = 1e-3;

    internal sealed record Case(string Name, int[] Input, Func<Sequential, Sequential> Build, LossFunction Loss, RefLayer[] Reference, int Batch = 3);

    private static readonly Case[] All =
    [
        new("Valid 3x3 stride 1, odd non-square input, two channels, Tanh", [2, 7, 5],
            n => n.Conv2D(3, 3, Activation.Tanh).Flatten().Dense(3, Activation.Softmax), LossFunction.CrossEntropy,
            [new RefConv(3, 3, 3, Activation.Tanh), new RefFlatten(), new RefDense(3, Activation.Softmax)]),
        new("Same stride 2 rectangular 3x2, then Valid stride 2 even 2x2", [2, 8, 6],
            n => n.Conv2D(4, 0, Activation.ReLU, stride: 2, padding: Padding.Same, kernelHeight: 3, kernelWidth: 2)
                  .Conv2D(3, 2, Activation.Linear, stride: 2).Flatten().Dense(2), LossFunction.MeanSquaredError,
            [new RefConv(4, 3, 2, Activation.ReLU, 2, Padding.Same), new RefConv(3, 2, 2, Activation.Linear, 2), new RefFlatten(), new RefDense(2, Activation.Linear)]),
        new("Same stride 2 on odd input, 2x3 kernel (padding split 0/1 and 1/1)", [1, 7, 9],
            n => n.Conv2D(2, 2, Activation.Sigmoid, stride: 2, padding: Padding.Same, kernelWidth: 3).Flatten().Dense(2, Activation.Sigmoid), LossFunction.BinaryCrossEntropy,
            [new RefConv(2, 2, 3, Activation.Sigmoid, 2, Padding.Same), new RefFlatten(), new RefDense(2, Activation.Sigmoid)]),
        new("Same even 4x4 kernel (padding 1 before, 2 after), MaxPool 2, MaxPool 3 stride 2 same", [1, 9, 8],
            n => n.Conv2D(2, 4, Activation.Sigmoid, padding: Padding.Same).MaxPool2D(2).Conv2D(3, 3, Activation.ELU, padding: Padding.Same, alpha: 0.5f)
                  .MaxPool2D(3, stride: 2, padding: Padding.Same).Flatten().Dense(3, Activation.Softmax), LossFunction.CrossEntropy,
            [new RefConv(2, 4, 4, Activation.Sigmoid, 1, Padding.Same), new RefMaxPool(2, 2), new RefConv(3, 3, 3, Activation.ELU, 1, Padding.Same, 0.5),
             new RefMaxPool(3, 2, Padding.Same), new RefFlatten(), new RefDense(3, Activation.Softmax)]),
        new("Overlapping MaxPool 3 stride 2 valid on odd input, stride-2 conv", [3, 9, 9],
            n => n.Conv2D(2, 3, Activation.LeakyReLU, stride: 1, alpha: 0.2f).MaxPool2D(3, stride: 2).Flatten().Dense(2), LossFunction.MeanSquaredError,
            [new RefConv(2, 3, 3, Activation.LeakyReLU, 1, Padding.Valid, 0.2), new RefMaxPool(3, 2), new RefFlatten(), new RefDense(2, Activation.Linear)]),
        new("AvgPool 2 same on odd input (edge windows average fewer cells), AvgPool 3 stride 1 same, GlobalAvgPool", [2, 7, 7],
            n => n.Conv2D(3, 3, Activation.Tanh, padding: Padding.Same).AvgPool2D(2, padding: Padding.Same).AvgPool2D(3, stride: 1, padding: Padding.Same)
                  .GlobalAvgPool2D().Dense(3, Activation.Softmax), LossFunction.CrossEntropy,
            [new RefConv(3, 3, 3, Activation.Tanh, 1, Padding.Same), new RefAvgPool(2, 2, Padding.Same), new RefAvgPool(3, 1, Padding.Same),
             new RefGlobalAvgPool(), new RefDense(3, Activation.Softmax)]),
        new("AvgPool 3 stride 2 valid, stride larger than the kernel", [1, 11, 10],
            n => n.Conv2D(2, 2, Activation.SiLU, stride: 3).AvgPool2D(3, stride: 2, padding: Padding.Valid).Flatten().Dense(2), LossFunction.MeanSquaredError,
            [new RefConv(2, 2, 2, Activation.SiLU, 3), new RefAvgPool(3, 2), new RefFlatten(), new RefDense(2, Activation.Linear)]),
        new("BatchNorm on images (per channel over batch x H x W), then ReLU and pooling", [2, 6, 5],
            n => n.Conv2D(3, 3, padding: Padding.Same).BatchNorm().Activation(Activation.ReLU).MaxPool2D(2).Flatten().Dense(3, Activation.Softmax), LossFunction.CrossEntropy,
            [new RefConv(3, 3, 3, Activation.Linear, 1, Padding.Same), new RefBatchNorm(), new RefActivation(Activation.ReLU), new RefMaxPool(2, 2),
             new RefFlatten(), new RefDense(3, Activation.Softmax)], Batch: 4),
        new("LayerNorm on images (over C x H x W), GELU, and BatchNorm on the flat output", [2, 5, 6],
            n => n.Conv2D(2, 2, Activation.Linear).LayerNorm(epsilon: 1e-3f).Activation(Activation.GELU).Flatten().Dense(4).BatchNorm().Dense(2), LossFunction.MeanSquaredError,
            [new RefConv(2, 2, 2, Activation.Linear), new RefLayerNorm(1e-3), new RefActivation(Activation.GELU), new RefFlatten(), new RefDense(4, Activation.Linear),
             new RefBatchNorm(), new RefDense(2, Activation.Linear)], Batch: 4),
        new("A pool before the first convolution, GELU as the image-shaped output", [2, 6, 6],
            n => n.AvgPool2D(2, stride: 1).Conv2D(2, 3, Activation.GELU, stride: 2, padding: Padding.Same), LossFunction.MeanSquaredError,
            [new RefAvgPool(2, 1), new RefConv(2, 3, 3, Activation.GELU, 2, Padding.Same)]),
        new("Softmax over a whole image-shaped output", [1, 5, 4],
            n => n.Conv2D(2, 3, Activation.Softmax, padding: Padding.Same), LossFunction.CrossEntropy,
            [new RefConv(2, 3, 3, Activation.Softmax, 1, Padding.Same)]),
        new("L2 on a convolution and weight decay on another, batch of one", [1, 6, 6],
            n => n.WeightDecay(1e-2f).Conv2D(2, 3, Activation.Tanh, l2: 0.05f).Conv2D(2, 2, Activation.ReLU, init: Init.HeNormal, biasInit: Init.GlorotUniform).Flatten().Dense(2), LossFunction.MeanSquaredError,
            [new RefConv(2, 3, 3, Activation.Tanh, L2: 0.05), new RefConv(2, 2, 2, Activation.ReLU, L2: 1e-2), new RefFlatten(), new RefDense(2, Activation.Linear, L2: 1e-2)], Batch: 1),
    ];

    public static TheoryData<string> Cases => new(All.Select(c => c.Name));

    [Theory]
    [MemberData(nameof(Cases))]
    public void Gradients_match_central_finite_differences(string name)
    {
        var test = All.Single(c => c.Name == name);
        var network = test.Build(new Sequential(test.Input[0], test.Input[1], test.Input[2])).Loss(test.Loss).Sgd().Build(seed: 5, maxBatchSize: 8);
        var reference = new ConvReference(test.Input[0], test.Input[1], test.Input[2], test.Loss, test.Reference);
        var random = new Random(17);
        var inputs = Enumerable.Range(0, test.Batch * network.InputSize).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
        var targets = Targets(test.Loss, test.Batch, network.OutputSize, random);
        AssertGradientsMatch(network, reference, inputs, targets, test.Batch);
    }

    /// <summary>Runs ComputeGradients and compares the loss and every gradient with the reference and its central differences.</summary>
    internal static void AssertGradientsMatch(INetwork network, ConvReference reference, float[] inputs, float[] targets, int batch) =>
        AssertFiniteDifferences(network, network.ComputeGradients(inputs, targets, batch), parameters => reference.MeanLoss(parameters, inputs, targets, batch));

    /// <summary>
    /// Compares <paramref name="loss"/> and the gradients the last ComputeGradients of <paramref name="network"/> left with
    /// <paramref name="meanLoss"/>, a double-precision reference of the mean loss, and its central differences.
    /// </summary>
    internal static void AssertFiniteDifferences(INetwork network, float loss, Func<double[], double> meanLoss)
    {
        var gradients = network.Gradients.ToArray();
        var parameters = network.Parameters.ToArray().Select(p => (double)p).ToArray();
        double expectedLoss = meanLoss(parameters);
        Assert.True(Math.Abs(loss - expectedLoss) <= 1e-4 * Math.Max(1, Math.Abs(expectedLoss)), $"loss {loss} vs reference {expectedLoss}");

        const double h = 1e-6;
        var failures = new List<string>();
        for (int i = 0; i < parameters.Length; i++)
        {
            double saved = parameters[i];
            parameters[i] = saved + h;
            double plus = meanLoss(parameters);
            parameters[i] = saved - h;
            double minus = meanLoss(parameters);
            parameters[i] = saved;
            double numeric = (plus - minus) / (2 * h);
            if (Math.Abs(gradients[i] - numeric) > Tolerance * Math.Max(Math.Abs(numeric), 1e-3))
                failures.Add($"parameter {i} ({TensorOf(network, i)}): engine {gradients[i]:G6}, finite difference {numeric:G6}");
        }
        Assert.True(failures.Count == 0, string.Join("\n", failures.Take(10)));
        Assert.Contains(gradients, g => Math.Abs(g) > 1e-4); // the check is not vacuous
    }

    private static string TensorOf(INetwork network, int index) =>
        network.Tensors.FirstOrDefault(t => t.Storage == TensorStorage.Parameters && index >= t.Offset && index < t.Offset + t.Length)?.Name ?? "?";

    internal static float[] Targets(LossFunction loss, int batch, int outputs, Random random)
    {
        var targets = new float[batch * outputs];
        for (int b = 0; b < batch; b++)
        {
            if (loss == LossFunction.CrossEntropy) targets[b * outputs + random.Next(outputs)] = 1;
            else if (loss == LossFunction.BinaryCrossEntropy) for (int j = 0; j < outputs; j++) targets[b * outputs + j] = random.Next(2);
            else for (int j = 0; j < outputs; j++) targets[b * outputs + j] = (float)(random.NextDouble() * 2 - 1);
        }
        return targets;
    }
}
