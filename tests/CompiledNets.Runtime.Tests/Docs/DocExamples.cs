// The code examples of docs/getting-started.md, docs/attributes.md and docs/training.md, compiled here so that the
// documentation cannot drift from the API. Keep them in step with the Markdown.
#pragma warning disable CS8321 // local functions that are only compiled, never called

namespace CompiledNets.Runtime.Tests.Docs;

[Network(Inputs = 784, Seed = 42, MaxBatchSize = 128)]
[Dense(256, Activation.ReLU, Init = Init.HeNormal)]
[Dense(64, Activation.LeakyReLU, Alpha = 0.1f)]
[Dense(10, Activation.Softmax, Init = Init.GlorotUniform, BiasInit = Init.Zeros)]
[Loss(LossFunction.CrossEntropy)]
[Adam(LearningRate = 1e-3f, Beta1 = 0.9f, Beta2 = 0.999f, Epsilon = 1e-8f)]
public partial class Classifier;

[Network(Inputs = 2)]
[Dense(1, Activation.Sigmoid)]
[Loss(LossFunction.BinaryCrossEntropy)]
[Sgd]
public partial class LogisticRegression;

[Network(Inputs = 16)]
[Dense(32, Activation.ELU, Alpha = 0.5f, Init = Init.LeCunNormal)]
[Dense(32, Activation.GELU, Init = Init.GlorotNormal, BiasInit = Init.Zeros)]
[Dense(32, Activation.SiLU, Init = Init.HeUniform)]
[Dense(1)]
[Loss(LossFunction.MeanSquaredError)]
[Sgd(LearningRate = 0.01f)]
public partial class Regressor;

[Network(Inputs = 2)]
[Dense(8, Activation.ReLU)]
[Dense(1, Activation.Sigmoid)]
[Loss(LossFunction.BinaryCrossEntropy)]
[Sgd(LearningRate = 0.1f)]
public partial class XorNet;

[Network(Inputs = 784)]
[Dense(128, Activation.ReLU)]
[Dense(10, Activation.Softmax)]
[Loss(LossFunction.CrossEntropy)]
[Adam(LearningRate = 1e-3f)]
public partial class MnistNet;

// The optimizer spellings the docs show, each on a network of its own (an optimizer needs [Network]).
[Network(Inputs = 2)] [Dense(1)] [Loss(LossFunction.MeanSquaredError)] [Sgd(LearningRate = 0.1f)]
internal sealed partial class SgdSpelling;

[Network(Inputs = 2)] [Dense(1)] [Loss(LossFunction.MeanSquaredError)] [Adam(LearningRate = 3e-4f, Beta2 = 0.98f)]
internal sealed partial class AdamSpelling;

[Network(Inputs = 784)]
[WeightDecay(1e-4f)]
[Dense(256, Activation.ReLU)]
[Dense(10, Activation.Softmax, L2 = 0f)]
[Loss(LossFunction.CrossEntropy)]
[Sgd(LearningRate = 0.05f, Momentum = 0.9f)]
public partial class Regularised;

[Network(Inputs = 784)]
[Dense(256)]
[BatchNorm]
[ActivationLayer(Activation.ReLU)]
[Dropout(0.2f)]
[Maxout(64, 3)]
[LayerNorm]
[Dense(10, Activation.Softmax)]
[Loss(LossFunction.CrossEntropy)]
[AdamW(LearningRate = 1e-3f)]
public partial class Modern;

[Network(Inputs = 2)] [Dense(1)] [Loss(LossFunction.MeanSquaredError)] [Sgd(LearningRate = 0.05f, Momentum = 0.9f, Nesterov = true)]
internal sealed partial class NesterovSpelling;

public class DocExamples
{
    [Fact]
    public void Readme_first_example_learns_xor()
    {
        float[] inputs = { 0, 0, 0, 1, 1, 0, 1, 1 };
        float[] targets = { 0, 1, 1, 0 };

        var net = new XorNet(seed: 1);
        var history = net.Fit(inputs, targets, epochs: 1000, batchSize: 4, verbose: 0);
        float[] output = net.Predict(new float[] { 1, 0 });   // output[0] > 0.5
        Console.WriteLine(net.Summary);                       // Keras-style table

        Assert.True(output[0] > 0.5f, $"1 xor 0 gave {output[0]}");
        Assert.Equal(1000, history.Epochs.Count);
    }

    [Fact]
    public void Getting_started_xor_learns_xor()
    {
        float[] inputs = [0, 0, 0, 1, 1, 0, 1, 1];   // the XOR truth table, row-major [4, 2]
        float[] targets = [0, 1, 1, 0];               // [4, 1]

        var net = new XorNet(seed: 1);                // seeded: the same weights on every run
        var history = net.Fit(inputs, targets, epochs: 2000, batchSize: 4, seed: 1, verbose: 0);
        Assert.True(history.Loss[^1] < history.Loss[0]);

        float[] output = net.Predict([1, 0]);        // or Predict(input, output) into a span you own
        Assert.True(output[0] > 0.5f);
        Assert.NotEmpty(net.Summary.ToString());
    }

    private static void GettingStartedMnist()
    {
        var data = Mnist.Load();
        var net = new MnistNet(seed: 1);
        net.Fit(data.Train, epochs: 5, batchSize: 32, validationSplit: 0.1);
        Console.WriteLine($"test accuracy {net.Evaluate(data.Test).Accuracy:P2}");
        net.Save("mnist.safetensors");
    }

    private static void TrainingData(float[] features, float[] targets, float[] pixels, int[] labels)
    {
        var regression = new Dataset(features, featureCount: 3, targets, targetCount: 1);
        var classes = Dataset.FromLabels(pixels, featureCount: 784, labels, classCount: 10);
        var (train, validation) = classes.Split(0.1, seed: 1);
        var mnist = Mnist.Load();
        _ = (regression, train, validation, mnist);
    }

    private static void TrainingFit(MnistNet net, Dataset train, Dataset test, CancellationToken token, ImageAugmentation augmentation,
        float[] sample, float[] inputs, float[] outputs)
    {
        History history = net.Fit(
            train,
            epochs: 10,
            batchSize: 32,
            validation: test,
            callbacks: [new EarlyStopping(patience: 3, restoreBestWeights: true)],
            verbose: 1,
            seed: 1,
            shuffle: true,
            cancellationToken: token,
            clipNorm: 1f,
            transform: augmentation.Transform);
        _ = history;

        EvaluationResult result = net.Evaluate(test);
        int[] predicted = net.PredictClasses(test);
        var output = new float[MnistNet.OutputSize];
        net.Predict(sample, output);
        net.PredictBatch(inputs, outputs, batchSize: 100);
        float[] probabilities = net.Predict(sample);
        float[] all = net.PredictBatch(inputs);
        _ = (result, predicted, probabilities, all);
    }

    private static void TrainingFitArrays(MnistNet net, float[] x, float[] y, float[] xVal, float[] yVal)
    {
        History history = net.Fit(x, y, epochs: 20, batchSize: 32, validation: (xVal, yVal));   // x [n, InputSize], y [n, OutputSize]
        Console.WriteLine(history);
    }

    private static void TrainingCallbacks(MnistNet net, MnistData data)
    {
        using var log = new CsvLogger("training.csv");
        var history = net.Fit(data.Train, epochs: 20, validationSplit: 0.1, seed: 1, callbacks:
        [
            new ModelCheckpoint("checkpoints/best.safetensors", monitor: "val_accuracy", saveBestOnly: true),
            new ModelCheckpoint("checkpoints/epoch-{epoch:02d}-{val_loss:.4f}.safetensors"),
            new EarlyStopping(patience: 3, restoreBestWeights: true),
            new ReduceLROnPlateau(factor: 0.5f, patience: 1),
            new TerminateOnNaN(),
            log,
        ]);
        _ = history;
        var checkpoint = new ModelCheckpoint("best.safetensors", saveBestOnly: true);
        net.Load(checkpoint.LastSavedPath!);
        _ = new LearningRateScheduler((epoch, lr) => epoch < 5 ? lr : lr * 0.9f);
        _ = LearningRateScheduler.StepDecay(0.1f, dropEvery: 10, factor: 0.5f);
        _ = LearningRateScheduler.Exponential(0.1f, gamma: 0.95f);
        _ = LearningRateScheduler.Cosine(0.1f, totalEpochs: 20, minLr: 1e-4f);
    }

    private static void TrainingClipping(MnistNet net, float[] inputs, float[] targets, int batchSize)
    {
        float loss = net.ComputeGradients(inputs, targets, batchSize);
        float normBefore = GradientClipping.ClipByGlobalNorm(net.Gradients, maxNorm: 1f);
        net.ApplyGradients();
        _ = (loss, normBefore);
    }

    private static void TrainingAugmentation(MnistNet net, MnistData data)
    {
        var augmentation = new ImageAugmentation(maxShift: 2, maxRotationDegrees: 10, noiseStdDev: 0.05f, seed: 1);
        net.Fit(data.Train, epochs: 10, validation: data.Test, transform: augmentation.Transform);
        net.Fit(data.Train, transform: (inputs, size) => inputs[..(size * MnistNet.InputSize)].Clear());
    }

    private static void TrainingEnsemble(MnistData data)
    {
        var members = new MnistNet[5];
        for (int i = 0; i < members.Length; i++)
        {
            members[i] = new MnistNet(seed: i + 1);
            members[i].Fit(data.Train, epochs: 2, batchSize: 32, seed: i + 1, verbose: 0);
        }
        var ensemble = new Ensemble(members);
        Console.WriteLine($"ensemble {ensemble.Evaluate(data.Test).Accuracy:P2}");
    }

    private static void TrainingThreads()
    {
        var net = new MnistNet(seed: 1) { Threads = 1 };
        _ = net;
    }

    [Fact]
    public void The_documented_layer_stack_trains()
    {
        var net = new Modern(1, maxBatchSize: 8);
        var random = new Random(1);
        var x = Enumerable.Range(0, 8 * 784).Select(_ => (float)random.NextDouble()).ToArray();
        var t = new float[8 * 10];
        for (int r = 0; r < 8; r++) t[r * 10 + r] = 1;
        float first = net.TrainBatch(x, t, 8);
        float last = first;
        for (int step = 0; step < 30; step++) last = net.TrainBatch(x, t, 8);
        Assert.True(float.IsFinite(first) && last < first, $"loss {first} -> {last}");
        Assert.Equal("784 -> Dense(256, Linear) -> BatchNorm -> Activation(ReLU) -> Dropout(0.2) -> Maxout(64, 3) -> LayerNorm -> Dense(10, Softmax) | CrossEntropy | AdamW", net.Architecture);
    }
}
