using CompiledNets.Runtime.Tests.Infrastructure;
using static CompiledNets.Runtime.Tests.Infrastructure.RobustData;

namespace CompiledNets.Runtime.Tests;

/// <summary>784-64-10 predicting from bfloat16 weights.</summary>
[Network(Inputs = 784, MaxBatchSize = 64, InferenceWeights = WeightPrecision.BFloat16)]
[Dense(64, Activation.ReLU)]
[Dense(10, Activation.Softmax)]
[Loss(LossFunction.CrossEntropy)]
[Adam(LearningRate = 1e-3f)]
public partial class BFloat16PredictNet;

/// <summary>
/// The first predictions after a training step narrow the weights again while other threads predict: whichever thread
/// narrows, none may read a copy half made or one from before the step.
/// </summary>
public class BFloat16PredictConcurrencyTests
{
    private const int Threads = 4;

    [Fact]
    public void Threads_predicting_at_once_after_each_step_all_read_the_complete_new_copy()
    {
        var network = new BFloat16PredictNet(seed: 3);
        var data = Labelled(64, 784, 10, seed: 4);
        var inputs = data.Features.ToArray();
        var targets = new float[64 * 10];
        for (int i = 0; i < 64; i++) targets[i * 10 + i % 10] = 1f;
        var input = inputs.AsSpan(0, 784).ToArray();
        var outputs = new float[Threads][];
        for (int t = 0; t < Threads; t++) outputs[t] = new float[10];
        using var start = new Barrier(Threads + 1);
        using var done = new Barrier(Threads + 1);
        const int rounds = 20;
        var workers = Enumerable.Range(0, Threads).Select(t => new Thread(() =>
        {
            for (int round = 0; round < rounds; round++)
            {
                start.SignalAndWait();
                network.Predict(input, outputs[t]);
                done.SignalAndWait();
            }
        })).ToList();
        workers.ForEach(w => w.Start());
        var expected = new float[10];
        for (int round = 0; round < rounds; round++)
        {
            network.TrainBatch(inputs, targets, 64);
            start.SignalAndWait();
            done.SignalAndWait();
            network.Predict(input, expected);
            for (int t = 0; t < Threads; t++) AssertBitwise(expected, outputs[t], $"round {round}, thread {t}");
        }
        workers.ForEach(w => w.Join());
    }
}
