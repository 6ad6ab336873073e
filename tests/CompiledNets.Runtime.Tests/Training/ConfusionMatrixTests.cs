namespace CompiledNets.Runtime.Tests.Training;

[Network(Inputs = 2)]
[Dense(3, Activation.Softmax)]
[Loss(LossFunction.CrossEntropy)]
[Sgd]
public partial class ConfusionProbeNet;

public class ConfusionMatrixTests
{
    [Fact]
    public void Evaluate_counts_actual_against_predicted_classes()
    {
        var net = new ConfusionProbeNet(1);
        // Weights that predict the class from the larger input, class 2 from a bias only when both are small.
        net.Parameters.Clear();
        var weight = net.Tensors.Single(t => t.Name == "dense1.weight");
        var bias = net.Tensors.Single(t => t.Name == "dense1.bias");
        net.Parameters[weight.Offset + 0] = 10f;     // class 0 ← input 0
        net.Parameters[weight.Offset + 3] = 10f;     // class 1 ← input 1
        net.Parameters[bias.Offset + 2] = 5f;        // class 2 when both inputs are 0
        float[] features = { 1, 0, 1, 0, 0, 1, 0, 0, 0, 0, 0, 1 };
        int[] labels = { 0, 1, 1, 2, 0, 1 };          // two mistakes: (1 → 0) and (0 → 2)
        var result = net.Evaluate(Dataset.FromLabels(features, 2, labels, 3));
        var matrix = Assert.IsType<ConfusionMatrix>(result.Confusion);
        Assert.Equal(6, matrix.Total);
        Assert.Equal(1, matrix[0, 0]);
        Assert.Equal(1, matrix[1, 0]);
        Assert.Equal(2, matrix[1, 1]);
        Assert.Equal(1, matrix[2, 2]);
        Assert.Equal(1, matrix[0, 2]);
        Assert.Equal(result.Accuracy, matrix.Accuracy, 6);
        Assert.Equal(2.0 / 3, matrix.Recall(1), 6);
        Assert.Equal(0.5, matrix.Precision(0), 6);
        Assert.Contains("actual \\ predicted", matrix.ToString());
    }

    [Fact]
    public void The_confusion_matrix_is_saved_as_a_png()
    {
        var matrix = new ConfusionMatrix(10);
        var random = new Random(1);
        for (int i = 0; i < 500; i++)
        {
            int actual = random.Next(10);
            matrix.Add(actual, random.NextDouble() < 0.9 ? actual : random.Next(10));
        }
        string path = Path.Combine(Path.GetTempPath(), $"confusion-{Guid.NewGuid():N}.png");
        try
        {
            matrix.SavePlot(path);
            var bytes = File.ReadAllBytes(path);
            Assert.True(bytes.Length > 5_000, $"only {bytes.Length} bytes");
            Assert.Equal(new byte[] { 0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A }, bytes[..8]);
            Assert.Empty(Directory.GetFiles(Path.GetTempPath(), Path.GetFileName(path) + ".*.tmp"));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Fewer_than_two_classes_and_cells_outside_the_matrix_are_rejected()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new ConfusionMatrix(1));
        var matrix = new ConfusionMatrix(3);
        Assert.Throws<ArgumentOutOfRangeException>(() => matrix.Add(3, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => matrix[0, -1]);
    }
}
