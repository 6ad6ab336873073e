using System.Reflection;
using static CompiledNets.Equivalence.Tests.Tolerance;

namespace CompiledNets.Equivalence.Tests;

/// <summary>
/// The kernels' edge tiles and remainders: widths of 1, 15, 17, 31, 33, 257, 316 and 1,023 (around the 4-row forward tile,
/// the 16-float vectors, the 64-column backward tiles and their 64-row reduction blocks), 1,024 and 2,048 (the weight
/// gradient's row tiles of dy), batches that are not a multiple of the tile, and the
/// same products split across two threads, all against the interpreted engine. SGD with momentum rather than Adam:
/// Adam divides each gradient by its own running RMS, which turns float noise in near-zero gradients into steps of
/// the full learning rate and would blur a comparison of the kernels after several steps.
/// </summary>
public sealed class EdgeShapeTests
{
    private const string Source = """
        using CompiledNets;
        namespace Edges;
        [Network(Inputs = 257)] [Dense(1023, Activation.ReLU)] [Dense(17, Activation.Tanh)] [Dense(15, Activation.Softmax)]
        [Loss(LossFunction.CrossEntropy)] [Sgd(LearningRate = 0.05f, Momentum = 0.9f)]
        public partial class Wide;

        [Network(Inputs = 31)] [Dense(1)] [Dense(33, Activation.ELU)] [Dense(31, Activation.Sigmoid)]
        [Loss(LossFunction.BinaryCrossEntropy)] [Sgd(LearningRate = 0.1f)]
        public partial class Narrow;

        [Network(Inputs = 19)] [Dense(316, Activation.ReLU)] [Dense(257, Activation.Tanh)] [Dense(3, Activation.Softmax)]
        [Loss(LossFunction.CrossEntropy)] [Sgd(LearningRate = 0.05f, Momentum = 0.9f)]
        public partial class Blocked;

        [Network(Inputs = 64)] [Dense(2048, Activation.ReLU)] [Dense(10, Activation.Softmax)]
        [Loss(LossFunction.CrossEntropy)] [Sgd(LearningRate = 0.05f, Momentum = 0.9f)]
        public partial class FewColumns;

        [Network(Inputs = 40)] [Maxout(256, 4)] [Dense(1024, Activation.ReLU)] [Dense(5, Activation.Softmax)]
        [Loss(LossFunction.CrossEntropy)] [Sgd(LearningRate = 0.05f, Momentum = 0.9f)]
        public partial class DeltaTiles;
        """;

    private static readonly Lazy<Assembly> Networks = new(() =>
    {
        var (image, _) = GeneratedCorpus.CompileSources([("Edges.cs", Source)]);
        return GeneratedCorpus.Load("Edges", image);
    });

    private static INetwork Generated(string name, int threads)
    {
        var network = (INetwork)Activator.CreateInstance(Networks.Value.GetType("Edges." + name, throwOnError: true)!, 3, MaxBatch)!;
        network.GetType().GetProperty("Threads")!.SetValue(network, threads);
        return network;
    }

    /// <summary>Room for the batch of 130: three reduction blocks of the weight gradients (64, 64 and 2 rows).</summary>
    private const int MaxBatch = 160;

    private static Sequential Interpreted(string name) => name switch
    {
        "Wide" => new Sequential(257).Dense(1023, Activation.ReLU).Dense(17, Activation.Tanh).Dense(15, Activation.Softmax).Loss(LossFunction.CrossEntropy).Sgd(0.05f, momentum: 0.9f).Build(4, MaxBatch),
        "Narrow" => new Sequential(31).Dense(1).Dense(33, Activation.ELU).Dense(31, Activation.Sigmoid).Loss(LossFunction.BinaryCrossEntropy).Sgd(0.1f).Build(4, MaxBatch),
        // dense2's input gradient reduces its 257 outputs in blocks of 64 (the last of one row) over packed panels of W, its
        // 316 columns in tiles of 64, 32 and 16 floats plus 12 scalar ones; the weight gradients of dense2 (316 inputs, 257
        // rows) are blocked over the batch. At batch 130 on two threads each product splits by columns (21 MFLOP).
        // dense1's weight gradient (33.6 MFLOP at batch 128) splits across the pool by its 64 input columns: one block,
        // fewer than the parts, so all but one part are empty and the bias gradient must still be computed (by the first
        // non-empty part; WorkerPoolTests checks that every partition has exactly one such part).
        "FewColumns" => new Sequential(64).Dense(2048, Activation.ReLU).Dense(10, Activation.Softmax).Loss(LossFunction.CrossEntropy).Sgd(0.05f, momentum: 0.9f).Build(4, MaxBatch),
        // Both weight gradients read their output gradient from a row-tile copy (1,024 linear units each): Maxout's in the
        // buffer its output gradient came in, the Dense layer's in the one its input gradient writes next.
        "DeltaTiles" => new Sequential(40).Maxout(256, 4).Dense(1024, Activation.ReLU).Dense(5, Activation.Softmax).Loss(LossFunction.CrossEntropy).Sgd(0.05f, momentum: 0.9f).Build(4, MaxBatch),
        _ => new Sequential(19).Dense(316, Activation.ReLU).Dense(257, Activation.Tanh).Dense(3, Activation.Softmax).Loss(LossFunction.CrossEntropy).Sgd(0.05f, momentum: 0.9f).Build(4, MaxBatch),
    };

    [Theory]
    [InlineData("Wide", 1, 1)]
    [InlineData("Wide", 13, 1)]
    [InlineData("Wide", 13, 2)]
    [InlineData("Wide", 64, 2)]
    [InlineData("Narrow", 1, 1)]
    [InlineData("Narrow", 7, 2)]
    [InlineData("Blocked", 1, 1)]
    [InlineData("Blocked", 13, 1)]
    [InlineData("Blocked", 130, 1)]
    [InlineData("Blocked", 130, 2)]
    [InlineData("FewColumns", 128, 1)]
    [InlineData("FewColumns", 128, 2)]
    [InlineData("DeltaTiles", 5, 1)]
    [InlineData("DeltaTiles", 70, 2)]
    public void Edge_shapes_agree_with_the_interpreted_engine(string name, int batch, int threads)
    {
        var generated = Generated(name, threads);
        var interpreted = Interpreted(name);
        generated.Parameters.CopyTo(interpreted.Parameters);
        var (inputs, targets) = TestData.Batch(generated, batch, seed: batch);

        var expected = new float[batch * generated.OutputSize];
        var actual = new float[batch * generated.OutputSize];
        generated.PredictBatch(inputs, expected, batch);
        interpreted.PredictBatch(inputs, actual, batch);
        AssertClose(expected, actual, $"{name} b{batch} t{threads} outputs");

        AssertClose(generated.ComputeGradients(inputs, targets, batch), interpreted.ComputeGradients(inputs, targets, batch), $"{name} loss");
        AssertGradientsClose(generated, interpreted, $"{name} b{batch} t{threads} gradient");
        for (int step = 0; step < 3; step++)
        {
            var (x, t) = TestData.Batch(generated, batch, seed: 100 + step);
            generated.TrainBatch(x, t, batch);
            interpreted.TrainBatch(x, t, batch);
        }
        AssertTensorsClose(generated, interpreted, TensorStorage.Parameters, $"{name} b{batch} t{threads} after 3 steps:", afterSteps: true);
    }

    [Theory]
    // 257 -> 1023 at batch 64 is 33.7 MFLOP per product: above the parallel threshold, so two threads split it.
    [InlineData("Wide", 64)]
    // 64 -> 2048 at batch 128: its weight gradient has one 64-column block for the pool's parts (see Interpreted).
    [InlineData("FewColumns", 128)]
    public void One_and_two_threads_train_to_bitwise_identical_parameters(string name, int batch)
    {
        var one = Generated(name, threads: 1);
        var two = Generated(name, threads: 2);
        Assert.True(2L * batch * one.InputSize * (name == "Wide" ? 1023 : 2048) > 16_000_000);
        for (int step = 0; step < 20; step++)
        {
            var (x, t) = TestData.Batch(one, batch, seed: step);
            Assert.Equal(one.TrainBatch(x, t, batch), two.TrainBatch(x, t, batch));
        }
        Assert.True(one.Parameters.SequenceEqual(two.Parameters), "parameters differ between 1 and 2 threads");
        Assert.True(one.OptimizerState.SequenceEqual(two.OptimizerState), "optimizer state differs between 1 and 2 threads");
    }
}
