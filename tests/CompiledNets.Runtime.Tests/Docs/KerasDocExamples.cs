// The C# examples of docs/coming-from-keras.md (and the data examples it shares with docs/training.md), compiled here so
// that the page cannot drift from the API. Keep them in step with the Markdown.
#pragma warning disable CS8321 // local functions that are only compiled, never called

namespace CompiledNets.Runtime.Tests.Docs;

public class KerasDocExamples
{
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
