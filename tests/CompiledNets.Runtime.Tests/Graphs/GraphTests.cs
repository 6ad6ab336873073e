using CompiledNets.Runtime.Tests.Checkpoints;
using CompiledNets.Tests.Shared;

namespace CompiledNets.Runtime.Tests.Graphs;

/// <summary>
/// <see cref="Graph"/> beyond its gradients: the contract's architecture strings, names, parameter order and seeded
/// initialisation; a chain is bitwise the same network as <see cref="Sequential"/>; inference agrees with training;
/// summaries, checkpoints and allocation.
/// </summary>
public class GraphTests
{
    [Fact]
    public void ResidualNet_writes_the_contracts_architecture_string()
    {
        var net = GraphNetworks.ResidualNet().Build(seed: 1);
        Assert.Equal(
            "input:784 -> h1=Dense(256, ReLU)(input) -> h2=Dense(256, ReLU)(h1) -> h3=Dense(256, Linear)(h2) -> res=Add(ReLU)(h1, h3) -> side=Dense(64, ReLU)(h1) -> concat1=Concat(res, side) -> dense5=Dense(10, Softmax)(concat1) | CrossEntropy | Adam",
            net.Architecture);
    }

    [Fact]
    public void TwoInputNet_writes_the_contracts_architecture_string()
    {
        var net = GraphNetworks.TwoInputNet().Build(seed: 1);
        Assert.Equal(
            "image:784, meta:4 -> pixels=Dense(128, ReLU)(image) -> facts=Dense(16, ReLU)(meta) -> concat1=Concat(pixels, facts) -> dense3=Dense(1, Sigmoid)(concat1) | BinaryCrossEntropy | Adam",
            net.Architecture);
        Assert.Equal(788, net.InputSize);
        Assert.Equal(["image", "meta"], net.InputNames);
    }

    [Fact]
    public void Merges_image_inputs_and_activation_alphas_are_written_as_the_contract_says()
    {
        var g = new Graph();
        var x = g.Input("image", 1, 28, 28);
        var c = g.Conv2D(x, 2, 3, Activation.ReLU, padding: Padding.Same);
        var m = g.Multiply([c, c], Activation.LeakyReLU, alpha: 0.2f);
        var a = g.Average(m, c);
        var d = g.Dropout(g.Flatten(g.Concat(a, x)), 0.5f, name: "drop");
        g.Dense(d, 3, Activation.Softmax);
        g.Loss(LossFunction.CrossEntropy).Sgd().Build(seed: 1);
        Assert.Equal(
            "image:1x28x28 -> conv1=Conv2D(2, 3x3, same, ReLU)(image) -> multiply1=Multiply(LeakyReLU(alpha 0.2))(conv1, conv1) -> average1=Average(multiply1, conv1) -> concat1=Concat(average1, image) -> flatten1=Flatten(concat1) -> drop=Dropout(0.5)(flatten1) -> dense1=Dense(3, Softmax)(drop) | CrossEntropy | Sgd",
            g.Architecture);
        Assert.Equal([3, 28, 28], g.Summary.Layers[3].OutputShape);
    }

    [Fact]
    public void Unnamed_nodes_count_every_node_of_their_kind_named_or_not()
    {
        var g = new Graph();
        var x = g.Input("input", 4);
        var a = g.Dense(x, 3, name: "first");
        var b = g.Dense(a, 3);
        var s = g.Add(a, b);
        var t = g.Add([s, b], name: "second");
        g.Dense(g.Add(s, t), 2);
        g.Loss(LossFunction.MeanSquaredError).Sgd().Build(seed: 1);
        Assert.Equal(["first", "dense2", "add1", "second", "add3", "dense3"], g.Summary.Layers.Select(l => l.Name));
    }

    [Fact]
    public void Tensors_are_named_after_the_nodes_in_declaration_order()
    {
        var net = GraphNetworks.ResidualNet(inputs: 8, width: 4, side: 3, classes: 2).Build(seed: 1);
        var parameters = net.Tensors.Where(t => t.Storage == TensorStorage.Parameters).ToList();
        Assert.Equal(["h1.weight", "h1.bias", "h2.weight", "h2.bias", "h3.weight", "h3.bias", "side.weight", "side.bias", "dense5.weight", "dense5.bias"],
            parameters.Select(t => t.Name));
        Assert.Equal([2, 7], parameters[^2].Shape);
        int offset = 0;
        foreach (var tensor in parameters)
        {
            Assert.Equal(offset, tensor.Offset);
            offset += tensor.Length;
        }
        Assert.Equal(net.ParameterCount, offset);
    }

    /// <summary>The same chain through both builders: every float of the weights, training and inference is identical.</summary>
    [Fact]
    public void A_chain_is_bitwise_the_same_network_as_Sequential()
    {
        var sequential = new Sequential(6).Dense(8, Activation.ReLU).Dropout(0.3f).BatchNorm().Dense(8, Activation.GELU).LayerNorm()
            .Maxout(5, 2).Activation(Activation.Tanh).Dense(3, Activation.Softmax).Loss(LossFunction.CrossEntropy).Adam(1e-2f).Build(seed: 9, maxBatchSize: 8);
        var g = new Graph();
        var x = g.Input("input", 6);
        var h = g.Activation(g.Maxout(g.LayerNorm(g.Dense(g.BatchNorm(g.Dropout(g.Dense(x, 8, Activation.ReLU), 0.3f)), 8, Activation.GELU)), 5, 2), Activation.Tanh);
        g.Dense(h, 3, Activation.Softmax);
        g.Loss(LossFunction.CrossEntropy).Adam(1e-2f).Build(seed: 9, maxBatchSize: 8);
        AssertSameNetwork(sequential, g, GraphNetworks.Random(8 * 6, 3), GraphNetworks.OneHot(8, 3, 4), batch: 8);
    }

    [Fact]
    public void A_convolutional_chain_is_bitwise_the_same_network_as_Sequential()
    {
        var sequential = new Sequential(2, 9, 8).Conv2D(3, 3, Activation.ReLU, padding: Padding.Same).MaxPool2D(2).Conv2D(4, 2, Activation.Tanh, stride: 2)
            .BatchNorm().AvgPool2D(2, padding: Padding.Same).Flatten().Dense(2).Loss(LossFunction.MeanSquaredError).Sgd(0.05f, momentum: 0.9f).Build(seed: 4, maxBatchSize: 5);
        var g = new Graph();
        var x = g.Input("input", 2, 9, 8);
        var c = g.BatchNorm(g.Conv2D(g.MaxPool2D(g.Conv2D(x, 3, 3, Activation.ReLU, padding: Padding.Same), 2), 4, 2, Activation.Tanh, stride: 2));
        g.Dense(g.Flatten(g.AvgPool2D(c, 2, padding: Padding.Same)), 2);
        g.Loss(LossFunction.MeanSquaredError).Sgd(0.05f, momentum: 0.9f).Build(seed: 4, maxBatchSize: 5);
        AssertSameNetwork(sequential, g, GraphNetworks.Random(5 * 144, 5), GraphNetworks.Random(5 * 2, 6), batch: 5);
    }

    private static void AssertSameNetwork(Sequential sequential, Graph graph, float[] inputs, float[] targets, int batch)
    {
        Assert.Equal(sequential.Parameters.ToArray(), graph.Parameters.ToArray());
        Assert.Equal(sequential.Tensors.Select(t => (t.Name, t.Offset, t.Length)), graph.Tensors.Select(t => (t.Name, t.Offset, t.Length)));
        for (int step = 0; step < 3; step++)
        {
            float expected = sequential.ComputeGradients(inputs, targets, batch);
            float actual = graph.ComputeGradients(inputs, targets, batch);
            Assert.Equal(expected, actual);
            Assert.Equal(sequential.TrainingOutputs.ToArray(), graph.TrainingOutputs.ToArray());
            Assert.Equal(sequential.Gradients.ToArray(), graph.Gradients.ToArray());
            sequential.ApplyGradients();
            graph.ApplyGradients();
        }
        Assert.Equal(sequential.Parameters.ToArray(), graph.Parameters.ToArray());
        Assert.Equal(sequential.Buffers.ToArray(), graph.Buffers.ToArray());
        Assert.Equal(sequential.OptimizerState.ToArray(), graph.OptimizerState.ToArray());
        int outputs = sequential.OutputSize;
        var a = new float[batch * outputs];
        var b = new float[batch * outputs];
        sequential.PredictBatch(inputs, a, batch);
        graph.PredictBatch(inputs, b, batch);
        Assert.Equal(a, b);
        sequential.Predict(inputs.AsSpan(0, sequential.InputSize), a.AsSpan(0, outputs));
        graph.Predict(inputs.AsSpan(0, graph.InputSize), b.AsSpan(0, outputs));
        Assert.Equal(a, b);
    }

    [Fact]
    public void Inference_agrees_with_training_and_Predict_with_PredictBatch()
    {
        var two = GraphNetworks.TwoInputNet(pixels: 10, meta: 3, hidden: 6, facts: 2).Build(seed: 2, maxBatchSize: 4);
        var convnet = GraphNetworks.ResidualConvnet().Build(seed: 2, maxBatchSize: 4);
        foreach (INetwork net in new INetwork[] { two, convnet })
        {
            // 10 rows: PredictBatch works in chunks of MaxBatchSize (4, 4, 2).
            var inputs = GraphNetworks.Random(10 * net.InputSize, 7);
            var batch = new float[10 * net.OutputSize];
            net.PredictBatch(inputs, batch, 10);
            var one = new float[net.OutputSize];
            for (int row = 0; row < 10; row++)
            {
                // One row may take another GEMM path than a batch: the same up to rounding.
                net.Predict(inputs.AsSpan(row * net.InputSize, net.InputSize), one);
                for (int o = 0; o < one.Length; o++) Assert.Equal(batch[row * net.OutputSize + o], one[o], 1e-5f);
            }
        }
        // Without dropout or batch statistics, training mode computes the same outputs.
        var rows = GraphNetworks.Random(4 * two.InputSize, 8);
        two.ComputeGradients(rows, new float[4], 4);
        var predicted = new float[4];
        two.PredictBatch(rows, predicted, 4);
        Assert.Equal(two.TrainingOutputs.ToArray(), predicted);
    }

    [Fact]
    public void Two_inputs_are_read_from_their_blocks_of_each_row()
    {
        // Only "meta" reaches the output: changing the image block changes nothing, changing meta does.
        var g = new Graph();
        var image = g.Input("image", 3);
        var meta = g.Input("meta", 2);
        g.Dense(image, 2, name: "unused");
        g.Dense(meta, 1, name: "out");
        g.InferenceOnly().Build(seed: 1);
        g.Parameters.Clear();
        var weights = g.Tensors.Single(t => t.Name == "out.weight");
        g.Parameters[weights.Offset] = 10;
        g.Parameters[weights.Offset + 1] = 1;
        var output = new float[2];
        g.PredictBatch([9, 9, 9, 1, 2, 5, 5, 5, 3, 4], output, 2);
        Assert.Equal([12f, 34f], output);
    }

    [Fact]
    public void The_summary_lists_the_inputs_and_what_each_node_reads()
    {
        var net = GraphNetworks.TwoInputNet().Build(seed: 1);
        var summary = net.Summary;
        Assert.True(summary.IsGraph);
        Assert.Equal(788, summary.InputSize);
        Assert.Equal(["image", "meta"], summary.Inputs.Select(i => i.Name));
        Assert.Equal(["pixels", "facts"], summary.Layers[2].ConnectedTo);
        Assert.Equal(["meta"], summary.Layers[1].ConnectedTo);
        Assert.Equal("Concat", summary.Layers[2].Kind);
        Assert.Equal([144], summary.Layers[2].OutputShape);
        string text = summary.ToString();
        Assert.Contains("Connected to", text);
        Assert.Matches(@"image \(InputLayer\)\s+\(None, 784\)\s+0  -\n", text);
        Assert.Matches(@"concat1 \(Concat\)\s+\(None, 144\)\s+0  pixels, facts\n", text);
        Assert.Matches(@"dense3 \(Dense, Sigmoid\)\s+\(None, 1\)\s+145  concat1\n", text);
        Assert.Equal(net.ParameterCount, summary.TrainableParameters);

        var sequential = new Sequential(4).Dense(2).Loss(LossFunction.MeanSquaredError).Sgd().Build(seed: 1).Summary;
        Assert.False(sequential.IsGraph);
        Assert.Null(sequential.Layers[0].ConnectedTo);
        Assert.DoesNotContain("Connected to", sequential.ToString());
    }

    [Fact]
    public void A_checkpoint_round_trips_with_the_node_names()
    {
        using var directory = new TempDirectory();
        string path = directory.File("residual.safetensors");
        var trained = GraphNetworks.ResidualNet(inputs: 6, width: 5, side: 3, classes: 3).Build(seed: 1, maxBatchSize: 4);
        var inputs = GraphNetworks.Random(4 * 6, 1);
        var targets = GraphNetworks.OneHot(4, 3, 2);
        for (int i = 0; i < 3; i++) trained.TrainBatch(inputs, targets, 4);
        trained.Save(path);

        var header = SafetensorsTestFile.ReadTensors(File.ReadAllBytes(path));
        Assert.Contains("h1.weight", header.Keys);
        Assert.Contains("side.bias", header.Keys);
        Assert.Contains("dense5.weight", header.Keys);
        Assert.Equal(trained.Parameters.Slice(trained.Tensors.Single(t => t.Name == "h3.weight").Offset, 25).ToArray(), header["h3.weight"].Values);

        var restored = GraphNetworks.ResidualNet(inputs: 6, width: 5, side: 3, classes: 3).Build(seed: 99, maxBatchSize: 4);
        Assert.NotEqual(trained.Parameters.ToArray(), restored.Parameters.ToArray());
        restored.Load(path);
        Assert.Equal(trained.Parameters.ToArray(), restored.Parameters.ToArray());
        Assert.Equal(trained.OptimizerState.ToArray(), restored.OptimizerState.ToArray());
        Assert.Equal(trained.OptimizerStep, restored.OptimizerStep);
        Assert.Equal(trained.TrainBatch(inputs, targets, 4), restored.TrainBatch(inputs, targets, 4));
        Assert.Equal(trained.Parameters.ToArray(), restored.Parameters.ToArray());

        // Another graph (a different skip) does not load silently.
        var other = new Graph();
        var x = other.Input("input", 6);
        other.Dense(x, 3, Activation.Softmax, "h1");
        other.Loss(LossFunction.CrossEntropy).Adam().Build(seed: 1);
        Assert.ThrowsAny<Exception>(() => other.Load(path));
    }

    [Fact]
    public void Training_allocates_nothing_per_step()
    {
        var net = GraphNetworks.ResidualConvnet().Build(seed: 3, maxBatchSize: 8);
        var two = GraphNetworks.TwoInputNet(pixels: 10, meta: 3, hidden: 6, facts: 2).Build(seed: 3, maxBatchSize: 8);
        var inputs = GraphNetworks.Random(8 * net.InputSize, 1);
        var targets = GraphNetworks.OneHot(8, 3, 2);
        var twoInputs = GraphNetworks.Random(8 * two.InputSize, 1);
        var twoTargets = new float[8];
        var outputs = new float[8 * 3];
        void Step()
        {
            net.TrainBatch(inputs, targets, 8);
            net.PredictBatch(inputs, outputs, 8);
            net.Predict(inputs.AsSpan(0, net.InputSize), outputs.AsSpan(0, 3));
            two.TrainBatch(twoInputs, twoTargets, 8);
            two.PredictBatch(twoInputs, outputs.AsSpan(0, 8), 8);
            two.Predict(twoInputs.AsSpan(0, two.InputSize), outputs.AsSpan(0, 1));
        }
        Step();
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 3; i++) Step();
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Fact]
    public void The_residual_convnet_learns_a_separable_task()
    {
        // Class = which band of rows is bright (the convolutions see the band's edges against the padding); the loss falls by more than half.
        var net = GraphNetworks.ResidualConvnet().Build(seed: 5, maxBatchSize: 32);
        var random = new Random(3);
        var inputs = new float[32 * 144];
        var targets = new float[32 * 3];
        for (int b = 0; b < 32; b++)
        {
            int label = b % 3;
            targets[b * 3 + label] = 1;
            for (int y = 0; y < 12; y++)
                for (int x = 0; x < 12; x++)
                    inputs[b * 144 + y * 12 + x] = (float)random.NextDouble() * 0.2f + (y / 4 == label ? 1f : 0f);
        }
        float first = net.TrainBatch(inputs, targets, 32), last = first;
        for (int i = 0; i < 60; i++) last = net.TrainBatch(inputs, targets, 32);
        Assert.True(last < first * 0.5f, $"loss {first} -> {last}");
    }
}
