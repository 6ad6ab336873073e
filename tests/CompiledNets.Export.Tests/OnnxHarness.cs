using System.Collections.Concurrent;
using CompiledNets.Kernels;
using Microsoft.ML.OnnxRuntime;

namespace CompiledNets.Export.Tests;

/// <summary>Training on random data, running exported files in ONNX Runtime, and comparing outputs.</summary>
internal static class OnnxHarness
{
    /// <summary>|onnx - predict| &lt;= Tolerance · max(1, |predict|).</summary>
    public const float Tolerance = 1e-5f;

    /// <summary>Largest absolute difference seen per case, printed by the tests (and in the report).</summary>
    public static readonly ConcurrentDictionary<string, double> MaxDifference = new();

    public static float[] Uniform(int count, int seed, float low = -1f, float high = 1f)
    {
        var random = new SeededRandom(seed);
        var values = new float[count];
        for (int i = 0; i < count; i++) values[i] = random.NextFloat(low, high);
        return values;
    }

    /// <summary>A few optimizer steps on random data so the weights are no longer their initial values.</summary>
    public static void Train(INetwork network, int steps = 20, int batch = 16, int seed = 1)
    {
        var random = new SeededRandom(seed);
        var inputs = new float[batch * network.InputSize];
        var targets = new float[batch * network.OutputSize];
        for (int step = 0; step < steps; step++)
        {
            for (int i = 0; i < inputs.Length; i++) inputs[i] = random.NextFloat(-2f, 2f);
            Array.Clear(targets);
            for (int b = 0; b < batch; b++)
            {
                var row = targets.AsSpan(b * network.OutputSize, network.OutputSize);
                switch (network.Loss)
                {
                    case LossFunction.CrossEntropy: row[random.NextInt(row.Length)] = 1f; break;
                    case LossFunction.BinaryCrossEntropy: for (int o = 0; o < row.Length; o++) row[o] = random.NextInt(2); break;
                    default: for (int o = 0; o < row.Length; o++) row[o] = random.NextFloat(-1f, 1f); break;
                }
            }
            float loss = network.TrainBatch(inputs, targets, batch);
            Assert.True(float.IsFinite(loss), $"training diverged at step {step}");
        }
    }

    /// <summary>
    /// Runs <paramref name="path"/> in ONNX Runtime on a <c>[batch, InputSize]</c> input; checks the output's shape.
    /// <paramref name="optimized"/> turns on every graph optimization (the default a user gets, which may fuse the
    /// GELU pattern, Gemm+activation, ...); off runs the graph as written.
    /// </summary>
    public static float[] Run(string path, float[] inputs, int batch, int inputSize, int outputSize, bool optimized = false)
    {
        using var options = new SessionOptions
        {
            GraphOptimizationLevel = optimized ? GraphOptimizationLevel.ORT_ENABLE_ALL : GraphOptimizationLevel.ORT_DISABLE_ALL,
            IntraOpNumThreads = 1,
        };
        using var session = new InferenceSession(path, options);
        Assert.Equal(OnnxExport.InputName, Assert.Single(session.InputNames));
        Assert.Equal(OnnxExport.OutputName, Assert.Single(session.OutputNames));
        using var input = OrtValue.CreateTensorValueFromMemory(inputs, [batch, inputSize]);
        using var runOptions = new RunOptions();
        using var outputs = session.Run(runOptions, [OnnxExport.InputName], [input], [OnnxExport.OutputName]);
        var output = outputs[0];
        Assert.Equal([batch, (long)outputSize], output.GetTensorTypeAndShape().Shape);
        return output.GetTensorDataAsSpan<float>().ToArray();
    }

    /// <summary>Asserts |actual - expected| &lt;= tolerance · max(1, |expected|) everywhere; returns the largest absolute difference.</summary>
    public static double AssertClose(ReadOnlySpan<float> expected, ReadOnlySpan<float> actual, string what, float tolerance = Tolerance)
    {
        Assert.Equal(expected.Length, actual.Length);
        double max = 0;
        for (int i = 0; i < expected.Length; i++)
        {
            if (float.IsNaN(expected[i]) && float.IsNaN(actual[i])) continue;
            double difference = Math.Abs((double)actual[i] - expected[i]);
            Assert.True(difference <= tolerance * Math.Max(1.0, Math.Abs(expected[i])),
                $"{what}: element {i}: ONNX Runtime {actual[i]:R}, Predict {expected[i]:R} (difference {difference:E3})");
            max = Math.Max(max, difference);
        }
        return max;
    }
}
