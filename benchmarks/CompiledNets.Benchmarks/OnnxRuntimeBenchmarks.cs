using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using Microsoft.ML.OnnxRuntime;

namespace CompiledNets.Benchmarks;

/// <summary>
/// Inference against ONNX Runtime on the same weights: the generated network, exported with <c>ToOnnx</c> (the bytes
/// <c>ExportOnnx</c> writes), runs in an ORT <see cref="InferenceSession"/> with as many intra-op threads as the network
/// has <c>Threads</c>. ORT runs through its fastest public path: an <see cref="OrtIoBinding"/> whose input and output are
/// bound once to <see cref="OrtValue"/>s over managed arrays (pinned while the value lives), so a call allocates no
/// tensor. Each category (Predict of one sample, PredictBatch of <see cref="Samples"/>) is grouped per network and
/// thread count, with CompiledNets as the baseline: the Ratio column is ORT's time over CompiledNets' time, so a ratio
/// above 1 means CompiledNets is faster. <c>deep-bf16</c> is deep predicting from bfloat16 weights, against ORT on the
/// same float32 weights. The Predict category also times <see cref="WeightReadProbe"/>: one plain read of the bytes of
/// weights <c>Predict</c> reads, on as many threads, the memory ceiling of a wide network's single-sample inference.
/// </summary>
[MemoryDiagnoser]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
[CategoriesColumn]
public class OnnxRuntimeBenchmarks : IDisposable
{
    public const int Samples = 10_000;

    /// <summary>Largest |ORT - CompiledNets| the setup accepts: a mismatch means a wrong model, not a slow one.</summary>
    private const float Tolerance = 1e-4f;

    /// <summary>The same for bfloat16 weights, whose rounding moves the probabilities by far more than float32's summation order.</summary>
    private const float BFloat16Tolerance = 1e-2f;

    /// <summary>The networks compared, in the order the post-run table lists them (a property: BenchmarkDotNet's parameter source).</summary>
    public static string[] Networks { get; } = ["small", "deep", "deep-bf16", "cnn"];

    [ParamsSource(nameof(Networks))]
    public string Network { get; set; } = "small";

    [Params(1, 2)]
    public int Threads { get; set; } = 1;

    private INetwork _network = null!;
    private float[] _inputs = [], _outputs = [], _ortOutputs = [];
    private float[] _input = [], _output = [], _ortOutput = [];
    private InferenceSession? _session;
    private RunOptions? _runOptions;
    private OrtIoBinding? _single, _batch;
    private readonly List<IDisposable> _owned = [];
    private Kernels.WorkerPool? _readPool;
    private Action<int> _readPart = null!;
    private float[] _readSums = [];
    private long _weightBytes;

    [GlobalSetup]
    public void Setup()
    {
        // The default MaxBatchSize (256), as a user builds it (PredictBatch does not depend on it).
        _network = BenchNets.Generated(Network, Sequential.DefaultMaxBatchSize, Threads);
        _inputs = BenchNets.Data(_network, Samples).Inputs;
        _input = _inputs[.._network.InputSize];
        _outputs = new float[Samples * _network.OutputSize];
        _ortOutputs = new float[_outputs.Length];
        _output = new float[_network.OutputSize];
        _ortOutput = new float[_output.Length];

        var options = Own(new SessionOptions
        {
            IntraOpNumThreads = Threads, // the calling thread counts as one, as in CompiledNets' pool
            InterOpNumThreads = 1,
            ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
        });
        _session = Own(new InferenceSession(_network.ToOnnx(), options));
        _runOptions = Own(new RunOptions());
        _single = Bind(_input, _ortOutput, 1);
        _batch = Bind(_inputs, _ortOutputs, Samples);

        _weightBytes = WeightReadProbe.Bytes(_network.ParameterCount, bfloat16: Network.EndsWith("-bf16", StringComparison.Ordinal));
        _readPool = Threads > 1 ? Own(new Kernels.WorkerPool(Threads)) : null;
        _readSums = new float[_readPool?.BalancedParts ?? 1];
        _readPart = part => _readSums[part] = WeightReadProbe.ReadPart(_network.Parameters, _weightBytes, part, _readSums.Length);

        CompiledNetsPredict();
        OnnxRuntimePredict();
        Check(_output, _ortOutput, "Predict");
        CompiledNetsPredictBatch();
        OnnxRuntimePredictBatch();
        Check(_outputs, _ortOutputs, "PredictBatch");
    }

    [Benchmark(Baseline = true), BenchmarkCategory("Predict")]
    public void CompiledNetsPredict() => _network.Predict(_input, _output);

    [Benchmark, BenchmarkCategory("Predict")]
    public void OnnxRuntimePredict() => _session!.RunWithBinding(_runOptions!, _single!);

    /// <summary>The memory ceiling: the bytes of weights <c>Predict</c> reads, read once, split as <c>Predict</c> splits a wide layer.</summary>
    [Benchmark, BenchmarkCategory("Predict")]
    public void WeightRead()
    {
        if (_readPool is null) _readPart(0);
        else _readPool.Run(_readPart, _readSums.Length);
    }

    [Benchmark(Baseline = true), BenchmarkCategory("PredictBatch")]
    public void CompiledNetsPredictBatch() => _network.PredictBatch(_inputs, _outputs, Samples);

    [Benchmark, BenchmarkCategory("PredictBatch")]
    public void OnnxRuntimePredictBatch() => _session!.RunWithBinding(_runOptions!, _batch!);

    /// <summary>
    /// Disposes the session and its bindings: the in-process job runs every case in one process, and a live session
    /// keeps its intra-op threads.
    /// </summary>
    [GlobalCleanup]
    public void Dispose()
    {
        for (int i = _owned.Count - 1; i >= 0; i--) _owned[i].Dispose();
        _owned.Clear();
    }

    /// <summary>A binding of <paramref name="batch"/> rows; the tensor shapes come from the model (an image network takes [N, C, H, W]).</summary>
    private OrtIoBinding Bind(float[] inputs, float[] outputs, int batch)
    {
        var binding = Own(_session!.CreateIoBinding());
        binding.BindInput(OnnxExport.InputName, Own(OrtValue.CreateTensorValueFromMemory(inputs, Shape(_session.InputMetadata[OnnxExport.InputName], batch))));
        binding.BindOutput(OnnxExport.OutputName, Own(OrtValue.CreateTensorValueFromMemory(outputs, Shape(_session.OutputMetadata[OnnxExport.OutputName], batch))));
        return binding;
    }

    /// <summary>The model's dimensions with the dynamic batch dimension N set to <paramref name="batch"/>.</summary>
    private static long[] Shape(NodeMetadata metadata, int batch) => [batch, .. metadata.Dimensions.Skip(1).Select(d => (long)d)];

    private void Check(float[] expected, float[] actual, string what)
    {
        float tolerance = Network.EndsWith("-bf16", StringComparison.Ordinal) ? BFloat16Tolerance : Tolerance;
        for (int i = 0; i < expected.Length; i++)
        {
            if (!(Math.Abs(actual[i] - expected[i]) <= tolerance))
                throw new InvalidOperationException($"{what}: ONNX Runtime gives {actual[i]:R} where CompiledNets gives {expected[i]:R} (element {i}).");
        }
    }

    private T Own<T>(T disposable) where T : IDisposable
    {
        _owned.Add(disposable);
        return disposable;
    }
}
