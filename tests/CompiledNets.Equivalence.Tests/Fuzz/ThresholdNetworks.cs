using CompiledNets.Generator.Emit;

namespace CompiledNets.Equivalence.Tests.Fuzz;

/// <summary>
/// Draws network declarations on both sides of every size threshold the generator has (<see cref="KernelPlan.Thresholds"/>):
/// one layer, the subject, is sized so that the threshold's measure lands just below it, on it, or just above it, and
/// the rest of the network is drawn around it. Layer kinds fill three slots in turn (the first layer, right after the
/// subject, and the last hidden layer), so every kind appears in every position; activations, losses, optimizers and
/// weight decay rotate the same way. A threshold added to <see cref="KernelPlan.Thresholds"/> is drawn without editing
/// this file; a new <see cref="SizeMeasure"/> needs a line in <see cref="Measure"/>.
/// </summary>
internal static class ThresholdNetworks
{
    /// <summary>Which side of its threshold a network was drawn on.</summary>
    public enum Side { Below = -1, At = 0, Above = 1 }

    /// <summary>One drawn network, the threshold and side it was drawn for, and the measure it reached there.</summary>
    public sealed record Draw(DrawnNetwork Network, string Threshold, long Value, Side Side, long Measured)
    {
        public override string ToString() => Network.ToString();
    }

    private static readonly DrawnKind?[] SlotKinds =
        [null, DrawnKind.Dense, DrawnKind.Maxout, DrawnKind.Dropout, DrawnKind.BatchNorm, DrawnKind.LayerNorm, DrawnKind.Activation];

    /// <summary>Every activation a hidden layer may have: trainable (Step has no derivative) and element-wise (Softmax ends a network).</summary>
    public static readonly Activation[] Activations = Enum.GetValues<Activation>().Where(a => a is not (Activation.Step or Activation.Softmax)).ToArray();

    /// <summary>The optimizers with their settings, and the optimizer state each keeps per parameter.</summary>
    public static readonly DrawnOptimizer[] Optimizers =
    [
        new("[Sgd(LearningRate = 0.05f)]", s => s.Sgd(0.05f), 0),
        new("[Sgd(LearningRate = 0.05f, Momentum = 0.9f, Nesterov = true)]", s => s.Sgd(0.05f, momentum: 0.9f, nesterov: true), 1),
        new("[AdaGrad(LearningRate = 0.05f)]", s => s.AdaGrad(0.05f), 1),
        new("[RmsProp(LearningRate = 0.001f, Momentum = 0.5f)]", s => s.RmsProp(0.001f, momentum: 0.5f), 2),
        new("[Adam(LearningRate = 0.001f)]", s => s.Adam(0.001f), 2),
        new("[AdamW(LearningRate = 0.001f)]", s => s.AdamW(0.001f), 2),
    ];

    /// <summary>Activations that train in the sample-lane kernel (hidden layers), so the lane threshold is reached from both sides.</summary>
    private static readonly Activation[] LaneActivations = [Activation.Linear, Activation.ReLU, Activation.LeakyReLU, Activation.Sigmoid];

    /// <summary>
    /// <paramref name="repeats"/> networks for each threshold and side, named <c>{prefix}{n}</c>; the same seed gives the same draws.
    /// </summary>
    public static IReadOnlyList<Draw> DrawAll(int seed, int repeats, string prefix = "Wide")
    {
        var random = new Random(seed);
        var draws = new List<Draw>();
        int index = 0, wideSubjects = 0;
        for (int repeat = 0; repeat < repeats; repeat++)
            foreach (var threshold in KernelPlan.Thresholds)
                foreach (var side in Enum.GetValues<Side>())
                {
                    var draw = DrawOne(random, prefix + DrawnLayer.Int(index), index, threshold, side, ref wideSubjects);
                    draws.Add(draw);
                    index++;
                }
        return draws;
    }

    /// <summary>What the threshold's measure is for <paramref name="network"/>, whose subject is layer <paramref name="subject"/>.</summary>
    public static long Measure(SizeMeasure measure, DrawnNetwork network, int subject)
    {
        var layer = network.Layers[subject];
        long inputs = network.InputsOf(subject);
        return measure switch
        {
            SizeMeasure.LayerInputs => inputs,
            SizeMeasure.LayerOutputs => layer.LinearOutputs,
            SizeMeasure.LayerOutputsMultiple => layer.LinearOutputs,
            SizeMeasure.LayerWeights => inputs * layer.LinearOutputs,
            SizeMeasure.NetworkWeights => network.Weights,
            SizeMeasure.OptimizerStepBytes => (2 + network.Optimizer.StatePerParameter) * network.ParameterCount * sizeof(float),
            SizeMeasure.ProductFlops => 2L * network.Batch * inputs * layer.LinearOutputs,
            SizeMeasure.PredictScratchFloats => PredictScratch(network),
            SizeMeasure.PredictBlockRowFloats => network.InputsOf(0) + PredictScratch(network),
            _ => throw new ArgumentOutOfRangeException(nameof(measure), measure, "a new SizeMeasure needs its measure here"),
        };
    }

    /// <summary>Two rows of the widest layer output before the last one, plus the widest Maxout pieces.</summary>
    private static long PredictScratch(DrawnNetwork network)
    {
        long widestHidden = 1, widestLinear = 0;
        for (int i = 0; i < network.Layers.Count; i++)
        {
            int outputs = network.Layers[i].Outputs(network.InputsOf(i));
            if (i < network.Layers.Count - 1) widestHidden = Math.Max(widestHidden, outputs);
            if (network.Layers[i].Kind == DrawnKind.Maxout) widestLinear = Math.Max(widestLinear, network.Layers[i].LinearOutputs);
        }
        return (network.Layers.Count > 1 ? 2 * widestHidden : 0) + widestLinear;
    }

    private static Draw DrawOne(Random random, string name, int index, SizeThreshold threshold, Side side, ref int wideSubjects)
    {
        var shape = NetworkShape.Draw(random, index, threshold);
        int multiple = (int)threshold.Value * (1 + random.Next(2));
        var network = Tune(shape, name, threshold, side, multiple);
        // A hidden subject that came out wide is followed by the next kind in a rotation of its own, so that every kind
        // also appears right after a wide layer (sized again with it: the kind can move the measure).
        if (shape.Head is not null && network.Layers[shape.Subject].Units >= 512)
        {
            var kind = SlotKinds[1 + wideSubjects++ % (SlotKinds.Length - 1)]!.Value;
            shape = shape with { AfterSubject = Slot(random, kind, Activations[index % Activations.Length], lanes: false) };
            network = Tune(shape, name, threshold, side, multiple);
        }
        return new Draw(network with { Covers = $"{threshold.Name} {side}" }, threshold.Name, threshold.Value, side, Measure(threshold.Measure, network, shape.Subject));
    }

    /// <summary>The network of <paramref name="shape"/> with the dimension that moves the threshold's measure set to land on <paramref name="side"/>.</summary>
    private static DrawnNetwork Tune(NetworkShape shape, string name, SizeThreshold threshold, Side side, int multiple)
    {
        // The dimension that moves the measure: the subject's inputs, its units, or the batch.
        Func<int, DrawnNetwork> build = threshold.Measure switch
        {
            SizeMeasure.LayerInputs => d => shape.Build(name, subjectInputs: d, subjectUnits: shape.FreeUnits, batch: shape.Batch),
            SizeMeasure.ProductFlops => d => shape.Build(name, shape.FreeInputs, shape.FreeUnits, batch: d),
            _ => d => shape.Build(name, shape.FreeInputs, subjectUnits: d, batch: shape.Batch),
        };
        if (threshold.Measure == SizeMeasure.LayerOutputsMultiple)
        {
            // A multiple of the period, or one unit (of linear outputs) off it on either side.
            return build(Math.Max(1, (multiple + (int)side * shape.Pieces) / shape.Pieces));
        }
        int first = SmallestReaching(d => Measure(threshold.Measure, build(d), shape.Subject) >= threshold.Value);
        return build(Math.Max(1, first + (int)side));
    }

    /// <summary>The smallest d in [1, 2^20] for which <paramref name="reaches"/> holds (it holds for every larger d).</summary>
    private static int SmallestReaching(Func<int, bool> reaches)
    {
        int low = 1, high = 1 << 20;
        if (!reaches(high)) throw new InvalidOperationException("the threshold is out of reach of the drawn shape");
        while (low < high)
        {
            int middle = low + (high - low) / 2;
            if (reaches(middle)) high = middle; else low = middle + 1;
        }
        return low;
    }

    /// <summary>
    /// Everything about a drawn network but the dimension that is tuned to the threshold: the slots' kinds, the subject's
    /// kind and activation, the head, the loss and the optimizer.
    /// </summary>
    private sealed record NetworkShape(
        int NetworkInputs, DrawnLayer? First, DrawnLayer Subject0, DrawnLayer? AfterSubject, DrawnLayer? LastHidden, DrawnLayer? Head,
        LossFunction Loss, DrawnOptimizer Optimizer, float WeightDecay, int FreeInputs, int FreeUnits, int Batch, int Pieces)
    {
        /// <summary>Index of the subject among the layers.</summary>
        public int Subject => First is null ? 0 : 1;

        public static NetworkShape Draw(Random random, int index, SizeThreshold threshold)
        {
            bool lanes = threshold.Measure == SizeMeasure.NetworkWeights;
            // Slots rotate through every kind (and none) at co-prime strides, so all combinations of position and kind occur.
            DrawnKind? first = lanes ? null : SlotKinds[index % SlotKinds.Length];
            DrawnKind? after = lanes ? null : SlotKinds[(index + 3) % SlotKinds.Length];
            DrawnKind? last = lanes ? (index % 2 == 0 ? DrawnKind.Dense : null) : SlotKinds[(index / 3 + 5) % SlotKinds.Length];
            var hidden = lanes ? LaneActivations : Activations;
            Activation Hidden(int k) => hidden[(index + k) % hidden.Length];

            // The subject is Dense, or every fifth time Maxout; the layer that ends the network is Dense too.
            bool maxout = !lanes && index % 5 == 4;
            // (Pieces that divide the L1 period, where that is measured, so a multiple of it is reachable.)
            int pieces = !maxout ? 1 : threshold.Measure == SizeMeasure.LayerOutputsMultiple ? 2 + 2 * (index % 2) : 2 + index % 3;
            var subject = maxout ? new DrawnLayer(DrawnKind.Maxout, Pieces: pieces) : new DrawnLayer(DrawnKind.Dense, Activation: Hidden(0), L2: LayerL2(random, lanes));
            // The subject ends the network itself a third of the times its outputs are measured: the softmax threshold is an output's.
            bool subjectIsLast = !maxout && threshold.Measure == SizeMeasure.LayerOutputs && index % 3 == 0;
            var loss = subjectIsLast && index % 2 == 0 ? LossFunction.CrossEntropy : (LossFunction)((index / 7) % 3);
            if (lanes && loss == LossFunction.MeanSquaredError && index % 2 == 0) loss = LossFunction.CrossEntropy;
            var outputActivation = loss switch
            {
                LossFunction.CrossEntropy => Activation.Softmax,
                LossFunction.BinaryCrossEntropy => Activation.Sigmoid,
                _ => lanes ? Hidden(3) : Activations[(index / 2) % Activations.Length],
            };
            DrawnLayer? head = null;
            if (subjectIsLast)
            {
                subject = subject with { Activation = outputActivation };
                after = null;
                last = null;
            }
            else
            {
                int classes = loss == LossFunction.CrossEntropy ? 2 + random.Next(lanes ? 3 : 15) : 1 + random.Next(lanes ? 3 : 8);
                head = new DrawnLayer(DrawnKind.Dense, classes, outputActivation, L2: LayerL2(random, lanes));
            }

            // The sizes that are not tuned, drawn so the tuned one stays within a few thousand.
            int freeInputs, freeUnits;
            switch (threshold.Measure)
            {
                case SizeMeasure.LayerWeights:
                    freeInputs = LogUniform(random, (int)Math.Max(1, threshold.Value / 4096), (int)Math.Min(3072, threshold.Value));
                    freeUnits = 1;
                    break;
                case SizeMeasure.OptimizerStepBytes:
                    freeInputs = LogUniform(random, 128, 2048);
                    freeUnits = 1;
                    break;
                case SizeMeasure.PredictScratchFloats:
                case SizeMeasure.PredictBlockRowFloats:
                    freeInputs = LogUniform(random, 1, 96);
                    freeUnits = 1;
                    break;
                case SizeMeasure.ProductFlops:
                    // 2·batch·K·N crosses the threshold for a batch between 4 and 256.
                    freeInputs = LogUniform(random, 64, 2048);
                    freeUnits = Math.Max(1, (int)(threshold.Value / 2 / freeInputs / LogUniform(random, 4, 200)));
                    break;
                case SizeMeasure.NetworkWeights:
                    freeInputs = 1 + random.Next(16);
                    freeUnits = 1;
                    break;
                default:
                    // Every fourth draw at the CIFAR end of the inputs a user declares.
                    freeInputs = index % 4 == 1 ? LogUniform(random, 2048, 3072) : LogUniform(random, 1, 3072);
                    freeUnits = LogUniform(random, 1, 2048) / pieces + 1;
                    break;
            }
            int networkInputs = index % 4 == 1 ? LogUniform(random, 2048, 3072) : LogUniform(random, 1, 3072);
            DrawnLayer? firstLayer = first switch
            {
                null => null,
                DrawnKind.Dense => new DrawnLayer(DrawnKind.Dense, 0, Hidden(1), L2: LayerL2(random, lanes)),
                DrawnKind.Maxout => new DrawnLayer(DrawnKind.Maxout, 0, Pieces: 2 + random.Next(3)),
                var kind => Preserving(random, kind.Value, Hidden(1)),
            };
            DrawnLayer? afterLayer = after is null ? null : Slot(random, after.Value, Hidden(2), lanes);
            DrawnLayer? lastLayer = last is null ? null : Slot(random, last.Value, Hidden(3), lanes);
            var optimizer = Optimizers[(index / 3) % Optimizers.Length];
            float weightDecay = !lanes && index % 4 >= 2 ? 1e-3f : 0f;
            int batch = new[] { 1, 3, 7, 16, 33 }[index % 5];
            return new NetworkShape(networkInputs, firstLayer, subject, afterLayer, lastLayer, head, loss, optimizer, weightDecay, freeInputs, freeUnits, batch, pieces);
        }

        /// <summary>The network with the subject's inputs and units and the batch given.</summary>
        public DrawnNetwork Build(string name, int subjectInputs, int subjectUnits, int batch)
        {
            var layers = new List<DrawnLayer>();
            int inputs = subjectInputs;
            if (First is not null)
            {
                // A product layer first sets the subject's inputs; any other kind passes the network's inputs through.
                if (First.HasProduct) { layers.Add(First with { Units = subjectInputs }); inputs = NetworkInputs; }
                else layers.Add(First);
            }
            layers.Add(Subject0 with { Units = subjectUnits });
            if (AfterSubject is not null) layers.Add(AfterSubject);
            if (LastHidden is not null) layers.Add(LastHidden);
            if (Head is not null) layers.Add(Head);
            var network = new DrawnNetwork(name, inputs, layers, Loss, Optimizer, WeightDecay, batch, "");
            // A layer norm over fewer than 8 features is all but a sign function (over 2, every output is ±1): its gradient is
            // rounding noise, which no comparison of the engines can check. Such a slot holds a batch norm instead, unless a
            // batch norm is next to it: a batch norm reading another is blind to the first's scale and shift, so the first's
            // γ and β gradients would be that same noise. There it holds a Tanh layer.
            for (int i = 0; i < layers.Count; i++)
            {
                if (layers[i].Kind != DrawnKind.LayerNorm || network.InputsOf(i) >= 8) continue;
                bool besideBatchNorm = (i > 0 && layers[i - 1].Kind == DrawnKind.BatchNorm) || (i + 1 < layers.Count && layers[i + 1].Kind == DrawnKind.BatchNorm);
                layers[i] = besideBatchNorm ? new DrawnLayer(DrawnKind.Activation, Activation: Activation.Tanh) : new DrawnLayer(DrawnKind.BatchNorm);
            }
            return network;
        }
    }

    private static DrawnLayer Slot(Random random, DrawnKind kind, Activation activation, bool lanes) => kind switch
    {
        DrawnKind.Dense => new DrawnLayer(DrawnKind.Dense, LogUniform(random, 1, lanes ? 4 : 1024), activation, L2: LayerL2(random, lanes)),
        DrawnKind.Maxout => new DrawnLayer(DrawnKind.Maxout, LogUniform(random, 1, 512), Pieces: 2 + random.Next(3)),
        _ => Preserving(random, kind, activation),
    };

    private static DrawnLayer Preserving(Random random, DrawnKind kind, Activation activation) => kind switch
    {
        DrawnKind.Dropout => new DrawnLayer(DrawnKind.Dropout, Rate: 0.1f + 0.1f * random.Next(4)),
        DrawnKind.Activation => new DrawnLayer(DrawnKind.Activation, Activation: activation),
        _ => new DrawnLayer(kind),
    };

    /// <summary>A layer's own L2 now and then (never in the sample-lane draws, which that path does not take).</summary>
    private static float LayerL2(Random random, bool lanes) => !lanes && random.Next(6) == 0 ? 1e-3f : float.NaN;

    /// <summary>An integer in [low, high], uniform in its logarithm: small and large sizes alike.</summary>
    private static int LogUniform(Random random, int low, int high) =>
        (int)Math.Clamp(Math.Round(Math.Exp(Math.Log(low) + random.NextDouble() * (Math.Log(high) - Math.Log(low)))), low, high);
}
