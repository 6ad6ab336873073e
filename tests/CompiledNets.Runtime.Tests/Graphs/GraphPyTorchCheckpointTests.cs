using System.Buffers.Binary;
using System.Text;
using CompiledNets.Runtime.Tests.Checkpoints;
using CompiledNets.Tests.Shared;

namespace CompiledNets.Runtime.Tests.Graphs;

/// <summary>
/// A PyTorch module whose submodules have the graph's node names loads without a name map: Linear's names are the
/// network's, the norm layers' <c>weight</c>/<c>bias</c> are its <c>gamma</c>/<c>beta</c>, and <c>num_batches_tracked</c>
/// (an I64 scalar) is skipped.
/// </summary>
public class GraphPyTorchCheckpointTests
{
    /// <summary>
    /// <c>class Net(nn.Module)</c> with <c>self.h1 = nn.Linear(4, 6)</c>, <c>self.bn = nn.BatchNorm1d(6)</c>,
    /// <c>self.ln = nn.LayerNorm(6)</c>, <c>self.out = nn.Linear(12, 2)</c>; forward: <c>out(cat(bn(h1(x)), ln(h1(x))))</c>.
    /// </summary>
    private static Graph Net()
    {
        var g = new Graph();
        var x = g.Input("x", 4);
        var h1 = g.Dense(x, 6, Activation.ReLU, "h1");
        g.Dense(g.Concat(g.BatchNorm(h1, name: "bn"), g.LayerNorm(h1, name: "ln")), 2, name: "out");
        return g.Loss(LossFunction.MeanSquaredError).Adam().Build(seed: 1);
    }

    /// <summary>The module's state dict as <c>safetensors.torch.save_file</c> writes it (sorted names, no CompiledNets metadata).</summary>
    private static (byte[] File, Dictionary<string, float[]> Values) StateDict()
    {
        var shapes = new SortedDictionary<string, int[]>(StringComparer.Ordinal)
        {
            ["h1.weight"] = [6, 4], ["h1.bias"] = [6],
            ["bn.weight"] = [6], ["bn.bias"] = [6], ["bn.running_mean"] = [6], ["bn.running_var"] = [6],
            ["ln.weight"] = [6], ["ln.bias"] = [6],
            ["out.weight"] = [2, 12], ["out.bias"] = [2],
        };
        var random = new Random(5);
        var values = shapes.ToDictionary(p => p.Key, p => Enumerable.Range(0, p.Value.Aggregate(1, (a, b) => a * b)).Select(_ => 0.5f + (float)random.NextDouble()).ToArray());
        var data = new MemoryStream();
        var header = new StringBuilder("{\"__metadata__\":{\"format\":\"pt\"}");
        foreach (var (name, shape) in shapes.Append(new KeyValuePair<string, int[]>("bn.num_batches_tracked", [])).OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            long begin = data.Length;
            if (shape.Length == 0)
            {
                var count = new byte[8];
                BinaryPrimitives.WriteInt64LittleEndian(count, 42);
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
    public void A_PyTorch_module_with_the_node_names_loads_without_a_name_map()
    {
        var (file, values) = StateDict();
        using var directory = new TempDirectory();
        string path = directory.File("module.safetensors");
        File.WriteAllBytes(path, file);
        var net = Net();
        var result = net.Load(path);
        Assert.Equal(["bn.num_batches_tracked"], result.SkippedTensors);
        float[] Tensor(string name)
        {
            var info = net.Tensors.Single(t => t.Name == name);
            return (info.Storage == TensorStorage.Parameters ? net.Parameters : net.Buffers).Slice(info.Offset, info.Length).ToArray();
        }
        Assert.Equal(values["h1.weight"], Tensor("h1.weight"));
        Assert.Equal(values["bn.weight"], Tensor("bn.gamma"));
        Assert.Equal(values["bn.bias"], Tensor("bn.beta"));
        Assert.Equal(values["bn.running_var"], Tensor("bn.running_var"));
        Assert.Equal(values["ln.weight"], Tensor("ln.gamma"));
        Assert.Equal(values["ln.bias"], Tensor("ln.beta"));
        Assert.Equal(values["out.weight"], Tensor("out.weight"));
    }

    [Fact]
    public void The_module_map_only_renames_what_the_network_names_differently()
    {
        var map = CheckpointNames.FromPyTorchModule(Net());
        Assert.Equal(new Dictionary<string, string>
        {
            ["bn.weight"] = "bn.gamma", ["bn.bias"] = "bn.beta", ["bn.num_batches_tracked"] = "",
            ["ln.weight"] = "ln.gamma", ["ln.bias"] = "ln.beta",
        }, map.ToDictionary(p => p.Key, p => p.Value));
        // The network's own checkpoints keep loading: none of its names is renamed.
        var net = Net();
        Assert.DoesNotContain(net.Tensors, t => map.ContainsKey(t.Name));
    }
}
