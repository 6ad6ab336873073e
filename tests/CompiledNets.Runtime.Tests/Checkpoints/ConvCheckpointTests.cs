using System.Buffers.Binary;
using System.Text;
using CompiledNets.Runtime.Tests.Interpreted;
using static CompiledNets.Runtime.Tests.Checkpoints.CheckpointTestHelpers;

namespace CompiledNets.Runtime.Tests.Checkpoints;

/// <summary>Convolutional networks in checkpoints: their own round trip, and a PyTorch <c>nn.Sequential</c> convnet's state dict.</summary>
public class ConvCheckpointTests
{
    /// <summary>
    /// <c>nn.Sequential(nn.Conv2d(2, 3, 3, padding=1), nn.BatchNorm2d(3), nn.ReLU(), nn.MaxPool2d(2),
    /// nn.Conv2d(3, 4, (3, 2), stride=2), nn.Tanh(), nn.Flatten(), nn.Linear(16, 3), nn.Softmax(1))</c> on
    /// <c>[2, 10, 8]</c> images, in the interpreted engine (PyTorch's symmetric <c>padding=1</c> is Same for a 3×3
    /// kernel at stride 1).
    /// </summary>
    private static Sequential TorchLikeConvnet() => new Sequential(2, 10, 8)
        .Conv2D(3, 3, padding: Padding.Same).BatchNorm().Activation(Activation.ReLU).MaxPool2D(2)
        .Conv2D(4, 3, Activation.Tanh, stride: 2, kernelWidth: 2).Flatten().Dense(3, Activation.Softmax)
        .Loss(LossFunction.CrossEntropy).Adam();

    /// <summary>
    /// That model's state dict as <c>safetensors.torch.save_file</c> writes it: tensors sorted by name, the batch norm's
    /// <c>num_batches_tracked</c> an I64 scalar.
    /// </summary>
    private static (byte[] File, Dictionary<string, float[]> Values) TorchStateDict()
    {
        var shapes = new SortedDictionary<string, int[]>(StringComparer.Ordinal)
        {
            ["0.weight"] = [3, 2, 3, 3], ["0.bias"] = [3],
            ["1.weight"] = [3], ["1.bias"] = [3], ["1.running_mean"] = [3], ["1.running_var"] = [3],
            ["4.weight"] = [4, 3, 3, 2], ["4.bias"] = [4],
            ["7.weight"] = [3, 16], ["7.bias"] = [3],
        };
        var random = new Random(12);
        var values = shapes.ToDictionary(p => p.Key, p => Enumerable.Range(0, p.Value.Aggregate(1, (a, b) => a * b))
            .Select(_ => p.Key.EndsWith("running_var", StringComparison.Ordinal) ? 0.5f + (float)random.NextDouble() : (float)(random.NextDouble() - 0.5)).ToArray());
        var data = new MemoryStream();
        var header = new StringBuilder("{\"__metadata__\":{\"format\":\"pt\"}");
        foreach (var (name, shape) in shapes.Append(new KeyValuePair<string, int[]>("1.num_batches_tracked", [])).OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            long begin = data.Length;
            if (name.EndsWith("num_batches_tracked", StringComparison.Ordinal))
            {
                var count = new byte[8];
                BinaryPrimitives.WriteInt64LittleEndian(count, 600);
                data.Write(count);
                header.Append($",\"{name}\":{{\"dtype\":\"I64\",\"shape\":[],\"data_offsets\":[{begin},{data.Length}]}}");
                continue;
            }
            data.Write(SafetensorsTestFile.Floats(values[name]));
            header.Append($",\"{name}\":{{\"dtype\":\"F32\",\"shape\":[{string.Join(",", shape)}],\"data_offsets\":[{begin},{data.Length}]}}");
        }
        header.Append('}');
        return (SafetensorsTestFile.Build(header.ToString(), data.ToArray()), values);
    }

    [Fact]
    public void A_PyTorch_sequential_convnet_state_dict_loads_through_the_name_map()
    {
        var network = TorchLikeConvnet().Build(seed: 1, maxBatchSize: 8);
        var (file, values) = TorchStateDict();

        var map = CheckpointNames.FromPyTorchSequential(network, 0, 1, 4, 7);
        Assert.Equal("conv1.weight", map["0.weight"]);
        Assert.Equal("batchnorm1.gamma", map["1.weight"]);
        Assert.Equal("batchnorm1.running_var", map["1.running_var"]);
        Assert.Equal("", map["1.num_batches_tracked"]);
        Assert.Equal("conv2.bias", map["4.bias"]);
        Assert.Equal("dense1.weight", map["7.weight"]);
        var result = network.Load(new MemoryStream(file), map);
        Assert.False(result.OptimizerStateLoaded);

        Assert.Equal([.. values["0.weight"], .. values["0.bias"], .. values["1.weight"], .. values["1.bias"], .. values["4.weight"], .. values["4.bias"], .. values["7.weight"], .. values["7.bias"]],
            network.Parameters.ToArray());
        Assert.Equal([.. values["1.running_mean"], .. values["1.running_var"]], network.Buffers.ToArray());

        // The layouts mean what they mean in PyTorch: Predict equals an independent double-precision model of that module
        // (batch norm with the running statistics, as in eval()).
        var reference = new ConvReference(2, 10, 8, LossFunction.CrossEntropy,
            new RefConv(3, 3, 3, Activation.Linear, 1, Padding.Same),
            new RefBatchNorm(RunningMean: [.. values["1.running_mean"].Select(v => (double)v)], RunningVariance: [.. values["1.running_var"].Select(v => (double)v)]),
            new RefActivation(Activation.ReLU), new RefMaxPool(2, 2), new RefConv(4, 3, 2, Activation.Tanh, 2), new RefFlatten(), new RefDense(3, Activation.Softmax));
        var random = new Random(4);
        var inputs = Enumerable.Range(0, 3 * 160).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
        var expected = reference.Outputs(network.Parameters.ToArray().Select(p => (double)p).ToArray(), inputs, 3);
        var outputs = new float[9];
        network.PredictBatch(inputs, outputs, 3);
        for (int b = 0; b < 3; b++)
            for (int o = 0; o < 3; o++)
                Assert.Equal(expected[b][o], outputs[b * 3 + o], 5);

        // And training continues from there.
        Train(network, 2, seed: 3);
        Assert.Equal(2, network.OptimizerStep);
    }

    [Fact]
    public void A_convnet_round_trips_bit_for_bit_and_a_different_window_is_refused()
    {
        Sequential Build(int stride) => new Sequential(1, 9, 9)
            .Conv2D(4, 3, Activation.ReLU, stride: stride, padding: Padding.Same).BatchNorm().MaxPool2D(2, padding: Padding.Same)
            .LayerNorm().Flatten().Dense(2, Activation.Softmax).Loss(LossFunction.CrossEntropy).Adam().Build(seed: 5, maxBatchSize: 8);
        var trained = Build(1);
        Train(trained, 3, seed: 2);
        byte[] file = SaveToBytes(trained);
        var tensors = SafetensorsTestFile.ReadTensors(file);
        Assert.Equal([4, 1, 3, 3], tensors["conv1.weight"].Shape);
        Assert.Equal([4], tensors["batchnorm1.running_var"].Shape);
        Assert.Equal([4, 5, 5], tensors["layernorm1.gamma"].Shape);

        var restored = Build(1);
        Assert.True(restored.Load(new MemoryStream(file)).OptimizerStateLoaded);
        NetworkState.Of(trained).AssertSameAs(restored);

        // Stride 2 gives the same tensors but another network: the architecture check refuses it.
        AssertRejected(Build(2), file, "Conv2D(4, 3x3, stride 2, same, ReLU)");
    }
}
