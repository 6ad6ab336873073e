using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;

namespace CompiledNets.Benchmarks;

/// <summary>A residual MLP: relu(h1 + h3) after three 256-wide layers, then the softmax.</summary>
[Network(Inputs = 784)]
[Dense(256, Activation.ReLU, Name = "h1")]
[Dense(256, Activation.ReLU, Name = "h2")]
[Dense(256, Name = "h3")]
[Add("h1", "h3", Activation = Activation.ReLU)]
[Dense(10, Activation.Softmax)]
[Loss(LossFunction.CrossEntropy)]
[Adam]
public partial class ResidualMlp;

/// <summary>The same layers as a chain without the skip: its third layer applies the ReLU the Add applies.</summary>
[Network(Inputs = 784)]
[Dense(256, Activation.ReLU)]
[Dense(256, Activation.ReLU)]
[Dense(256, Activation.ReLU)]
[Dense(10, Activation.Softmax)]
[Loss(LossFunction.CrossEntropy)]
[Adam]
public partial class ChainMlp;

/// <summary>The chain written in graph form (named layers): what graph planning alone costs, without a merge.</summary>
[Network(Inputs = 784)]
[Dense(256, Activation.ReLU, Name = "h1")]
[Dense(256, Activation.ReLU, Name = "h2")]
[Dense(256, Activation.ReLU, Name = "h3")]
[Dense(10, Activation.Softmax, Name = "output")]
[Loss(LossFunction.CrossEntropy)]
[Adam]
public partial class NamedChainMlp;

/// <summary>
/// What a graph costs over a chain: the residual MLP against the same layers without the skip, and against the chain in
/// graph form, for a training step at batch 128, a batch of 1,000 predictions and one sample, on one thread.
/// </summary>
[MemoryDiagnoser]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
[CategoriesColumn]
public class GraphOverheadBenchmarks
{
    private const int Batch = 128;
    private const int Samples = 1000;
    private INetwork _chain = null!, _named = null!, _residual = null!;
    private float[] _inputs = [], _targets = [], _outputs = [];

    [GlobalSetup]
    public void Setup()
    {
        _chain = new ChainMlp(BenchNets.Seed, Sequential.DefaultMaxBatchSize) { Threads = 1 };
        _named = new NamedChainMlp(BenchNets.Seed, Sequential.DefaultMaxBatchSize) { Threads = 1 };
        _residual = new ResidualMlp(BenchNets.Seed, Sequential.DefaultMaxBatchSize) { Threads = 1 };
        (_inputs, _targets) = BenchNets.Data(_chain, Samples);
        _outputs = new float[Samples * _chain.OutputSize];
    }

    [Benchmark(Baseline = true), BenchmarkCategory("TrainBatch")]
    public float ChainTrain() => _chain.TrainBatch(_inputs.AsSpan(0, Batch * 784), _targets.AsSpan(0, Batch * 10), Batch);

    [Benchmark, BenchmarkCategory("TrainBatch")]
    public float NamedChainTrain() => _named.TrainBatch(_inputs.AsSpan(0, Batch * 784), _targets.AsSpan(0, Batch * 10), Batch);

    [Benchmark, BenchmarkCategory("TrainBatch")]
    public float ResidualTrain() => _residual.TrainBatch(_inputs.AsSpan(0, Batch * 784), _targets.AsSpan(0, Batch * 10), Batch);

    [Benchmark(Baseline = true), BenchmarkCategory("PredictBatch")]
    public void ChainPredictBatch() => _chain.PredictBatch(_inputs, _outputs, Samples);

    [Benchmark, BenchmarkCategory("PredictBatch")]
    public void NamedChainPredictBatch() => _named.PredictBatch(_inputs, _outputs, Samples);

    [Benchmark, BenchmarkCategory("PredictBatch")]
    public void ResidualPredictBatch() => _residual.PredictBatch(_inputs, _outputs, Samples);

    [Benchmark(Baseline = true), BenchmarkCategory("Predict")]
    public void ChainPredict() => _chain.Predict(_inputs.AsSpan(0, 784), _outputs.AsSpan(0, 10));

    [Benchmark, BenchmarkCategory("Predict")]
    public void NamedChainPredict() => _named.Predict(_inputs.AsSpan(0, 784), _outputs.AsSpan(0, 10));

    [Benchmark, BenchmarkCategory("Predict")]
    public void ResidualPredict() => _residual.Predict(_inputs.AsSpan(0, 784), _outputs.AsSpan(0, 10));
}
