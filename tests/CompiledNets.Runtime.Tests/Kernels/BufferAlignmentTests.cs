using CompiledNets.Runtime.Tests.Checkpoints;
using CompiledNets.Runtime.Tests.Data;

namespace CompiledNets.Runtime.Tests.Kernels;

/// <summary>The buffers a network exposes (generated or interpreted) start on 64-byte boundaries, so 512-bit loads never split a cache line.</summary>
public class BufferAlignmentTests
{
    public static TheoryData<string> Networks => new() { nameof(SmallMnistNet), nameof(CheckpointAdamNet), nameof(CheckpointSgdNet), nameof(Sequential), "SequentialBatchNorm" };

    private static INetwork Create(string name, int seed) => name switch
    {
        nameof(SmallMnistNet) => new SmallMnistNet(seed, 8),
        nameof(CheckpointAdamNet) => new CheckpointAdamNet(seed, 8),
        nameof(Sequential) => new Sequential(784).Dense(128, Activation.ReLU).Dense(10, Activation.Softmax).Loss(LossFunction.CrossEntropy).Adam().Build(seed, 8),
        "SequentialBatchNorm" => new Sequential(20).Dense(24).BatchNorm().Dense(3, Activation.Softmax).Loss(LossFunction.CrossEntropy).Sgd(0.1f).Build(seed, 8),
        _ => new CheckpointSgdNet(seed, 8),
    };

    [Theory]
    [MemberData(nameof(Networks))]
    public void Parameters_gradients_state_and_outputs_start_on_64_byte_boundaries(string name)
    {
        // Several instances: one managed array in eight lands on a boundary by chance.
        for (int seed = 0; seed < 8; seed++)
        {
            var network = Create(name, seed);
            var inputs = new float[3 * network.InputSize];
            var targets = new float[3 * network.OutputSize];
            for (int r = 0; r < 3; r++) targets[r * network.OutputSize] = 1f;
            network.TrainBatch(inputs, targets, 3);

            Assert.Equal(0, AlignedFloatsTests.AddressModulo64(network.Parameters));
            Assert.Equal(0, AlignedFloatsTests.AddressModulo64(network.Gradients));
            Assert.Equal(0, AlignedFloatsTests.AddressModulo64(network.TrainingOutputs));
            if (network.OptimizerState.Length > 0) Assert.Equal(0, AlignedFloatsTests.AddressModulo64(network.OptimizerState));
            if (network.Buffers.Length > 0) Assert.Equal(0, AlignedFloatsTests.AddressModulo64(network.Buffers));
        }
    }
}
