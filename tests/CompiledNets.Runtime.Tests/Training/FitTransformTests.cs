using CompiledNets.Runtime.Tests.Callbacks;

namespace CompiledNets.Runtime.Tests.Training;

public class FitTransformTests
{
    private static (float[] X, float[] Y) Data(int n)
    {
        var x = new float[n * 3];
        var y = new float[n * 2];
        for (int i = 0; i < x.Length; i++) x[i] = (i % 7) - 3;
        for (int i = 0; i < y.Length; i++) y[i] = (i % 5) - 2;
        return (x, y);
    }

    [Fact]
    public void The_transform_sees_every_training_batch_and_what_it_writes_is_what_the_network_trains_on()
    {
        var (x, y) = Data(40);
        var network = new CallbackLinearNet(seed: 1);
        // Dense(2) on 3 inputs: parameters are weight [2, 3] then bias [2].
        var weightsBefore = network.Parameters[..6].ToArray();
        var batchSizes = new List<int>();
        var history = network.Fit(x, y, epochs: 2, batchSize: 16, seed: 1, verbose: 0, transform: (inputs, size) =>
        {
            batchSizes.Add(size);
            Assert.Equal(size * 3, inputs.Length);
            inputs.Clear();   // zero inputs: the weight gradients vanish, only the biases learn
        });
        Assert.Equal([16, 16, 8, 16, 16, 8], batchSizes);
        Assert.Equal(weightsBefore, network.Parameters[..6].ToArray());
        Assert.NotEqual(0f, network.Parameters[6]);
        Assert.Equal(2, history.Epochs.Count);
        // The caller's data is untouched: the transform works on the loader's copy.
        Assert.Equal(Data(40).X, x);
    }

    [Fact]
    public void Validation_data_is_not_transformed_and_without_a_transform_nothing_changes()
    {
        var (x, y) = Data(32);
        var train = new Dataset(x, 3, y, 2);
        int calls = 0;
        var a = new CallbackLinearNet(seed: 3);
        a.Fit(train, epochs: 1, batchSize: 8, validation: train, verbose: 0, seed: 2, transform: (_, _) => calls++);
        Assert.Equal(4, calls);   // 4 training batches; the validation pass never calls it

        // A transform that changes nothing trains exactly like no transform.
        var b = new CallbackLinearNet(seed: 3);
        var c = new CallbackLinearNet(seed: 3);
        b.Fit(train, epochs: 2, batchSize: 8, verbose: 0, seed: 2);
        c.Fit(train, epochs: 2, batchSize: 8, verbose: 0, seed: 2, transform: (_, _) => { });
        Assert.Equal(b.Parameters.ToArray(), c.Parameters.ToArray());
        Assert.Equal(a.Parameters.Length, b.Parameters.Length);
    }

    [Fact]
    public void Image_augmentation_plugs_in_as_the_transform()
    {
        const int n = 8;
        var images = new float[n * 784];
        for (int i = 0; i < images.Length; i++) images[i] = (i % 28) is > 10 and < 18 ? 1f : 0f;
        var data = Dataset.FromLabels(images, 784, Enumerable.Range(0, n).Select(i => i % 10).ToArray(), 10);
        var augmentation = new ImageAugmentation(maxShift: 2, maxRotationDegrees: 10, seed: 4);
        var seen = new List<float[]>();
        BatchTransform recordAfter = (inputs, size) =>
        {
            augmentation.Transform(inputs, size);
            seen.Add(inputs.ToArray());
        };
        new AugmentNet(seed: 1).Fit(data, epochs: 1, batchSize: n, verbose: 0, shuffle: false, transform: recordAfter);
        Assert.Single(seen);
        Assert.NotEqual(images, seen[0]);   // shifted and rotated
    }
}

[Network(Inputs = 784)]
[Dense(10, Activation.Softmax)]
[Loss(LossFunction.CrossEntropy)]
[Sgd(LearningRate = 0.01f)]
public partial class AugmentNet;
