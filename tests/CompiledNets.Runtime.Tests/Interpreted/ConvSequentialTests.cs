using CompiledNets.Kernels;

namespace CompiledNets.Runtime.Tests.Interpreted;

/// <summary>
/// The interpreted image layers as the contract with the generated code states them: architecture strings, summary rows,
/// tensor names, shapes and order, initialisation order and values, and the exceptions for invalid builds.
/// </summary>
public class ConvSequentialTests
{
    /// <summary>Keras's <c>mnist_convnet</c>.</summary>
    private static Sequential MnistConvnet() => new Sequential(1, 28, 28)
        .Conv2D(32, 3, Activation.ReLU).MaxPool2D(2)
        .Conv2D(64, 3, Activation.ReLU).MaxPool2D(2)
        .Flatten().Dropout(0.5f).Dense(10, Activation.Softmax)
        .Loss(LossFunction.CrossEntropy).Adam(1e-3f);

    [Fact]
    public void The_mnist_convnet_has_Keras_shapes_parameter_count_and_names()
    {
        var net = MnistConvnet().Build(seed: 1, maxBatchSize: 4);
        Assert.Equal("1x28x28 -> Conv2D(32, 3x3, ReLU) -> MaxPool2D(2) -> Conv2D(64, 3x3, ReLU) -> MaxPool2D(2) -> Flatten -> Dropout(0.5) -> Dense(10, Softmax) | CrossEntropy | Adam", net.Architecture);
        Assert.Equal(784, net.InputSize);
        Assert.Equal([1, 28, 28], net.InputShape);
        Assert.Equal(34_826, net.ParameterCount);

        var rows = net.Summary.Layers;
        Assert.Equal(["conv1", "maxpool1", "conv2", "maxpool2", "flatten1", "dropout1", "dense1"], rows.Select(r => r.Name));
        Assert.Equal(["Conv2D", "MaxPool2D", "Conv2D", "MaxPool2D", "Flatten", "Dropout", "Dense"], rows.Select(r => r.Kind));
        Assert.Equal(["3x3, ReLU", "2x2", "3x3, ReLU", "2x2", "", "rate 0.5", "Softmax"], rows.Select(r => r.Detail));
        Assert.Equal([[32, 26, 26], [32, 13, 13], [64, 11, 11], [64, 5, 5], [1600], [1600], [10]], rows.Select(r => r.OutputShape));
        Assert.Equal([320, 0, 18_496, 0, 0, 0, 16_010], rows.Select(r => r.TrainableParameters));

        Assert.Equal(["conv1.weight", "conv1.bias", "conv2.weight", "conv2.bias", "dense1.weight", "dense1.bias", "optimizer.exp_avg", "optimizer.exp_avg_sq"],
            net.Tensors.Select(t => t.Name));
        Assert.Equal([[32, 1, 3, 3], [32], [64, 32, 3, 3], [64], [10, 1600], [10]], net.Tensors.Take(6).Select(t => t.Shape));
        Assert.Equal([0, 288, 320, 18_752, 18_816, 34_816], net.Tensors.Take(6).Select(t => t.Offset));
    }

    [Fact]
    public void Summary_prints_Keras_style_image_shapes()
    {
        string table = MnistConvnet().Build(seed: 1, maxBatchSize: 4).Summary.ToString();
        Assert.Contains("conv1 (Conv2D, 3x3, ReLU)", table);
        Assert.Contains("(None, 32, 26, 26)", table);
        Assert.Contains("(None, 64, 5, 5)", table);
        Assert.Contains("(None, 1600)", table);
        Assert.Contains("(None, 10)", table);
        Assert.Contains("Total params: 34,826", table);
    }

    [Fact]
    public void Strides_padding_and_rectangular_kernels_are_written_as_the_contract_says()
    {
        var net = new Sequential(3, 32, 30)
            .Conv2D(16, 5, Activation.LeakyReLU, stride: 2, padding: Padding.Same, kernelWidth: 3, alpha: 0.2f)
            .MaxPool2D(3, stride: 2).AvgPool2D(2, padding: Padding.Same).AvgPool2D(3, stride: 1, padding: Padding.Same)
            .MaxPool2D(2, stride: 2).Conv2D(8, 1).GlobalAvgPool2D().Dense(4, Activation.Softmax)
            .Loss(LossFunction.CrossEntropy).Sgd().Build(seed: 1, maxBatchSize: 2);
        Assert.Equal(
            "3x32x30 -> Conv2D(16, 5x3, stride 2, same, LeakyReLU(alpha 0.2)) -> MaxPool2D(3, stride 2) -> AvgPool2D(2, same) -> AvgPool2D(3, stride 1, same) -> MaxPool2D(2) -> Conv2D(8, 1x1, Linear) -> GlobalAvgPool2D -> Dense(4, Softmax) | CrossEntropy | Sgd",
            net.Architecture);
        var rows = net.Summary.Layers;
        Assert.Equal(["5x3, stride 2, same, LeakyReLU(alpha 0.2)", "3x3, stride 2", "2x2, same", "3x3, stride 1, same", "2x2", "1x1, Linear", "", "Softmax"], rows.Select(r => r.Detail));
        Assert.Equal(["conv1", "maxpool1", "avgpool1", "avgpool2", "maxpool2", "conv2", "globalavgpool1", "dense1"], rows.Select(r => r.Name));
        // 32x30 -same/2-> 16x15 -valid 3/2-> 7x7 -same 2-> 4x4 -same 3/1-> 4x4 -valid 2-> 2x2.
        Assert.Equal([[16, 16, 15], [16, 7, 7], [16, 4, 4], [16, 4, 4], [16, 2, 2], [8, 2, 2], [8], [4]], rows.Select(r => r.OutputShape));
        Assert.Equal([16, 3, 5, 3], net.Tensors.Single(t => t.Name == "conv1.weight").Shape);
    }

    [Fact]
    public void Weights_are_initialised_in_the_generated_order_with_conv_fans()
    {
        var net = new Sequential(2, 6, 6).Conv2D(4, 3, Activation.ReLU, biasInit: Init.GlorotNormal).Conv2D(3, 2, Activation.Tanh, kernelWidth: 1)
            .Flatten().Dense(2).Loss(LossFunction.MeanSquaredError).Sgd().Build(seed: 42, maxBatchSize: 2);
        // One generator; per layer the weight then the bias, fanIn = in_channels·kh·kw and fanOut = filters·kh·kw.
        var random = new SeededRandom(42);
        var expected = new float[net.ParameterCount];
        var span = expected.AsSpan();
        Initializers.Fill(Init.HeUniform, span[..72], 18, 36, ref random);
        Initializers.Fill(Init.GlorotNormal, span.Slice(72, 4), 18, 36, ref random);
        Initializers.Fill(Init.GlorotUniform, span.Slice(76, 24), 8, 6, ref random);
        Initializers.Fill(Init.Zeros, span.Slice(100, 3), 8, 6, ref random);
        Initializers.Fill(Init.GlorotUniform, span.Slice(103, 2 * 36), 36, 2, ref random); // conv2 output [3, 3, 4]
        Initializers.Fill(Init.Zeros, span.Slice(175, 2), 36, 2, ref random);
        Assert.Equal(177, net.ParameterCount);
        Assert.Equal(expected, net.Parameters.ToArray());
    }

    [Fact]
    public void BatchNorm_and_LayerNorm_on_images_have_per_channel_and_per_value_tensors()
    {
        var net = new Sequential(3, 4, 5).BatchNorm().LayerNorm().Flatten().Dense(2)
            .Loss(LossFunction.MeanSquaredError).Sgd().Build(seed: 1, maxBatchSize: 2);
        Assert.Equal(["batchnorm1.gamma", "batchnorm1.beta", "batchnorm1.running_mean", "batchnorm1.running_var", "layernorm1.gamma", "layernorm1.beta"],
            net.Tensors.Take(6).Select(t => t.Name));
        Assert.Equal([[3], [3], [3], [3], [3, 4, 5], [3, 4, 5]], net.Tensors.Take(6).Select(t => t.Shape));
        var rows = net.Summary.Layers;
        Assert.Equal([[3, 4, 5], [3, 4, 5], [60], [2]], rows.Select(r => r.OutputShape));
        Assert.Equal((6, 6), (rows[0].TrainableParameters, rows[0].NonTrainableParameters));
        Assert.Equal((120, 0), (rows[1].TrainableParameters, rows[1].NonTrainableParameters));
        Assert.Equal("3x4x5 -> BatchNorm -> LayerNorm -> Flatten -> Dense(2, Linear) | MeanSquaredError | Sgd", net.Architecture);
    }

    [Fact]
    public void Image_BatchNorm_running_variance_is_unbiased_over_batch_times_positions()
    {
        var net = new Sequential(2, 2, 3).BatchNorm(momentum: 1f).Flatten().Dense(1)
            .Loss(LossFunction.MeanSquaredError).Sgd().Build(seed: 1, maxBatchSize: 4);
        var random = new Random(3);
        var inputs = Enumerable.Range(0, 3 * 12).Select(_ => (float)random.NextDouble() * 4 - 1).ToArray();
        net.ComputeGradients(inputs, new float[3], 3);
        for (int c = 0; c < 2; c++)
        {
            var values = Enumerable.Range(0, 3).SelectMany(b => inputs.Skip(b * 12 + c * 6).Take(6)).Select(v => (double)v).ToArray();
            double mean = values.Average();
            double unbiased = values.Sum(v => (v - mean) * (v - mean)) / (values.Length - 1);
            Assert.Equal(mean, net.Buffers[c], 5);
            Assert.Equal(unbiased, net.Buffers[2 + c], 5);
        }
    }

    [Fact]
    public void Dropout_on_an_image_draws_the_same_mask_as_on_flat_values_of_that_size()
    {
        var image = new Sequential(2, 3, 3).Dropout(0.4f).Flatten().Dense(2).Loss(LossFunction.MeanSquaredError).Sgd().Build(seed: 9, maxBatchSize: 4);
        var flat = new Sequential(18).Dropout(0.4f).Dense(2).Loss(LossFunction.MeanSquaredError).Sgd().Build(seed: 9, maxBatchSize: 4);
        Assert.Equal(flat.Parameters.ToArray(), image.Parameters.ToArray());
        var inputs = Enumerable.Range(0, 4 * 18).Select(i => 1f + i).ToArray();
        for (int step = 0; step < 2; step++)
        {
            Assert.Equal(flat.ComputeGradients(inputs, new float[8], 4), image.ComputeGradients(inputs, new float[8], 4));
            Assert.Equal(flat.Gradients.ToArray(), image.Gradients.ToArray());
        }
    }

    [Fact]
    public void Flatten_moves_no_value_and_is_a_no_op_on_flat_inputs()
    {
        var net = new Sequential(2, 2, 2).Flatten().Flatten().InferenceOnly().Build(seed: 1);
        Assert.Equal("2x2x2 -> Flatten -> Flatten | none | InferenceOnly", net.Architecture);
        Assert.Equal([[8], [8]], net.Summary.Layers.Select(r => r.OutputShape));
        float[] input = [1, 2, 3, 4, 5, 6, 7, 8];
        var output = new float[8];
        net.Predict(input, output);
        Assert.Equal(input, output);
    }

    [Fact]
    public void Same_padding_puts_the_extra_row_and_column_at_the_bottom_and_right()
    {
        // 4x4 input, 2x2 kernel, Same: padTotal 1 = 0 before + 1 after. A kernel that keeps only its bottom-right cell
        // reads x[oy + 1, ox + 1]: the last row and column read the padding (zeros).
        var net = new Sequential(1, 4, 4).Conv2D(1, 2, padding: Padding.Same).InferenceOnly().Build(seed: 1);
        net.Parameters.Clear();
        net.Parameters[3] = 1f; // weight [0, 0, 1, 1]
        float[] input = Enumerable.Range(1, 16).Select(i => (float)i).ToArray();
        var output = new float[16];
        net.Predict(input, output);
        float[] expected =
        [
            6, 7, 8, 0,
            10, 11, 12, 0,
            14, 15, 16, 0,
            0, 0, 0, 0,
        ];
        Assert.Equal(expected, output);

        // The top-left cell reads x[oy, ox]: no padding before.
        net.Parameters.Clear();
        net.Parameters[0] = 1f;
        net.Predict(input, output);
        Assert.Equal(input, output);
    }

    [Fact]
    public void Predict_PredictBatch_and_training_outputs_agree()
    {
        var net = new Sequential(2, 9, 7).Conv2D(5, 3, Activation.ReLU, padding: Padding.Same).MaxPool2D(2, padding: Padding.Same)
            .Conv2D(4, 2, Activation.Tanh, stride: 2).AvgPool2D(2, stride: 1).Flatten().Dense(3, Activation.Softmax)
            .Loss(LossFunction.CrossEntropy).Adam().Build(seed: 3, maxBatchSize: 5);
        var random = new Random(1);
        const int batch = 12; // more than MaxBatchSize: PredictBatch works in chunks
        var inputs = Enumerable.Range(0, batch * net.InputSize).Select(_ => (float)random.NextDouble() * 2 - 1).ToArray();
        var batchOutputs = new float[batch * 3];
        net.PredictBatch(inputs, batchOutputs, batch);
        var one = new float[3];
        for (int b = 0; b < batch; b++)
        {
            net.Predict(inputs.AsSpan(b * net.InputSize, net.InputSize), one);
            Assert.Equal(batchOutputs.AsSpan(b * 3, 3).ToArray(), one);
        }
        net.ComputeGradients(inputs.AsSpan(0, 5 * net.InputSize), new float[15], 5);
        Assert.Equal(batchOutputs.AsSpan(0, 15).ToArray(), net.TrainingOutputs.ToArray());
    }

    [Fact]
    public void Training_and_prediction_allocate_nothing_per_step()
    {
        var net = new Sequential(1, 12, 12).Conv2D(4, 3, Activation.ReLU).BatchNorm().MaxPool2D(2).Conv2D(4, 3, Activation.GELU, padding: Padding.Same)
            .AvgPool2D(2).Dropout(0.2f).LayerNorm().GlobalAvgPool2D().Dense(2, Activation.Softmax)
            .Loss(LossFunction.CrossEntropy).Adam().Build(seed: 3, maxBatchSize: 8);
        var inputs = new float[8 * 144];
        var targets = new float[16];
        for (int b = 0; b < 8; b++) targets[2 * b + b % 2] = 1;
        var outputs = new float[16];
        net.TrainBatch(inputs, targets, 8);
        net.PredictBatch(inputs, outputs, 8);
        net.Predict(inputs.AsSpan(0, 144), outputs.AsSpan(0, 2));
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 3; i++)
        {
            net.TrainBatch(inputs, targets, 8);
            net.PredictBatch(inputs, outputs, 8);
            net.Predict(inputs.AsSpan(0, 144), outputs.AsSpan(0, 2));
        }
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Fact]
    public void A_small_convnet_learns_to_tell_horizontal_from_vertical_bars()
    {
        var net = new Sequential(1, 8, 8).Conv2D(4, 3, Activation.ReLU, padding: Padding.Same).MaxPool2D(2).Flatten().Dense(2, Activation.Softmax)
            .Loss(LossFunction.CrossEntropy).Adam(1e-2f).Build(seed: 1, maxBatchSize: 16);
        var random = new Random(2);
        (float[] Inputs, float[] Targets) Bars(int count)
        {
            var x = new float[count * 64];
            var y = new float[count * 2];
            for (int b = 0; b < count; b++)
            {
                bool horizontal = random.Next(2) == 0;
                int line = random.Next(8);
                for (int i = 0; i < 8; i++) x[b * 64 + (horizontal ? line * 8 + i : i * 8 + line)] = 1f;
                for (int i = 0; i < 64; i++) x[b * 64 + i] += (float)random.NextDouble() * 0.3f;
                y[b * 2 + (horizontal ? 0 : 1)] = 1;
            }
            return (x, y);
        }
        for (int step = 0; step < 150; step++)
        {
            var (x, y) = Bars(16);
            net.TrainBatch(x, y, 16);
        }
        var (testX, testY) = Bars(200);
        var predictions = new float[400];
        net.PredictBatch(testX, predictions, 200);
        int correct = Enumerable.Range(0, 200).Count(b => (predictions[2 * b] > predictions[2 * b + 1]) == (testY[2 * b] == 1));
        Assert.True(correct >= 196, $"{correct} of 200 correct");
    }

    [Fact]
    public void Invalid_image_architectures_are_refused_with_the_fix()
    {
        var dense = Assert.Throws<InvalidOperationException>(() => new Sequential(1, 28, 28).Conv2D(8, 3).Dense(10));
        Assert.Contains("Layer 2 (Dense 10)", dense.Message);
        Assert.Contains("[8, 26, 26]", dense.Message);
        Assert.Contains(".Flatten()", dense.Message);
        Assert.Contains(".Flatten()", Assert.Throws<InvalidOperationException>(() => new Sequential(1, 4, 4).Dense(3)).Message);
        Assert.Contains(".Flatten()", Assert.Throws<InvalidOperationException>(() => new Sequential(1, 4, 4).MaxPool2D(2).Maxout(3, 2)).Message);

        var afterFlat = Assert.Throws<InvalidOperationException>(() => new Sequential(1, 6, 6).Flatten().Dense(8).Conv2D(4, 3));
        Assert.Contains("Layer 3 (Conv2D 4)", afterFlat.Message);
        Assert.Contains("image-shaped", afterFlat.Message);
        Assert.Contains("new Sequential(channels, height, width)", Assert.Throws<InvalidOperationException>(() => new Sequential(784).Conv2D(4, 3)).Message);
        Assert.Throws<InvalidOperationException>(() => new Sequential(16).MaxPool2D(2));
        Assert.Throws<InvalidOperationException>(() => new Sequential(16).AvgPool2D(2));
        Assert.Throws<InvalidOperationException>(() => new Sequential(1, 4, 4).Flatten().GlobalAvgPool2D());

        // A window larger than its input (Valid); Same always fits.
        var kernel = Assert.Throws<ArgumentException>(() => new Sequential(1, 5, 5).Conv2D(4, 3).Conv2D(4, 4));
        Assert.Contains("the 4x4 kernel is larger than its 3x3 input", kernel.Message);
        Assert.Contains("Padding.Same", kernel.Message);
        Assert.Throws<ArgumentException>(() => new Sequential(1, 5, 4).Conv2D(1, 3, kernelWidth: 5));
        Assert.Throws<ArgumentException>(() => new Sequential(1, 3, 3).MaxPool2D(4));
        Assert.Throws<ArgumentException>(() => new Sequential(1, 3, 3).AvgPool2D(2, stride: 1).AvgPool2D(3));
        Assert.Equal([2, 1, 1], new Sequential(1, 3, 3).Conv2D(2, 5, padding: Padding.Same).MaxPool2D(4, padding: Padding.Same)
            .InferenceOnly().Build(1).Summary.Layers[^1].OutputShape);
        new Sequential(1, 3, 3).Conv2D(1, 3).MaxPool2D(1); // a window equal to its input fits

        // Non-positive sizes.
        Assert.Throws<ArgumentOutOfRangeException>(() => new Sequential(0, 28, 28));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Sequential(1, 28, -1));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Sequential(1, 5, 5).Conv2D(0, 3));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Sequential(1, 5, 5).Conv2D(2, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Sequential(1, 5, 5).Conv2D(2, 3, kernelHeight: -1));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Sequential(1, 5, 5).Conv2D(2, 3, stride: 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Sequential(1, 5, 5).MaxPool2D(0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Sequential(1, 5, 5).AvgPool2D(2, stride: -1));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Sequential(1, 5, 5).Conv2D(2, 3, padding: (Padding)7));

        // Softmax only on the last layer, as for Dense.
        Assert.Throws<InvalidOperationException>(() => new Sequential(1, 5, 5).Conv2D(2, 3, Activation.Softmax).Flatten().Dense(2)
            .Loss(LossFunction.MeanSquaredError).Sgd().Build(1));
    }
}
