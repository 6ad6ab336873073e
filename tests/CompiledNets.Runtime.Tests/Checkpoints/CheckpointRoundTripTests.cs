using System.Buffers.Binary;
using System.Text;
using static CompiledNets.Runtime.Tests.Checkpoints.CheckpointTestHelpers;

namespace CompiledNets.Runtime.Tests.Checkpoints;

public class CheckpointRoundTripTests
{
    private static void AssertRoundTrip(INetwork original, INetwork fresh)
    {
        original.LearningRate *= 0.7f; // a changed rate (as a scheduler leaves it) must round-trip
        string directory = TemporaryDirectory();
        try
        {
            string path = Path.Combine(directory, "net.safetensors");
            original.Save(path);
            Assert.Empty(Directory.GetFiles(directory, "*.tmp-*"));
            fresh.Load(path);

            NetworkState.Of(original).AssertSameAs(fresh);
            var (inputs, _) = Batch(original, 16, seed: 77);
            var expected = new float[16 * original.OutputSize];
            var actual = new float[16 * original.OutputSize];
            original.PredictBatch(inputs, expected, 16);
            fresh.PredictBatch(inputs, actual, 16);
            NetworkState.AssertBitwiseEqual(expected, actual);

            // Resuming from the checkpoint continues exactly as the original does.
            Train(original, 7, seed: 2);
            Train(fresh, 7, seed: 2);
            NetworkState.Of(original).AssertSameAs(fresh);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public void Adam_network_round_trips_parameters_moments_step_and_rate_and_resumes_bitwise()
    {
        var original = new CheckpointAdamNet(seed: 1);
        Train(original, 5, seed: 1);
        var fresh = new CheckpointAdamNet(seed: 42);
        Assert.NotEqual(original.Parameters.ToArray(), fresh.Parameters.ToArray());
        AssertRoundTrip(original, fresh);
        Assert.Equal(12, fresh.OptimizerStep);
    }

    [Fact]
    public void Sgd_network_round_trips_and_resumes_bitwise()
    {
        var original = new CheckpointSgdNet(seed: 3);
        Train(original, 5, seed: 3);
        AssertRoundTrip(original, new CheckpointSgdNet(seed: 4));
    }

    [Fact]
    public void Stream_round_trip_gives_the_same_bytes_as_the_file()
    {
        var network = TrainedAdam();
        byte[] bytes = SaveToBytes(network);
        string directory = TemporaryDirectory();
        try
        {
            string path = Path.Combine(directory, "net.safetensors");
            network.Save(path);
            Assert.Equal(bytes, File.ReadAllBytes(path));
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
        var fresh = new CheckpointAdamNet(seed: 9);
        fresh.Load(new MemoryStream(bytes));
        NetworkState.Of(network).AssertSameAs(fresh);
    }

    [Fact]
    public void File_follows_the_safetensors_layout()
    {
        var network = TrainedAdam();
        byte[] file = SaveToBytes(network);
        ulong n = BinaryPrimitives.ReadUInt64LittleEndian(file);
        Assert.Equal(0UL, (8 + n) % 8); // data starts 8-byte aligned
        string header = Encoding.UTF8.GetString(file, 8, (int)n);
        Assert.StartsWith("{\"__metadata__\":{", header);
        Assert.EndsWith("}", header.TrimEnd(' '));
        Assert.All(header.Substring(header.TrimEnd(' ').Length), c => Assert.Equal(' ', c));

        var metadata = SafetensorsTestFile.Metadata(file);
        Assert.Equal("pt", metadata["format"]);
        Assert.Equal(network.Architecture, metadata["compilednets.architecture"]);
        Assert.Equal(Checkpoint.Fingerprint(network.Architecture), metadata["compilednets.fingerprint"]);
        Assert.Matches("^[0-9a-f]{16}$", metadata["compilednets.fingerprint"]);
        Assert.Equal("5", metadata["compilednets.optimizer_step"]);
        Assert.Equal(network.LearningRate.ToString("R", System.Globalization.CultureInfo.InvariantCulture), metadata["compilednets.learning_rate"]);
        Assert.Equal("1", metadata["compilednets.version"]);
        Assert.Matches("^[0-9a-f]{64}$", metadata["compilednets.checksum"]);

        // Tensors in the order of INetwork.Tensors, contiguous from 0 to the end of the file.
        var tensors = SafetensorsTestFile.ReadTensors(file);
        Assert.Equal(network.Tensors.Select(t => t.Name), tensors.Keys);
        long cursor = 0;
        foreach (var info in network.Tensors)
        {
            var tensor = tensors[info.Name];
            Assert.Equal("F32", tensor.DType);
            Assert.Equal(info.Shape, tensor.Shape);
            Assert.Equal(cursor, tensor.Begin);
            cursor = tensor.End;
        }
        Assert.Equal(file.Length - 8 - (long)n, cursor);
        Assert.Equal(new[] { "dense1.weight", "dense1.bias", "dense2.weight", "dense2.bias", "optimizer.exp_avg", "optimizer.exp_avg_sq" }, tensors.Keys);
        Assert.Equal(new[] { 8, 4 }, tensors["dense1.weight"].Shape);
    }

    [Fact]
    public void Independent_reader_sees_the_networks_tensors_and_the_documented_checksum()
    {
        var network = TrainedAdam();
        byte[] file = SaveToBytes(network);
        var tensors = SafetensorsTestFile.ReadTensors(file);
        foreach (var info in network.Tensors)
        {
            var storage = info.Storage switch
            {
                TensorStorage.Parameters => network.Parameters,
                TensorStorage.Buffers => network.Buffers,
                _ => network.OptimizerState,
            };
            NetworkState.AssertBitwiseEqual(storage.Slice(info.Offset, info.Length).ToArray(), tensors[info.Name].Values);
        }

        // The checksum as docs/checkpoints.md defines it, recomputed from scratch.
        var (_, data) = SafetensorsTestFile.Split(file);
        var metadata = SafetensorsTestFile.Metadata(file);
        var hashed = new List<byte>(data);
        foreach (var (key, value) in metadata.Where(p => p.Key.StartsWith("compilednets.") && p.Key != "compilednets.checksum").OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            hashed.AddRange(Encoding.UTF8.GetBytes(key)); hashed.Add(0);
            hashed.AddRange(Encoding.UTF8.GetBytes(value)); hashed.Add(0);
        }
        Assert.Equal(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(hashed.ToArray())), metadata["compilednets.checksum"]);
    }

    [Fact]
    public void Saving_twice_overwrites_and_leaves_no_temporary_files()
    {
        string directory = TemporaryDirectory();
        try
        {
            string path = Path.Combine(directory, "net.safetensors");
            var network = TrainedAdam();
            network.Save(path);
            Train(network, 1, seed: 5);
            network.Save(path);
            Assert.Equal(new[] { path }, Directory.GetFiles(directory));
            var fresh = new CheckpointAdamNet(seed: 2);
            fresh.Load(path);
            NetworkState.Of(network).AssertSameAs(fresh);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public void Checkpoint_of_another_architecture_is_an_error_naming_both()
    {
        byte[] file = SaveToBytes(TrainedAdam());
        var wide = new CheckpointWideNet(seed: 1);
        var error = AssertRejected(wide, file, "different architecture",
            new CheckpointAdamNet().Architecture, wide.Architecture);
        Assert.Contains("checkpoint: 4 -> Dense(8, ReLU)", error.Message);
        Assert.Contains("network:    4 -> Dense(16, ReLU)", error.Message);

        // Other layers and another optimizer: the layers decide.
        AssertRejected(new CheckpointSgdNet(seed: 1), SaveToBytes(new CheckpointAdamNet(seed: 1)), "different architecture", "the layers differ", "Adam", "Sgd");
    }

    [Fact]
    public void Missing_file_is_file_not_found()
    {
        var network = new CheckpointAdamNet(seed: 1);
        Assert.Throws<FileNotFoundException>(() => network.Load(Path.Combine(Path.GetTempPath(), Guid.NewGuid() + ".safetensors")));
    }
}
