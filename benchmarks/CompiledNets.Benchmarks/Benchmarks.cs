using BenchmarkDotNet.Attributes;
using CompiledNets.Generator;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace CompiledNets.Benchmarks;

/// <summary>One optimizer step (forward, backward, update) at each network's batch size.</summary>
[MemoryDiagnoser]
public class TrainBatchBenchmarks
{
    private INetwork _generated = null!, _interpreted = null!;
    private float[] _inputs = [], _targets = [];
    private int _batch;

    [Params("tiny", "mini", "small", "deep", "cnn")]
    public string Network { get; set; } = "tiny";

    [GlobalSetup]
    public void Setup()
    {
        _batch = BenchNets.TrainBatch(Network);
        _generated = BenchNets.Generated(Network, _batch);
        _interpreted = BenchNets.Interpreted(Network, _batch);
        (_inputs, _targets) = BenchNets.Data(_generated, _batch);
    }

    [Benchmark(Baseline = true)]
    public float Interpreted() => _interpreted.TrainBatch(_inputs, _targets, _batch);

    [Benchmark]
    public float Generated() => _generated.TrainBatch(_inputs, _targets, _batch);
}

/// <summary>The cases of the thread-scaling benchmarks: each network on one thread and on two.</summary>
public abstract class ThreadScalingCases
{
    [Params("small", "deep", "cnn")]
    public string Network { get; set; } = "small";

    [Params(1, 2)]
    public int Threads { get; set; } = 1;
}

/// <summary>Generated <c>TrainBatch</c> on one thread and on two: the products split across cores.</summary>
[MemoryDiagnoser]
public class ThreadScalingBenchmarks : ThreadScalingCases
{
    private INetwork _network = null!;
    private float[] _inputs = [], _targets = [];
    private int _batch;

    [GlobalSetup]
    public void Setup()
    {
        _batch = BenchNets.TrainBatch(Network);
        _network = BenchNets.Generated(Network, _batch, Threads);
        (_inputs, _targets) = BenchNets.Data(_network, _batch);
    }

    [Benchmark]
    public float TrainBatch() => _network.TrainBatch(_inputs, _targets, _batch);
}

/// <summary>Generated single-sample <c>Predict</c> on one thread and on two: the wide layers split across cores.</summary>
[MemoryDiagnoser]
public class PredictThreadScalingBenchmarks : ThreadScalingCases
{
    private INetwork _network = null!;
    private float[] _input = [], _output = [];

    [GlobalSetup]
    public void Setup()
    {
        _network = BenchNets.Generated(Network, 1, Threads);
        _input = BenchNets.Data(_network, 1).Inputs;
        _output = new float[_network.OutputSize];
    }

    [Benchmark]
    public void Predict() => _network.Predict(_input, _output);
}

/// <summary>Inference of one sample.</summary>
[MemoryDiagnoser]
public class PredictBenchmarks
{
    private INetwork _generated = null!, _interpreted = null!;
    private float[] _input = [], _output = [];

    [Params("tiny", "small", "deep", "cnn")]
    public string Network { get; set; } = "tiny";

    [GlobalSetup]
    public void Setup()
    {
        _generated = BenchNets.Generated(Network, 1);
        _interpreted = BenchNets.Interpreted(Network, 1);
        _input = BenchNets.Data(_generated, 1).Inputs;
        _output = new float[_generated.OutputSize];
    }

    [Benchmark(Baseline = true)]
    public void Interpreted() => _interpreted.Predict(_input, _output);

    [Benchmark]
    public void Generated() => _generated.Predict(_input, _output);
}

/// <summary>Inference of 1,000 samples (in chunks of the default MaxBatchSize, 256).</summary>
[MemoryDiagnoser]
public class PredictBatchBenchmarks
{
    public const int Samples = 1000;
    private INetwork _generated = null!, _interpreted = null!;
    private float[] _inputs = [], _outputs = [];

    [Params("tiny", "mini", "small", "deep", "cnn")]
    public string Network { get; set; } = "tiny";

    [GlobalSetup]
    public void Setup()
    {
        _generated = BenchNets.Generated(Network, Sequential.DefaultMaxBatchSize);
        _interpreted = BenchNets.Interpreted(Network, Sequential.DefaultMaxBatchSize);
        _inputs = BenchNets.Data(_generated, Samples).Inputs;
        _outputs = new float[Samples * _generated.OutputSize];
    }

    [Benchmark(Baseline = true)]
    public void Interpreted() => _interpreted.PredictBatch(_inputs, _outputs, Samples);

    [Benchmark]
    public void Generated() => _generated.PredictBatch(_inputs, _outputs, Samples);
}

/// <summary>
/// The FMA peak probe (see <see cref="FmaPeak"/>) on one core, and on two at once: the ceiling that thread scaling of
/// a compute-bound product is measured against (two cores of a shared machine need not reach twice one core's peak).
/// </summary>
[MemoryDiagnoser]
public class FmaPeakBenchmarks : IDisposable
{
    public const long Iterations = 1_000_000;

    [Params(1, 2)]
    public int Threads { get; set; } = 1;

    private Kernels.WorkerPool? _pool;
    private Action<int> _probe = null!;
    private float[] _results = [];

    [GlobalSetup]
    public void Setup()
    {
        _results = new float[Threads];
        _pool = Threads > 1 ? new Kernels.WorkerPool(Threads) : null;
        _probe = part => _results[part] = Benchmarks.FmaPeak.Run(Iterations);
    }

    [GlobalCleanup]
    public void Dispose() => _pool?.Dispose();

    [Benchmark]
    public float FmaPeak()
    {
        if (_pool is null) return Benchmarks.FmaPeak.Run(Iterations);
        _pool.Run(_probe);
        return _results.Sum();
    }
}

/// <summary>The generator's own cost: a fresh driver run over the deep network's declaration (parse, model, emit).</summary>
[MemoryDiagnoser]
public class GeneratorBenchmarks
{
    private CSharpCompilation _compilation = null!;
    private CSharpParseOptions _parseOptions = null!;

    [GlobalSetup]
    public void Setup()
    {
        _parseOptions = new CSharpParseOptions(LanguageVersion.Latest);
        var references = Basic.Reference.Assemblies.Net100.References.All
            .Append(MetadataReference.CreateFromFile(typeof(INetwork).Assembly.Location))
            .Append(MetadataReference.CreateFromFile(typeof(NetworkAttribute).Assembly.Location));
        _compilation = CSharpCompilation.Create("GeneratorBenchmark", [CSharpSyntaxTree.ParseText(BenchNets.DeepSource, _parseOptions)], references,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary));
        if (RunGenerator().GeneratedTrees.Length != 1) throw new InvalidOperationException("The generator did not emit the deep network.");
    }

    [Benchmark]
    public GeneratorDriverRunResult RunGenerator() =>
        CSharpGeneratorDriver.Create([new NetworkGenerator().AsSourceGenerator()], parseOptions: _parseOptions)
            .RunGenerators(_compilation)
            .GetRunResult();
}
