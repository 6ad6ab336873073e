using System.Text;
using static CompiledNets.Runtime.Tests.Checkpoints.CheckpointTestHelpers;

namespace CompiledNets.Runtime.Tests.Checkpoints;

/// <summary>Files written the way PyTorch's <c>safetensors.torch.save_file</c> writes them load into compiled networks.</summary>
public class CheckpointInteropTests
{
    /// <summary>
    /// The state dict of <c>nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 3))</c> saved by
    /// <c>safetensors.torch.save_file(model.state_dict(), path)</c>: compact JSON, <c>__metadata__</c> first with only
    /// <c>{"format":"pt"}</c>, tensors sorted by name and laid out in that order, header padded with spaces.
    /// </summary>
    private static (byte[] File, float[] W1, float[] B1, float[] W2, float[] B2) PyTorchSequentialFile()
    {
        float[] w1 = Enumerable.Range(0, 32).Select(i => (i % 7 - 3) * 0.125f).ToArray();   // [8, 4]
        float[] b1 = Enumerable.Range(0, 8).Select(i => i * 0.01f - 0.03f).ToArray();       // [8]
        float[] w2 = Enumerable.Range(0, 24).Select(i => (i % 5 - 2) * 0.25f).ToArray();    // [3, 8]
        float[] b2 = [0.1f, -0.2f, 0.3f];                                                    // [3]
        var data = new MemoryStream();
        var header = new StringBuilder("{\"__metadata__\":{\"format\":\"pt\"}");
        foreach (var (name, shape, values) in new[] { ("0.bias", "[8]", b1), ("0.weight", "[8,4]", w1), ("2.bias", "[3]", b2), ("2.weight", "[3,8]", w2) })
        {
            long begin = data.Length;
            data.Write(SafetensorsTestFile.Floats(values));
            header.Append($",\"{name}\":{{\"dtype\":\"F32\",\"shape\":{shape},\"data_offsets\":[{begin},{data.Length}]}}");
        }
        header.Append('}');
        return (SafetensorsTestFile.Build(header.ToString(), data.ToArray()), w1, b1, w2, b2);
    }

    [Fact]
    public void PyTorch_sequential_state_dict_loads_through_the_name_map()
    {
        var (file, w1, b1, w2, b2) = PyTorchSequentialFile();
        var network = new CheckpointAdamNet(seed: 1);
        Train(network, 3, seed: 1); // optimizer state and step become non-zero
        float rate = network.LearningRate;

        var map = CheckpointNames.FromPyTorchSequential(network, 0, 2);
        Assert.Equal("dense1.weight", map["0.weight"]);
        Assert.Equal("dense2.bias", map["2.bias"]);
        var result = network.Load(new MemoryStream(file), map);
        Assert.False(result.OptimizerStateLoaded);
        Assert.Contains("holds no optimizer state", result.OptimizerStateSkipReason);
        Assert.Null(result.CheckpointArchitecture);

        Assert.Equal([.. w1, .. b1, .. w2, .. b2], network.Parameters.ToArray());
        Assert.All(network.OptimizerState.ToArray(), v => Assert.Equal(0f, v)); // no optimizer tensors: reset
        Assert.Equal(0, network.OptimizerStep);
        Assert.Equal(rate, network.LearningRate); // foreign files keep the network's rate

        // The [out, in] layout means the same thing as in PyTorch: y = W2 relu(W1 x + b1) + b2, then softmax.
        float[] x = [0.5f, -1f, 0.25f, 2f];
        var hidden = new double[8];
        for (int o = 0; o < 8; o++)
        {
            double sum = b1[o];
            for (int i = 0; i < 4; i++) sum += w1[o * 4 + i] * x[i];
            hidden[o] = Math.Max(0, sum);
        }
        var logits = new double[3];
        for (int o = 0; o < 3; o++)
        {
            logits[o] = b2[o];
            for (int i = 0; i < 8; i++) logits[o] += w2[o * 8 + i] * hidden[i];
        }
        double max = logits.Max(), total = logits.Sum(l => Math.Exp(l - max));
        var output = new float[3];
        network.Predict(x, output);
        for (int o = 0; o < 3; o++) Assert.Equal(Math.Exp(logits[o] - max) / total, output[o], 5);

        // And training continues from there.
        Train(network, 2, seed: 4);
        Assert.Equal(2, network.OptimizerStep);
    }

    [Fact]
    public void PyTorch_names_without_a_map_are_reported_as_unknown_tensors()
    {
        var network = new CheckpointAdamNet(seed: 1);
        AssertRejected(network, PyTorchSequentialFile().File, "contains the tensor '0.bias', which the network does not have", "dense1.weight");
    }

    [Fact]
    public void Mapped_names_appear_in_errors()
    {
        var network = new CheckpointWideNet(seed: 1);
        var map = CheckpointNames.FromPyTorchSequential(network, "0", "2");
        AssertRejected(network, PyTorchSequentialFile().File, map, "'0.bias' (mapped to 'dense1.bias') with shape [8]", "network expects [16]");
    }

    [Fact]
    public void Name_map_needs_one_module_per_layer()
    {
        var error = Assert.Throws<ArgumentException>(() => CheckpointNames.FromPyTorchSequential(new CheckpointAdamNet(seed: 1), 0, 1, 2));
        Assert.Contains("2 layers with tensors (dense1, dense2)", error.Message);
    }

    [Fact]
    public void Foreign_file_with_the_networks_own_names_loads_without_a_map()
    {
        var source = new CheckpointSgdNet(seed: 11);
        var tensors = SafetensorsTestFile.ReadTensors(SaveToBytes(source));
        var data = new MemoryStream();
        var header = new StringBuilder("{\"__metadata__\":{\"format\":\"pt\"}");
        foreach (var (name, tensor) in tensors.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            long begin = data.Length;
            data.Write(SafetensorsTestFile.Floats(tensor.Values));
            header.Append($",\"{name}\":{{\"dtype\":\"F32\",\"shape\":[{string.Join(",", tensor.Shape)}],\"data_offsets\":[{begin},{data.Length}]}}");
        }
        var network = new CheckpointSgdNet(seed: 12);
        network.Load(new MemoryStream(SafetensorsTestFile.Build(header.ToString() + "}", data.ToArray())));
        Assert.Equal(source.Parameters.ToArray(), network.Parameters.ToArray());
    }

    [Fact]
    public void Skipped_names_are_ignored()
    {
        var (file, _, _, _, _) = PyTorchSequentialFile();
        var network = new CheckpointAdamNet(seed: 1);
        var before = network.Parameters.ToArray();
        var map = new Dictionary<string, string>(CheckpointNames.FromPyTorchSequential(network, 0, 2)) { ["2.bias"] = "" };
        // dense2.bias is then missing: skipping is for tensors the network does not need.
        AssertRejected(network, file, "contains the tensor '0.bias'");
        var error = Assert.Throws<InvalidDataException>(() => network.Load(new MemoryStream(file), map));
        Assert.Contains("missing the tensor 'dense2.bias'", error.Message);
        Assert.Equal(before, network.Parameters.ToArray());
    }
}
