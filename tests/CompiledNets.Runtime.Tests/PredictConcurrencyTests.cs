using CompiledNets.Runtime.Tests.Infrastructure;
using static CompiledNets.Runtime.Tests.Infrastructure.RobustData;

namespace CompiledNets.Runtime.Tests;

/// <summary>
/// <see cref="INetwork.Predict"/> is documented as thread-safe: one instance, 8 threads × 10,000 calls at once, gives
/// exactly (bitwise) the single-threaded results, and NaN inputs are allowed and propagate to the output.
/// </summary>
public class PredictConcurrencyTests
{
    private const int Threads = 8;
    private const int CallsPerThread = 10_000;
    private const int DistinctInputs = 64;

    [Fact]
    public void Eight_threads_predicting_at_once_get_the_single_threaded_results_bitwise()
    {
        var network = new RobustPredictNet(seed: 3) { Threads = 2 }; // a pool exists; Predict must not use it
        // Train a little so the weights are not the symmetric initial ones.
        var data = Labelled(256, 784, 10, seed: 4);
        network.Fit(data, epochs: 1, batchSize: 64, verbose: 0, seed: 5);

        var inputs = Labelled(DistinctInputs, 784, 10, seed: 6).Features.ToArray();
        var expected = new float[DistinctInputs * 10];
        for (int i = 0; i < DistinctInputs; i++)
            network.Predict(inputs.AsSpan(i * 784, 784), expected.AsSpan(i * 10, 10));
        var parametersBefore = network.Parameters.ToArray();

        var mismatches = new int[Threads];
        using var start = new Barrier(Threads);
        var workers = Enumerable.Range(0, Threads).Select(t => new Thread(() =>
        {
            Span<float> output = stackalloc float[10];
            start.SignalAndWait();
            for (int call = 0; call < CallsPerThread; call++)
            {
                // Each thread walks the inputs in its own order, so threads predict different samples at the same time.
                int sample = (call * (2 * t + 1) + t) % DistinctInputs;
                network.Predict(inputs.AsSpan(sample * 784, 784), output);
                var want = expected.AsSpan(sample * 10, 10);
                for (int j = 0; j < 10; j++)
                    if (BitConverter.SingleToInt32Bits(output[j]) != BitConverter.SingleToInt32Bits(want[j])) { mismatches[t]++; break; }
            }
        })).ToList();
        workers.ForEach(w => w.Start());
        workers.ForEach(w => w.Join());

        Assert.Equal(new int[Threads], mismatches);
        AssertBitwise(parametersBefore, network.Parameters, "parameters after concurrent Predict");
    }

    [Fact]
    public void A_NaN_input_propagates_to_the_output_and_does_not_poison_later_predictions()
    {
        var network = new RobustMnistNet(seed: 11);
        var input = Labelled(1, 784, 10, seed: 12).Features.ToArray();
        var clean = new float[10];
        network.Predict(input, clean);
        AssertFinite(clean, "clean prediction");

        var poisoned = (float[])input.Clone();
        poisoned[400] = float.NaN;
        var output = new float[10];
        network.Predict(poisoned, output); // allowed: no exception
        Assert.All(output, v => Assert.True(float.IsNaN(v), $"expected NaN outputs, got {string.Join(", ", output)}"));

        // PredictBatch may sum in another order than Predict (samples in the vector lanes): the clean row must be the
        // same bits as that row predicted alone in a batch, whatever shares its block.
        var cleanAlone = new float[10];
        network.PredictBatch(input, cleanAlone, 1);
        var batchOutput = new float[20];
        network.PredictBatch([.. input, .. poisoned], batchOutput, 2);
        AssertBitwise(cleanAlone, batchOutput.AsSpan(0, 10), "clean row of a batch with a NaN row");
        Assert.All(batchOutput[10..], v => Assert.True(float.IsNaN(v)));

        var again = new float[10];
        network.Predict(input, again);
        AssertBitwise(clean, again, "prediction after a NaN input");
    }

    [Theory]
    [InlineData(float.PositiveInfinity)]
    [InlineData(float.NaN)]
    public void Non_finite_inputs_to_a_tanh_regression_network_give_non_finite_outputs_without_throwing(float bad)
    {
        var network = new RobustSmallNet(seed: 2);
        var output = new float[2];
        network.Predict([0.5f, bad, -0.25f], output);
        if (float.IsNaN(bad)) Assert.All(output, v => Assert.True(float.IsNaN(v)));
        // Infinity saturates tanh, so the output may be finite: the point is that nothing throws.
        network.Predict([0.5f, 0.1f, -0.25f], output);
        AssertFinite(output, "prediction after a non-finite input");
    }
}
