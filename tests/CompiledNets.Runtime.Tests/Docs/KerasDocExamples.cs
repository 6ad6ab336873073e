// The C# examples of docs/coming-from-keras.md (and the data examples it shares with docs/training.md), compiled here so
// that the page cannot drift from the API. Keep them in step with the Markdown.
#pragma warning disable CS8321 // local functions that are only compiled, never called

namespace CompiledNets.Runtime.Tests.Docs;

[Network]
[Input("x", 2)]
[Dense(8, Activation.ReLU, Name = "hidden")]
[Dense(1, Activation.Sigmoid, Name = "output")]
[Loss(LossFunction.BinaryCrossEntropy)]
[Sgd(LearningRate = 0.1f)]
public partial class FunctionalXorNet;

// The page's Sign Language model with narrower layers, so the test runs fast; the names and the form are the page's,
// and the run-time Graph of the page is checked against it.
[Network]
[Input("pixels", 784)]
[Dense(64, Activation.ReLU, Name = "hidden1")]
[Dense(32, Activation.ReLU, Name = "hidden2")]
[Dense(16, Activation.ReLU, Name = "hidden3")]
[Dense(24, Activation.Softmax, Name = "letters")]
[Loss(LossFunction.CrossEntropy)]
[Adam(LearningRate = 1e-3f)]
public partial class SmallSignLanguageNet;

public class KerasDocExamples
{
    [Fact]
    public void The_functional_xor_learns_xor_and_names_its_tensors()
    {
        float[] x = [0, 0, 0, 1, 1, 0, 1, 1];
        float[] y = [0, 1, 1, 0];
        var net = new FunctionalXorNet(seed: 1);
        net.Fit(x, y, epochs: 2000, batchSize: 4, seed: 1, verbose: 0);
        for (int i = 0; i < 4; i++) Assert.Equal(y[i] > 0.5f, net.Predict(x.AsSpan(i * 2, 2).ToArray())[0] > 0.5f);
        Assert.Equal(["hidden.weight", "hidden.bias", "output.weight", "output.bias"],
            net.Tensors.Where(t => t.Storage == TensorStorage.Parameters).Select(t => t.Name));
    }

    [Fact]
    public void The_run_time_graph_matches_the_declared_class_and_takes_its_checkpoint()
    {
        var g = new Graph();
        var pixels = g.Input("pixels", 784);
        var h1 = g.Dense(pixels, 64, Activation.ReLU, "hidden1");
        var h2 = g.Dense(h1, 32, Activation.ReLU, "hidden2");
        var h3 = g.Dense(h2, 16, Activation.ReLU, "hidden3");
        g.Dense(h3, 24, Activation.Softmax, "letters");
        g.Loss(LossFunction.CrossEntropy).Adam(1e-3f).Build(seed: 1);

        var declared = new SmallSignLanguageNet(seed: 2);
        Assert.Equal(declared.Architecture, g.Architecture);
        string path = Path.Combine(Path.GetTempPath(), $"keras-doc-{Guid.NewGuid():N}.safetensors");
        try
        {
            declared.Save(path);
            g.Load(path);
            Assert.Equal(declared.Parameters.ToArray(), g.Parameters.ToArray());
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void The_letter_map_of_the_page_maps_K_to_class_9()
    {
        var letters = new LabelMap(Enumerable.Range(0, 25).Where(label => label != 9));
        int cls = letters.ToClass(10);
        int label = letters.ToLabel(cls);
        Assert.Equal(9, cls);
        Assert.Equal('K', (char)('A' + label));
    }

    private static void SequentialXor()
    {
        float[] x = [0, 0, 0, 1, 1, 0, 1, 1];
        float[] y = [0, 1, 1, 0];

        var net = new XorNet(seed: 1);
        var history = net.Fit(x, y, epochs: 2000, batchSize: 4, seed: 1, verbose: 0);
        float[] output = net.Predict([1, 0]);
    }

    private static void JoinInputs(MnistNet net, float[] images, float[] meta, int[] labels)
    {
        var train = Dataset.Join([new FeatureBlock(images, 784, "image"), new FeatureBlock(meta, 4, "meta")], labels, classCount: 2);
        net.Fit(train, epochs: 10);
        var rows = Dataset.Join([new FeatureBlock(images, 784, "image"), new FeatureBlock(meta, 4, "meta")], labels, classCount: 2);
    }

    private static void SignLanguage(MnistNet net)
    {
        var letters = new LabelMap(Enumerable.Range(0, 25).Where(label => label != 9));
        Dataset train = CsvImageReader.Read("sign_mnist_train.csv", labelMap: letters);
        Dataset test = CsvImageReader.Read("sign_mnist_test.csv", labelMap: letters);
        var signs = CsvImageReader.Read("sign_mnist_train.csv", labelMap: letters);
        var fitted = LabelMap.FromLabels(train.Labels);
        var mapped = letters.Apply(train);
        float[] oneHot = OneHot.Encode(train.Labels.ToArray(), 24);

        train.SaveClassDistributionPlot("labels.png", classNames: ["A", "B", /* ... */ "Y"]);
        train.SaveClassDistributionPlot("labels.png");

        History history = net.Fit(train, epochs: 20, batchSize: 32, validation: test, seed: 1);
        history.SavePlot("history.png");
        history.SaveCsv("history.csv");

        EvaluationResult result = net.Evaluate(test);
        int[] predicted = net.PredictClasses(test);
        char letter = (char)('A' + letters.ToLabel(predicted[0]));
    }
}
