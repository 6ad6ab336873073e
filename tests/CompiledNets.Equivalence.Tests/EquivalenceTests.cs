using Xunit.Abstractions;
using static CompiledNets.Equivalence.Tests.Tolerance;

namespace CompiledNets.Equivalence.Tests;

/// <summary>
/// Generated == interpreted: every corpus architecture, compiled in memory through the generator and built
/// as a <see cref="Sequential"/>, from the same weights. Tolerances are explained on <see cref="Tolerance"/>.
/// </summary>
public sealed class EquivalenceTests(ITestOutputHelper output)
{
    private const int Seed = 1234;
    private const int MaxBatch = 64;
    private const int Steps = 5;

    [Fact]
    public void The_corpus_is_broad_enough()
    {
        var entries = Corpus.Entries;
        var interpreted = entries.Select(e => e.CreateSequential(Seed, 1)).ToList();
        Assert.True(entries.Count >= 30, $"{entries.Count} architectures");
        var layers = interpreted.SelectMany(n => n.Summary.Layers).ToList();
        var depths = interpreted.Select(n => n.Summary.Layers.Count).ToHashSet();
        for (int depth = 1; depth <= 5; depth++) Assert.Contains(depth, depths);
        var flat = interpreted.Where((_, i) => entries[i].ImageShape is null).ToList();
        var widths = flat.SelectMany(n => n.Summary.Layers).Select(l => l.OutputShape[0]).Concat(flat.Select(n => n.InputSize)).ToList();
        Assert.Equal(1, widths.Min());
        Assert.True(widths.Max() >= 1100, $"widest layer {widths.Max()}");
        Assert.Contains(widths, w => w % 4 != 0 && w > 16);
        foreach (var activation in Enum.GetValues<Activation>().Where(a => a != Activation.Step))
            Assert.Contains(layers, l => l.Detail == activation.ToString());
        foreach (var loss in Enum.GetValues<LossFunction>())
            Assert.Contains(interpreted, n => n.Loss == loss);
        foreach (var optimizer in new[] { "Sgd", "AdaGrad", "RmsProp", "Adam", "AdamW" })
            Assert.Contains(interpreted, n => n.Architecture.EndsWith("| " + optimizer, StringComparison.Ordinal));
        foreach (var kind in new[] { "Dense", "Dropout", "BatchNorm", "LayerNorm", "Activation", "Maxout" })
        {
            // Every layer kind first, in the middle and last.
            Assert.Contains(interpreted, n => n.Summary.Layers[0].Kind == kind);
            Assert.Contains(interpreted, n => n.Summary.Layers.Count > 2 && n.Summary.Layers.Skip(1).SkipLast(1).Any(l => l.Kind == kind));
            Assert.Contains(interpreted, n => n.Summary.Layers[^1].Kind == kind);
        }
        foreach (var kind in new[] { "Conv2D", "MaxPool2D", "AvgPool2D" })
        {
            // Image kinds first and after another image layer; a convolution last, with an image as the output.
            Assert.Contains(interpreted, n => n.Summary.Layers[0].Kind == kind);
            Assert.Contains(interpreted, n => n.Summary.Layers.Skip(1).Any(l => l.Kind == kind));
        }
        Assert.Contains(interpreted, n => n.Summary.Layers[^1].Kind == "Conv2D");
        Assert.Contains(interpreted, n => n.Summary.Layers.Any(l => l.Kind == "GlobalAvgPool2D"));
        Assert.Contains(interpreted, n => n.Summary.Layers.Any(l => l.Kind == "Flatten"));
        foreach (var kind in new[] { "BatchNorm", "LayerNorm", "Dropout", "Activation" })
            Assert.Contains(interpreted, n => n.Summary.Layers.Any(l => l.Kind == kind && l.OutputShape.Length == 3));
        Assert.True(entries.Count(e => e.ImageShape is not null) >= 30, "image architectures");
        Assert.Contains(interpreted, n => n.Summary.Optimizer.Contains("nesterov", StringComparison.Ordinal));
        Assert.Contains(interpreted, n => n.Summary.Optimizer.StartsWith("Sgd", StringComparison.Ordinal) && n.Summary.Optimizer.Contains("momentum", StringComparison.Ordinal));
        Assert.Contains(interpreted, n => n.Summary.Optimizer.StartsWith("RmsProp", StringComparison.Ordinal) && n.Summary.Optimizer.Contains("momentum", StringComparison.Ordinal));
        Assert.Contains(layers, l => l.Detail.Contains("(alpha ", StringComparison.Ordinal) && l.Kind == "Activation");
        Assert.Contains(layers, l => l.Detail.Contains("(alpha ", StringComparison.Ordinal) && l.Kind == "Dense");
        Assert.Contains(entries, e => e.Attributes.Contains("[WeightDecay(", StringComparison.Ordinal));
        Assert.Contains(entries, e => e.Attributes.Contains("L2 = ", StringComparison.Ordinal));

        // Compiling the corpus is part of this project's cost: report it.
        GeneratedCorpus.Create(entries[0].Name, Seed, 1);
        output.WriteLine($"{entries.Count} architectures; generator + compilation of the corpus: {GeneratedCorpus.CompileTime.TotalSeconds:F2} s");
    }

    [Theory]
    [MemberData(nameof(Corpus.Names), MemberType = typeof(Corpus))]
    public void The_same_seed_gives_the_same_initial_weights(string name)
    {
        var generated = GeneratedCorpus.Create(name, Seed, MaxBatch);
        var interpreted = Corpus.Get(name).CreateSequential(Seed, MaxBatch);
        // Same generator stream, same order, same shared initialisers: bit for bit.
        Assert.True(generated.Parameters.SequenceEqual(interpreted.Parameters), $"{name}: initial parameters differ");
        Assert.All(interpreted.OptimizerState.ToArray(), v => Assert.Equal(0f, v));
    }

    [Theory]
    [MemberData(nameof(Corpus.Names), MemberType = typeof(Corpus))]
    public void Architecture_tensors_and_summary_agree(string name)
    {
        var generated = GeneratedCorpus.Create(name, Seed, MaxBatch);
        var interpreted = Corpus.Get(name).CreateSequential(Seed, MaxBatch);
        Assert.Equal(generated.Architecture, interpreted.Architecture);
        Assert.Equal(generated.InputSize, interpreted.InputSize);
        Assert.Equal(generated.OutputSize, interpreted.OutputSize);
        Assert.Equal(generated.ParameterCount, interpreted.ParameterCount);
        Assert.Equal(generated.MaxBatchSize, interpreted.MaxBatchSize);
        Assert.Equal(generated.Loss, ((INetwork)interpreted).Loss);
        Assert.Equal(generated.LearningRate, interpreted.LearningRate);
        Assert.Equal(generated.OptimizerState.Length, interpreted.OptimizerState.Length);
        Assert.Equal(generated.Buffers.Length, interpreted.Buffers.Length);
        Assert.Equal(
            generated.Tensors.Select(t => (t.Name, t.ShapeText, t.Storage, t.Offset)),
            interpreted.Tensors.Select(t => (t.Name, t.ShapeText, t.Storage, t.Offset)));
        Assert.Equal(
            generated.Summary.Layers.Select(l => (l.Name, l.Kind, string.Join(",", l.OutputShape), l.TrainableParameters, l.NonTrainableParameters, l.Detail)),
            interpreted.Summary.Layers.Select(l => (l.Name, l.Kind, string.Join(",", l.OutputShape), l.TrainableParameters, l.NonTrainableParameters, l.Detail)));
        Assert.Equal(generated.Summary.Loss, interpreted.Summary.Loss);
        Assert.Equal(generated.Summary.Optimizer, interpreted.Summary.Optimizer);
        Assert.Equal(generated.Summary.TrainableParameters, interpreted.Summary.TrainableParameters);
    }

    [Theory]
    [MemberData(nameof(Corpus.NamesAndBatches), MemberType = typeof(Corpus))]
    public void Outputs_loss_gradients_and_five_training_steps_agree(string name, int batch)
    {
        var generated = GeneratedCorpus.Create(name, Seed, MaxBatch);
        // A different seed, then the generated network's weights: the comparison never relies on initialisation.
        // Except with dropout: the seed also seeds the mask stream, which must be the same for the engines to agree.
        var entry = Corpus.Get(name);
        var interpreted = entry.CreateSequential(entry.HasDropout ? Seed : Seed + 1, MaxBatch);
        generated.Parameters.CopyTo(interpreted.Parameters);
        generated.Buffers.CopyTo(interpreted.Buffers);

        if (entry.ImageShape is null && entry.BuildGraph is not null)
        {
            // A graph sums gradients over its readers, so a unit dead for the whole batch (a ReLU branch, a batch norm of
            // one sample) leaves rounding noise that a normalising optimizer would turn into a full step: equal it.
            // The engines also add a value's gradients from its readers in their own orders, and five normalised steps
            // compound that: the steps are compared at GraphRelativeAfterSteps.
            EngineAgreement.AssertAgree(generated, interpreted, $"{name} b{batch}", batch, Steps, equalNoiseGradients: true, relativeAfterSteps: GraphRelativeAfterSteps);
        }
        else if (entry.ImageShape is null) EngineAgreement.AssertAgree(generated, interpreted, $"{name} b{batch}", batch, Steps);
        else EngineAgreement.AssertAgree(generated, interpreted, $"{name} b{batch}", batch, Steps, relative: ImageRelative, equalNoiseGradients: true, relativeAfterSteps: ImageRelativeAfterSteps);
    }

    /// <summary>What follows training steps of a graph, ten times <see cref="Tolerance.Relative"/> (see the comparison).</summary>
    private const double GraphRelativeAfterSteps = 1e-4;

    /// <summary>
    /// The bound for image networks. A convolution's bias gradient sums batch × height × width terms (43,264 for the
    /// first layer of ConvKeras at batch 64) and its weight gradient batch × output pixels: √n·u reaches 1.2e-5 before
    /// any cancellation, so 1e-5 (<see cref="Tolerance"/>) is no longer 170 u but one. 1e-4 restores the margin and stays
    /// ten times under what a wrong index, window offset or padding moves (1e-3 of the tensor's scale or more). Gradient
    /// elements that cancel to rounding noise (a ReLU channel alive for every pixel, a softmax bias summed over a batch
    /// whose errors cancel) are equalled before each normalising step, as <see cref="EngineAgreement.EqualNoiseGradients"/> says.
    /// </summary>
    private const double ImageRelative = 1e-4;

    /// <summary>
    /// After training steps, image networks at batch 1 compound two ill-conditioned quantities: Adam's per-element division
    /// (a bias gradient that is 1e-4 of its tensor's largest carries relative noise 1e-3 into its step), and a loss near
    /// zero (−log p with p = 0.9991 moves 1e-4 of itself when p moves by one ulp). The single pass above is the sharp test;
    /// the steps check that the optimizer and the running statistics follow, to 1e-3.
    /// </summary>
    private const double ImageRelativeAfterSteps = 1e-3;

    [Theory]
    [InlineData("Mini", true)]
    [InlineData("Mini", false)]
    [InlineData("Depth5Mixed", true)]
    [InlineData("Initializers", false)]
    [InlineData("OddMedium", true)]
    [InlineData("BatchNormSettings", true)]
    [InlineData("BatchNormDeep", false)]
    [InlineData("LayerNormAdamW", true)]
    [InlineData("RmsPropMomentum", false)]
    public void A_checkpoint_moves_between_the_engines(string name, bool fromGenerated)
    {
        var generated = GeneratedCorpus.Create(name, Seed, MaxBatch);
        var interpreted = Corpus.Get(name).CreateSequential(Seed + 99, MaxBatch);
        INetwork source = fromGenerated ? generated : interpreted, target = fromGenerated ? interpreted : generated;
        source.LearningRate *= 0.5f;
        for (int step = 1; step <= 3; step++)
        {
            var (x, t) = TestData.Batch(source, 16, seed: step);
            source.TrainBatch(x, t, 16);
        }

        // What a checkpoint holds: every tensor by name, the step count and the learning rate.
        foreach (var tensor in source.Tensors)
        {
            var into = target.Tensors.Single(t => t.Name == tensor.Name);
            Assert.Equal(tensor.Shape, into.Shape);
            Assert.Equal(tensor.Storage, into.Storage);
            var destination = into.Storage switch
            {
                TensorStorage.Parameters => target.Parameters,
                TensorStorage.Buffers => target.Buffers,
                _ => target.OptimizerState,
            };
            Slice(source, tensor).CopyTo(destination.Slice(into.Offset, into.Length));
        }
        target.OptimizerStep = source.OptimizerStep;
        target.LearningRate = source.LearningRate;

        for (int step = 4; step <= 5; step++)
        {
            var (x, t) = TestData.Batch(source, 16, seed: step);
            SyncDeadBiases(generated, interpreted);
            AssertClose(generated.TrainBatch(x, t, 16), interpreted.TrainBatch(x, t, 16), $"{name} loss of step {step}");
        }
        AssertTensorsClose(generated, interpreted, TensorStorage.Parameters, $"{name} resumed:", afterSteps: true);
        AssertTensorsClose(generated, interpreted, TensorStorage.OptimizerState, $"{name} resumed:", afterSteps: true);
        AssertTensorsClose(generated, interpreted, TensorStorage.Buffers, $"{name} resumed:", afterSteps: true);
    }

    [Theory]
    [InlineData("BatchNormMomentumSgd", true)]
    [InlineData("BatchNormDeep", false)]
    [InlineData("LayerNormAdamW", false)]
    [InlineData("RmsPropMomentum", true)]
    [InlineData("BatchNormSettings", false)]
    public void A_safetensors_checkpoint_saved_by_one_engine_loads_into_the_other(string name, bool fromGenerated)
    {
        var generated = GeneratedCorpus.Create(name, Seed, MaxBatch);
        var interpreted = Corpus.Get(name).CreateSequential(Seed + 99, MaxBatch);
        INetwork source = fromGenerated ? generated : interpreted, target = fromGenerated ? interpreted : generated;
        source.LearningRate *= 0.5f;
        for (int step = 1; step <= 3; step++)
        {
            var (x, t) = TestData.Batch(source, 16, seed: step);
            source.TrainBatch(x, t, 16);
        }
        if (source.Buffers.Length > 0) Assert.Contains(source.Buffers.ToArray(), v => v != 0f && v != 1f);

        using var file = new MemoryStream();
        source.Save(file);
        file.Position = 0;
        target.Load(file);

        // Everything the checkpoint holds arrived bit for bit: parameters, running statistics, optimizer state and its names.
        Assert.True(source.Parameters.SequenceEqual(target.Parameters), $"{name}: parameters");
        Assert.True(source.Buffers.SequenceEqual(target.Buffers), $"{name}: buffers");
        Assert.True(source.OptimizerState.SequenceEqual(target.OptimizerState), $"{name}: optimizer state");
        Assert.Equal(source.OptimizerStep, target.OptimizerStep);
        Assert.Equal(source.LearningRate, target.LearningRate);
        for (int step = 4; step <= 5; step++)
        {
            var (x, t) = TestData.Batch(source, 16, seed: step);
            SyncDeadBiases(generated, interpreted);
            AssertClose(generated.TrainBatch(x, t, 16), interpreted.TrainBatch(x, t, 16), $"{name} loss of step {step}");
        }
        AssertTensorsClose(generated, interpreted, TensorStorage.Parameters, $"{name} resumed:", afterSteps: true);
        AssertTensorsClose(generated, interpreted, TensorStorage.OptimizerState, $"{name} resumed:", afterSteps: true);
        AssertTensorsClose(generated, interpreted, TensorStorage.Buffers, $"{name} resumed:", afterSteps: true);
    }

    [Theory]
    [InlineData("DropoutLast", 64)]
    [InlineData("DropoutLast", 7)]
    [InlineData("DropoutTwiceWide", 64)]
    public void Dropout_masks_are_equal_because_both_engines_draw_the_same_stream(string name, int batch)
    {
        var generated = GeneratedCorpus.Create(name, Seed, MaxBatch);
        var interpreted = Corpus.Get(name).CreateSequential(Seed, MaxBatch);
        for (int step = 1; step <= 3; step++)
        {
            var (x, t) = TestData.Batch(generated, batch, seed: step);
            generated.ComputeGradients(x, t, batch);
            interpreted.ComputeGradients(x, t, batch);
            // Where a value was dropped both engines hold an exact zero, and only there.
            var a = generated.TrainingOutputs;
            var b = interpreted.TrainingOutputs;
            for (int i = 0; i < a.Length; i++)
                Assert.True((a[i] == 0f) == (b[i] == 0f), $"{name} step {step}: element {i} is {a[i]} generated, {b[i]} interpreted");
            if (name == "DropoutLast")
            {
                int dropped = 0;
                foreach (float v in b) if (v == 0f) dropped++;
                Assert.InRange(dropped, 1, b.Length - 1);
            }
            AssertClose(a, b, $"{name} step {step} training outputs");
        }

        // Another seed draws other masks.
        var reseeded = Corpus.Get(name).CreateSequential(Seed + 1, MaxBatch);
        generated.Parameters.CopyTo(reseeded.Parameters);
        var (inputs, targets) = TestData.Batch(generated, batch, seed: 42);
        generated.ComputeGradients(inputs, targets, batch);
        reseeded.ComputeGradients(inputs, targets, batch);
        Assert.False(generated.TrainingOutputs.SequenceEqual(reseeded.TrainingOutputs), $"{name}: a different seed gave the same masks");
    }

    [Theory]
    [MemberData(nameof(Corpus.Names), MemberType = typeof(Corpus))]
    public void Predict_equals_the_PredictBatch_row(string name)
    {
        const int batch = 7;
        foreach (var network in new[] { GeneratedCorpus.Create(name, Seed, 4), Corpus.Get(name).CreateSequential(Seed, 4) })
        {
            // PredictBatch of 7 rows runs in chunks of MaxBatchSize = 4, so chunking is covered too.
            var (inputs, _) = TestData.Batch(network, batch, seed: 5);
            var rows = new float[batch * network.OutputSize];
            network.PredictBatch(inputs, rows, batch);
            var one = new float[network.OutputSize];
            for (int r = 0; r < batch; r++)
            {
                network.Predict(inputs.AsSpan(r * network.InputSize, network.InputSize), one);
                // Same products in the same order, but an element-wise kernel (TensorPrimitives.Tanh, ...) takes
                // its scalar path for a 1-value span and its vector path for a longer one: an ulp apart, which a
                // following layer can amplify through cancellation. Not bit-exact, so the engines' tolerance.
                AssertClose(rows.AsSpan(r * network.OutputSize, network.OutputSize), one, $"{name} ({network.GetType().Name}) row {r}");
            }
        }
    }

    [Theory]
    [InlineData("Mini")]
    [InlineData("Small")]
    [InlineData("Wide1100By1027")]
    [InlineData("Depth5Mixed")]
    [InlineData("ToolkitAll")]
    [InlineData("MaxoutWide")]
    public void Predict_is_thread_safe(string name)
    {
        foreach (var network in new[] { GeneratedCorpus.Create(name, Seed, 8), Corpus.Get(name).CreateSequential(Seed, 8) })
            ThreadSafety.AssertPredictIsThreadSafe(network);
    }

    [Theory]
    [InlineData("Xor")]
    [InlineData("Mini")]
    [InlineData("Depth5Mixed")]
    [InlineData("Small")]
    [InlineData("ToolkitAll")]
    [InlineData("DropoutTwiceWide")]
    [InlineData("BatchNormDeep")]
    [InlineData("LayerNormAdamW")]
    [InlineData("MaxoutDeep")]
    [InlineData("ActivationChain")]
    [InlineData("WeightDecayMixed")]
    [InlineData("RmsPropMomentum")]
    [InlineData("BatchNormLast")]
    [InlineData("LayerNormFirstNesterov")]
    public void TrainBatch_and_Predict_allocate_nothing_after_warm_up(string name)
    {
        foreach (var network in new[] { GeneratedCorpus.Create(name, Seed, 16), Corpus.Get(name).CreateSequential(Seed, 16) })
            Allocations.AssertNoAllocations(network, $"{name} ({network.GetType().Name})");
    }
}

/// <summary>Inference-only networks (Step perceptrons), generated and interpreted: same description, same predictions.</summary>
public sealed class InferenceOnlyEquivalenceTests
{
    private const string Source = """
        using CompiledNets;

        namespace InferenceOnly;

        [Network(Inputs = 3, InferenceOnly = true)]
        [Dense(4, Activation.Tanh)]
        [BatchNorm]
        [Dropout(0.5f)]
        [Dense(2, Activation.Step)]
        public partial class Perceptron;
        """;

    [Fact]
    public void An_inference_only_network_matches_its_generated_twin()
    {
        var (image, _) = GeneratedCorpus.CompileSources([("InferenceOnly/Perceptron.cs", Source)]);
        var type = GeneratedCorpus.Load("InferenceOnly", image).GetType("InferenceOnly.Perceptron", throwOnError: true)!;
        var generated = (INetwork)Activator.CreateInstance(type, 5, 8)!;
        var interpreted = new Sequential(3).Dense(4, Activation.Tanh).BatchNorm().Dropout(0.5f).Dense(2, Activation.Step).InferenceOnly().Build(seed: 5, maxBatchSize: 8);

        Assert.Equal(generated.Architecture, interpreted.Architecture);
        Assert.Equal(generated.Summary.Optimizer, interpreted.Summary.Optimizer);
        Assert.Equal(generated.Summary.Loss, interpreted.Summary.Loss);
        Assert.Equal(generated.Tensors.Select(t => (t.Name, t.ShapeText, t.Storage, t.Offset)), interpreted.Tensors.Select(t => (t.Name, t.ShapeText, t.Storage, t.Offset)));
        Assert.Equal(generated.LearningRate, interpreted.LearningRate);
        Assert.True(generated.Parameters.SequenceEqual(interpreted.Parameters));
        Assert.True(generated.Buffers.SequenceEqual(interpreted.Buffers));

        // Running statistics set by hand (as a checkpoint would), then the same predictions.
        for (int i = 0; i < generated.Buffers.Length; i++) generated.Buffers[i] = interpreted.Buffers[i] = 0.1f * (i + 1);
        var (inputs, _) = TestData.Batch(generated, 16, seed: 3);
        var a = new float[32];
        var b = new float[32];
        generated.PredictBatch(inputs, a, 16);
        interpreted.PredictBatch(inputs, b, 16);
        Assert.Equal(a, b);
        Assert.Throws<InvalidOperationException>(() => generated.TrainBatch(inputs, new float[32], 16));
        Assert.Throws<InvalidOperationException>(() => interpreted.TrainBatch(inputs, new float[32], 16));
    }
}
