using System.Globalization;
using System.Text;
using CompiledNets.Kernels;

namespace CompiledNets.Equivalence.Tests;

/// <summary>
/// The image architectures of the corpus: hand-written convnets (Keras's mnist_convnet, LeNet, strides, Same padding,
/// rectangular kernels, normalisation and dropout on images, pools of every kind) and random ones drawn over the
/// whole range a user declares (1 to 48 channels, inputs from 5 to 32 pixels a side, kernels 1 to 5 and rectangular,
/// strides 1 and 2, both paddings, every pool). Each is also the <see cref="Sequential"/> calls that build it.
/// </summary>
public static class ConvCorpus
{
    public static IEnumerable<CorpusEntry> Handwritten()
    {
        yield return CorpusEntry.Image("ConvKeras", [1, 28, 28], """
            [Conv2D(32, 3, Activation.ReLU)]
            [MaxPool2D(2)]
            [Conv2D(64, 3, Activation.ReLU)]
            [MaxPool2D(2)]
            [Flatten]
            [Dropout(0.5f)]
            [Dense(10, Activation.Softmax)]
            [Loss(LossFunction.CrossEntropy)]
            [Adam(LearningRate = 1e-3f)]
            """, s => s.Conv2D(32, 3, Activation.ReLU).MaxPool2D(2).Conv2D(64, 3, Activation.ReLU).MaxPool2D(2).Flatten().Dropout(0.5f)
                .Dense(10, Activation.Softmax).Loss(LossFunction.CrossEntropy).Adam(1e-3f));

        // Max pooling run inside the convolution before it, recording its choices: read from the extended rows at stride 1
        // (odd height and width, whose last row and column no window covers; eight-output steps), from the compacted
        // outputs after a stride of 2 (four-output steps); the first convolution's weight gradient per sample, the
        // second's over the batch.
        yield return CorpusEntry.Image("ConvPooled", [2, 19, 33], """
            [Conv2D(6, 3, Activation.ReLU, Padding = Padding.Same)]
            [MaxPool2D(2)]
            [Conv2D(10, 3, Stride = 2, Padding = Padding.Same)]
            [MaxPool2D(2)]
            [Flatten]
            [Dense(4, Activation.Softmax)]
            [Loss(LossFunction.CrossEntropy)]
            [Adam]
            """, s => s.Conv2D(6, 3, Activation.ReLU, padding: Padding.Same).MaxPool2D(2).Conv2D(10, 3, stride: 2, padding: Padding.Same).MaxPool2D(2)
                .Flatten().Dense(4, Activation.Softmax).Loss(LossFunction.CrossEntropy).Adam());

        // A linear convolution's fused pooling at stride 1, four-output steps whose last overlaps the one before.
        yield return CorpusEntry.Image("ConvPooledLinear", [1, 12, 13], """
            [Conv2D(3, 4)]
            [MaxPool2D(2)]
            [Flatten]
            [Dense(3, Activation.Softmax)]
            [Loss(LossFunction.CrossEntropy)]
            [Sgd(LearningRate = 0.05f)]
            """, s => s.Conv2D(3, 4).MaxPool2D(2).Flatten().Dense(3, Activation.Softmax).Loss(LossFunction.CrossEntropy).Sgd(0.05f));

        // A fused pooling as the last layer: the loss writes its gradient, the convolution's step reads it.
        yield return CorpusEntry.Image("ConvPooledOutput", [2, 10, 17], """
            [Conv2D(3, 3, Activation.ReLU)]
            [MaxPool2D(2)]
            [Loss(LossFunction.MeanSquaredError)]
            [Sgd(LearningRate = 0.02f)]
            """, s => s.Conv2D(3, 3, Activation.ReLU).MaxPool2D(2).Loss(LossFunction.MeanSquaredError).Sgd(0.02f));

        // Weight gradients from the gradient's rows by position: 18 filters (a partial group of four, rows padded to 32),
        // 27 weights a filter (a partial tile), a stride of 2 (every other position); then 20 filters of a 2 × 2 kernel.
        yield return CorpusEntry.Image("ConvManyFilters", [3, 15, 14], """
            [Conv2D(18, 3, Activation.ReLU, Stride = 2)]
            [Conv2D(20, 2)]
            [Flatten]
            [Dense(3, Activation.Softmax)]
            [Loss(LossFunction.CrossEntropy)]
            [Adam]
            """, s => s.Conv2D(18, 3, Activation.ReLU, stride: 2).Conv2D(20, 2).Flatten().Dense(3, Activation.Softmax).Loss(LossFunction.CrossEntropy).Adam());

        yield return CorpusEntry.Image("LeNet", [1, 28, 28], """
            [Conv2D(6, 5, Activation.Tanh, Padding = Padding.Same)]
            [AvgPool2D(2)]
            [Conv2D(16, 5, Activation.Tanh)]
            [AvgPool2D(2)]
            [Flatten]
            [Dense(120, Activation.Tanh)]
            [Dense(84, Activation.Tanh)]
            [Dense(10, Activation.Softmax)]
            [Loss(LossFunction.CrossEntropy)]
            [Sgd(LearningRate = 0.05f, Momentum = 0.9f)]
            """, s => s.Conv2D(6, 5, Activation.Tanh, padding: Padding.Same).AvgPool2D(2).Conv2D(16, 5, Activation.Tanh).AvgPool2D(2).Flatten()
                .Dense(120, Activation.Tanh).Dense(84, Activation.Tanh).Dense(10, Activation.Softmax).Loss(LossFunction.CrossEntropy).Sgd(0.05f, momentum: 0.9f));

        // Stride 2 with both paddings; Same at stride 2 pads one extra row and column at the bottom and right.
        yield return CorpusEntry.Image("ConvStrides", [3, 13, 11], """
            [Conv2D(8, 3, Activation.ReLU, Stride = 2)]
            [Conv2D(5, 2, Activation.LeakyReLU, Stride = 2, Padding = Padding.Same, Alpha = 0.2f)]
            [Flatten]
            [Dense(3)]
            [Loss(LossFunction.MeanSquaredError)]
            [RmsProp(LearningRate = 0.005f)]
            """, s => s.Conv2D(8, 3, Activation.ReLU, stride: 2).Conv2D(5, 2, Activation.LeakyReLU, stride: 2, padding: Padding.Same, alpha: 0.2f)
                .Flatten().Dense(3).Loss(LossFunction.MeanSquaredError).RmsProp(0.005f));

        yield return CorpusEntry.Image("ConvRectangular", [2, 9, 12], """
            [Conv2D(4, 1, Activation.ELU, KernelHeight = 3, KernelWidth = 5)]
            [MaxPool2D(3, Stride = 1, Padding = Padding.Same)]
            [GlobalAvgPool2D]
            [Dense(2, Activation.Sigmoid)]
            [Loss(LossFunction.BinaryCrossEntropy)]
            [AdaGrad(LearningRate = 0.05f)]
            """, s => s.Conv2D(4, 1, Activation.ELU, kernelHeight: 3, kernelWidth: 5).MaxPool2D(3, stride: 1, padding: Padding.Same).GlobalAvgPool2D()
                .Dense(2, Activation.Sigmoid).Loss(LossFunction.BinaryCrossEntropy).AdaGrad(0.05f));

        // BatchNorm per channel, LayerNorm over a whole [C, H, W] sample, activation layers on images, weight decay.
        yield return CorpusEntry.Image("ConvNormalised", [1, 12, 12], """
            [WeightDecay(1e-3f)]
            [Conv2D(16, 3)]
            [BatchNorm(Momentum = 0.2f)]
            [ActivationLayer(Activation.ReLU)]
            [MaxPool2D(2)]
            [Conv2D(8, 3, Padding = Padding.Same)]
            [LayerNorm]
            [ActivationLayer(Activation.GELU)]
            [GlobalAvgPool2D]
            [Dense(4, Activation.Softmax)]
            [Loss(LossFunction.CrossEntropy)]
            [AdamW]
            """, s => s.WeightDecay(1e-3f).Conv2D(16, 3).BatchNorm(momentum: 0.2f).Activation(Activation.ReLU).MaxPool2D(2)
                .Conv2D(8, 3, padding: Padding.Same).LayerNorm().Activation(Activation.GELU).GlobalAvgPool2D()
                .Dense(4, Activation.Softmax).Loss(LossFunction.CrossEntropy).AdamW());

        yield return CorpusEntry.Image("ConvDropout", [3, 8, 8], """
            [Dropout(0.2f)]
            [Conv2D(12, 3, Activation.SiLU, L2 = 1e-3f)]
            [Dropout(0.3f)]
            [AvgPool2D(2, Padding = Padding.Same)]
            [Flatten]
            [Maxout(5, 3)]
            [Dense(2, Activation.Softmax)]
            [Loss(LossFunction.CrossEntropy)]
            [Adam]
            """, s => s.Dropout(0.2f).Conv2D(12, 3, Activation.SiLU, l2: 1e-3f).Dropout(0.3f).AvgPool2D(2, padding: Padding.Same).Flatten()
                .Maxout(5, 3).Dense(2, Activation.Softmax).Loss(LossFunction.CrossEntropy).Adam());

        // A kernel as large as the input: one output pixel per filter.
        yield return CorpusEntry.Image("ConvWholeImage", [2, 7, 7], """
            [BatchNorm]
            [Conv2D(3, 7, Activation.Sigmoid, Init = Init.GlorotNormal, BiasInit = Init.HeUniform)]
            [Flatten]
            [Dense(1)]
            [Loss(LossFunction.MeanSquaredError)]
            [Sgd(LearningRate = 0.05f, Momentum = 0.9f, Nesterov = true)]
            """, s => s.BatchNorm().Conv2D(3, 7, Activation.Sigmoid, init: Init.GlorotNormal, biasInit: Init.HeUniform).Flatten()
                .Dense(1).Loss(LossFunction.MeanSquaredError).Sgd(0.05f, momentum: 0.9f, nesterov: true));

        yield return CorpusEntry.Image("ConvWideFilters", [1, 20, 20], """
            [Conv2D(48, 5, Activation.ReLU)]
            [MaxPool2D(2, Stride = 2)]
            [Conv2D(40, 3, Activation.ReLU)]
            [GlobalAvgPool2D]
            [Dense(10, Activation.Softmax)]
            [Loss(LossFunction.CrossEntropy)]
            [Adam]
            """, s => s.Conv2D(48, 5, Activation.ReLU).MaxPool2D(2, stride: 2).Conv2D(40, 3, Activation.ReLU).GlobalAvgPool2D()
                .Dense(10, Activation.Softmax).Loss(LossFunction.CrossEntropy).Adam());

        // Pointwise convolution over many channels after an overlapping pool; then pools with odd inputs and Same padding first.
        yield return CorpusEntry.Image("ConvPointwise", [16, 4, 4], """
            [MaxPool2D(2, Stride = 1)]
            [Conv2D(7, 1, Activation.Tanh)]
            [Flatten]
            [Dense(3, Activation.Softmax)]
            [Loss(LossFunction.CrossEntropy)]
            [Sgd(LearningRate = 0.1f)]
            """, s => s.MaxPool2D(2, stride: 1).Conv2D(7, 1, Activation.Tanh).Flatten().Dense(3, Activation.Softmax).Loss(LossFunction.CrossEntropy).Sgd(0.1f));

        yield return CorpusEntry.Image("PoolsFirst", [2, 7, 9], """
            [AvgPool2D(2, Padding = Padding.Same)]
            [MaxPool2D(3, Stride = 2, Padding = Padding.Same)]
            [Conv2D(3, 2)]
            [Flatten]
            [Dense(5, Activation.Softmax)]
            [Loss(LossFunction.CrossEntropy)]
            [Adam]
            """, s => s.AvgPool2D(2, padding: Padding.Same).MaxPool2D(3, stride: 2, padding: Padding.Same).Conv2D(3, 2).Flatten()
                .Dense(5, Activation.Softmax).Loss(LossFunction.CrossEntropy).Adam());

        // The output is an image: a convolution is the last layer, its [C, H, W] values the regression targets.
        yield return CorpusEntry.Image("ConvOutput", [1, 6, 6], """
            [Conv2D(4, 3, Activation.ReLU, Padding = Padding.Same)]
            [Conv2D(2, 3)]
            [Loss(LossFunction.MeanSquaredError)]
            [Sgd(LearningRate = 0.02f)]
            """, s => s.Conv2D(4, 3, Activation.ReLU, padding: Padding.Same).Conv2D(2, 3).Loss(LossFunction.MeanSquaredError).Sgd(0.02f));

        // Predictions by Winograd F(4x4, 3x3): 16 channels into 32 filters, Same padding, outputs ending inside a tile
        // (11 x 13); then 32 into 32, Valid; then just off it (32 channels into 24 filters), by the direct convolution.
        yield return CorpusEntry.Image("ConvWinograd", [16, 11, 13], """
            [Conv2D(32, 3, Activation.ReLU, Padding = Padding.Same)]
            [Conv2D(32, 3, Activation.LeakyReLU)]
            [Conv2D(24, 3)]
            [Flatten]
            [Dense(5, Activation.Softmax)]
            [Loss(LossFunction.CrossEntropy)]
            [Adam]
            """, s => s.Conv2D(32, 3, Activation.ReLU, padding: Padding.Same).Conv2D(32, 3, Activation.LeakyReLU).Conv2D(24, 3).Flatten()
                .Dense(5, Activation.Softmax).Loss(LossFunction.CrossEntropy).Adam());
    }

    /// <summary><paramref name="count"/> random convnets: one to three convolution blocks, then Flatten or a global pool and a head.</summary>
    public static IEnumerable<CorpusEntry> Random(int count, int seed)
    {
        Activation[] activations = [Activation.Linear, Activation.Sigmoid, Activation.Tanh, Activation.ReLU, Activation.LeakyReLU, Activation.ELU, Activation.GELU, Activation.SiLU];
        var random = new SeededRandom(seed);
        for (int n = 0; n < count; n++)
        {
            int[] shape = [1 + random.NextInt(4), 5 + random.NextInt(28), 5 + random.NextInt(28)];
            int channels = shape[0], height = shape[1], width = shape[2];
            var text = new StringBuilder();
            var steps = new List<Func<Sequential, Sequential>>();

            int blocks = 1 + random.NextInt(3);
            for (int b = 0; b < blocks && Math.Min(height, width) >= 2; b++)
            {
                int filters = 1 + random.NextInt(48);
                int kh = 1 + random.NextInt(Math.Min(5, height)), kw = random.NextInt(4) == 0 ? 1 + random.NextInt(Math.Min(5, width)) : Math.Min(kh, width);
                int stride = random.NextInt(4) == 0 ? 2 : 1;
                var padding = random.NextInt(3) == 0 ? Padding.Same : Padding.Valid;
                var activation = activations[random.NextInt(activations.Length)];
                text.Append(CultureInfo.InvariantCulture, $"[Conv2D({filters}, {kh}, Activation.{activation}")
                    .Append(kw != kh ? $", KernelWidth = {kw}" : "")
                    .Append(stride != 1 ? $", Stride = {stride}" : "")
                    .Append(padding == Padding.Same ? ", Padding = Padding.Same" : "")
                    .Append(")]\n");
                steps.Add(s => s.Conv2D(filters, kh, activation, stride, padding, kernelWidth: kw));
                (channels, height, width) = (filters, Output(height, kh, stride, padding), Output(width, kw, stride, padding));

                switch (random.NextInt(5))
                {
                    case 0: text.Append("[BatchNorm]\n"); steps.Add(s => s.BatchNorm()); break;
                    case 1: text.Append("[LayerNorm]\n"); steps.Add(s => s.LayerNorm()); break;
                    case 2: text.Append("[Dropout(0.25f)]\n"); steps.Add(s => s.Dropout(0.25f)); break;
                }

                if (Math.Min(height, width) >= 2 && random.NextInt(3) != 0)
                {
                    int size = 2 + random.NextInt(Math.Min(2, Math.Min(height, width) - 1));
                    int poolStride = random.NextInt(3) == 0 ? 1 : size;
                    var poolPadding = random.NextInt(3) == 0 ? Padding.Same : Padding.Valid;
                    bool max = random.NextInt(2) == 0;
                    text.Append(CultureInfo.InvariantCulture, $"[{(max ? "MaxPool2D" : "AvgPool2D")}({size}")
                        .Append(poolStride != size ? $", Stride = {poolStride}" : "")
                        .Append(poolPadding == Padding.Same ? ", Padding = Padding.Same" : "")
                        .Append(")]\n");
                    steps.Add(s => max ? s.MaxPool2D(size, poolStride, poolPadding) : s.AvgPool2D(size, poolStride, poolPadding));
                    (height, width) = (Output(height, size, poolStride, poolPadding), Output(width, size, poolStride, poolPadding));
                }
            }

            if (random.NextInt(3) == 0) { text.Append("[GlobalAvgPool2D]\n"); steps.Add(s => s.GlobalAvgPool2D()); }
            else { text.Append("[Flatten]\n"); steps.Add(s => s.Flatten()); }
            if (random.NextInt(2) == 0)
            {
                int units = 1 + random.NextInt(64);
                var activation = activations[random.NextInt(activations.Length)];
                text.Append(CultureInfo.InvariantCulture, $"[Dense({units}, Activation.{activation})]\n");
                steps.Add(s => s.Dense(units, activation));
            }
            int classes = 2 + random.NextInt(9);
            bool adam = random.NextInt(2) == 0;
            text.Append(CultureInfo.InvariantCulture, $"[Dense({classes}, Activation.Softmax)]\n[Loss(LossFunction.CrossEntropy)]\n")
                .Append(adam ? "[Adam]\n" : "[Sgd(LearningRate = 0.05f)]\n");
            steps.Add(s => s.Dense(classes, Activation.Softmax).Loss(LossFunction.CrossEntropy));
            steps.Add(s => adam ? s.Adam() : s.Sgd(0.05f));

            yield return CorpusEntry.Image($"RandomConv{n + 1}", shape, text.ToString(), s => steps.Aggregate(s, (built, step) => step(built)));
        }
    }

    /// <summary>Output size of a window along one axis, as Keras defines it.</summary>
    private static int Output(int input, int size, int stride, Padding padding) =>
        padding == Padding.Same ? (input + stride - 1) / stride : (input - size) / stride + 1;
}
