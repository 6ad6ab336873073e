using CompiledNets.Runtime.Tests.Infrastructure;

namespace CompiledNets.Runtime.Tests.Training;

[Network(Inputs = 3, MaxBatchSize = 8)]
[Dense(5, Activation.Tanh)]
[Dense(2, Activation.Softmax)]
[Loss(LossFunction.CrossEntropy)]
[Adam(LearningRate = 0.01f)]
public partial class ArrayApiNet;

/// <summary>The Keras-style array members: Predict and PredictBatch returning arrays, Fit on arrays with array validation data, History's table.</summary>
public class ArrayApiTests
{
    /// <summary><paramref name="samples"/> rows of 3 features and one-hot targets of 2 classes (the class: the sign of the feature sum).</summary>
    internal static (float[] X, float[] Y) Data(int samples, int seed)
    {
        var random = new Random(seed);
        var x = new float[samples * 3];
        var y = new float[samples * 2];
        for (int i = 0; i < samples; i++)
        {
            float sum = 0;
            for (int j = 0; j < 3; j++) sum += x[i * 3 + j] = (float)(random.NextDouble() * 2 - 1);
            y[i * 2 + (sum > 0 ? 1 : 0)] = 1;
        }
        return (x, y);
    }

    [Fact]
    public void Predict_returns_a_new_array_with_what_the_span_member_writes()
    {
        var net = new ArrayApiNet(seed: 1);
        float[] input = [0.5f, -1f, 0.25f];
        var expected = new float[2];
        net.Predict(input, expected);
        float[] first = net.Predict(input);
        float[] second = net.Predict(input);
        Assert.Equal(expected, first);
        Assert.NotSame(first, second);

        var error = Assert.Throws<ArgumentException>(() => net.Predict(new float[1]));
        Assert.Equal("input", error.ParamName);
        Assert.Contains("has 1 value; one sample of this network has 3 features", error.Message);
        Assert.Contains("PredictBatch", error.Message);
    }

    [Fact]
    public void PredictBatch_takes_the_batch_size_from_the_length_beyond_MaxBatchSize()
    {
        var net = new ArrayApiNet(seed: 2);
        var (x, _) = Data(19, seed: 3); // more than MaxBatchSize (8): three chunks
        var expected = new float[19 * 2];
        net.PredictBatch(x, expected, 19);
        Assert.Equal(expected, net.PredictBatch(x));
        for (int i = 0; i < 19; i++) Assert.Equal(expected[(i * 2)..(i * 2 + 2)], net.Predict(x[(i * 3)..(i * 3 + 3)]), new FloatTolerance(1e-6f));
        Assert.Empty(net.PredictBatch([]));

        var error = Assert.Throws<ArgumentException>(() => net.PredictBatch(new float[7]));
        Assert.Equal("inputs", error.ParamName);
        Assert.Contains("7 values, which is not a whole number of samples of 3 features (2 samples and 1 value left over)", error.Message);
    }

    [Fact]
    public void Fit_on_arrays_is_the_Dataset_overload_with_array_validation_data()
    {
        var (x, y) = Data(40, seed: 4);
        var (xVal, yVal) = Data(12, seed: 5);
        var fromArrays = new ArrayApiNet(seed: 6);
        var fromDatasets = new ArrayApiNet(seed: 6);

        var history = fromArrays.Fit(x, y, epochs: 3, batchSize: 8, validation: (xVal, yVal), seed: 7, verbose: 0);
        var reference = fromDatasets.Fit(new Dataset(x, 3, y, 2), epochs: 3, batchSize: 8, validation: new Dataset(xVal, 3, yVal, 2), seed: 7, verbose: 0);

        Assert.Equal(reference.Loss, history.Loss);
        Assert.Equal(reference.ValidationLoss, history.ValidationLoss);
        Assert.Equal(reference.ValidationAccuracy, history.ValidationAccuracy);
        Assert.All(history.ValidationLoss, loss => Assert.True(float.IsFinite(loss)));
        Assert.Equal(fromArrays.Evaluate(xVal, yVal).Loss, history.ValidationLoss[^1]);
        Assert.Equal(fromDatasets.Parameters.ToArray(), fromArrays.Parameters.ToArray());
    }

    [Fact]
    public void Array_data_of_the_wrong_shape_names_the_data_and_the_array()
    {
        var net = new ArrayApiNet(seed: 1);
        var (x, y) = Data(6, seed: 1);
        var error = Assert.Throws<ArgumentException>(() => net.Fit(x, y, validation: (x[..9], y[..4]), verbose: 0));
        Assert.Equal("validation", error.ParamName);
        Assert.Contains("The validation inputs hold 3 samples but the targets 2 rows", error.Message);

        error = Assert.Throws<ArgumentException>(() => net.Fit(x[..7], y, verbose: 0));
        Assert.Equal("inputs", error.ParamName);
        Assert.Contains("The training inputs have 7 values, not a whole number of samples of 3 features", error.Message);

        error = Assert.Throws<ArgumentException>(() => net.Fit(x, y[..11], verbose: 0));
        Assert.Equal("targets", error.ParamName);
        Assert.Contains("The training targets have 11 values, not a whole number of rows of 2 outputs", error.Message);

        Assert.Throws<ArgumentNullException>(() => net.Fit(x, y, validation: (x, null!), verbose: 0));
    }

    [Fact]
    public void History_prints_the_epochs_as_the_progress_line_shows_them()
    {
        var history = new History();
        history.Add(new EpochMetrics(1, 0.5f, 0.8f, 0.4f, 0.85f, 1e-3f, 1.25));
        history.Add(new EpochMetrics(2, 0.25f, 0.9f, 0.3f, 0.875f, 1e-3f, 1.5));
        history.Add(new EpochMetrics(3, 0.125f, 0.95f, float.NaN, float.NaN, 5e-4f, 10.04));
        Assert.Equal(
            "epoch   time    loss  accuracy  val_loss  val_accuracy      lr\n" +
            "    1   1.3s  0.5000    0.8000    0.4000        0.8500   0.001\n" +
            "    2   1.5s  0.2500    0.9000    0.3000        0.8750   0.001\n" +
            "    3  10.0s  0.1250    0.9500         -             -  0.0005\n",
            history.ToString());

        // A regression history has no accuracy columns; an early stop says why.
        var regression = new History { StoppedEarly = true, StopReason = "val_loss did not improve for 2 epochs" };
        regression.Add(new EpochMetrics(1, 2f, float.NaN, float.NaN, float.NaN, 0.01f, 0.1));
        Assert.Equal("epoch  time    loss    lr\n    1  0.1s  2.0000  0.01\nstopped early: val_loss did not improve for 2 epochs\n", regression.ToString());
        Assert.Equal("History: no epochs", new History().ToString());
    }

    private sealed class FloatTolerance(float tolerance) : IEqualityComparer<float>
    {
        public bool Equals(float x, float y) => Math.Abs(x - y) <= tolerance;
        public int GetHashCode(float value) => 0;
    }
}

/// <summary>The array overload of Fit prints progress by default, as the Dataset overload does.</summary>
[Collection(nameof(ConsoleCapture))]
public class ArrayFitVerboseTests
{
    [Fact]
    public void Fit_on_arrays_prints_a_line_per_epoch_by_default()
    {
        var (x, y) = ArrayApiTests.Data(16, seed: 2);
        var original = Console.Out;
        var captured = new StringWriter();
        Console.SetOut(captured);
        try
        {
            new ArrayApiNet(seed: 1).Fit(x, y, epochs: 2, batchSize: 8, validation: (x, y));
        }
        finally
        {
            Console.SetOut(original);
        }
        string text = captured.ToString();
        Assert.Contains("Epoch 1/2", text);
        Assert.Contains("Epoch 2/2", text);
        Assert.Contains(" - val_loss: ", text);
    }
}
