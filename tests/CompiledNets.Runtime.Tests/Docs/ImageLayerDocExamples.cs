namespace CompiledNets.Runtime.Tests.Docs;

/// <summary>
/// The image networks of docs/attributes.md, built as their interpreted twins (the code the page shows for
/// <c>Sequential</c>): the shapes in the page's comments, the parameter counts and the architecture strings.
/// Keep them in step with the Markdown.
/// </summary>
public class ImageLayerDocExamples
{
    [Fact]
    public void The_mnist_convnet_of_the_page()
    {
        var convnet = new Sequential(channels: 1, height: 28, width: 28)
            .Conv2D(32, 3, Activation.ReLU).MaxPool2D(2)
            .Conv2D(64, 3, Activation.ReLU).MaxPool2D(2)
            .Flatten().Dropout(0.5f).Dense(10, Activation.Softmax)
            .Loss(LossFunction.CrossEntropy).Adam(1e-3f)
            .Build(seed: 42);
        Assert.Equal(34_826, convnet.ParameterCount);
        Assert.Equal([[32, 26, 26], [32, 13, 13], [64, 11, 11], [64, 5, 5], [1600], [1600], [10]], convnet.Summary.Layers.Select(l => l.OutputShape));
        Assert.Equal([[32, 1, 3, 3], [32], [64, 32, 3, 3], [64], [10, 1600], [10]], convnet.Tensors.Take(6).Select(t => t.Shape));
        Assert.StartsWith("1x28x28 -> Conv2D(32, 3x3, ReLU) -> MaxPool2D(2) -> ", convnet.Architecture, StringComparison.Ordinal);
    }

    [Fact]
    public void LeNet_of_the_page()
    {
        var lenet = new Sequential(1, 28, 28)
            .Conv2D(6, 5, Activation.Tanh, padding: Padding.Same).AvgPool2D(2)
            .Conv2D(16, 5, Activation.Tanh).AvgPool2D(2)
            .Flatten().Dense(120, Activation.Tanh).Dense(84, Activation.Tanh).Dense(10, Activation.Softmax)
            .Loss(LossFunction.CrossEntropy).Adam(1e-3f);
        Assert.Equal([[6, 28, 28], [6, 14, 14], [16, 10, 10], [16, 5, 5], [400], [120], [84], [10]], lenet.Summary.Layers.Select(l => l.OutputShape));
        Assert.Equal(156 + 2_416 + 48_120 + 10_164 + 850, lenet.ParameterCount);
    }

    [Fact]
    public void The_strings_the_page_quotes()
    {
        var net = new Sequential(1, 16, 16)
            .Conv2D(16, 5, Activation.LeakyReLU, stride: 2, padding: Padding.Same, kernelWidth: 3, alpha: 0.2f)
            .MaxPool2D(3, stride: 2).AvgPool2D(2, padding: Padding.Same).AvgPool2D(3, stride: 1, padding: Padding.Same)
            .InferenceOnly();
        Assert.Equal("1x16x16 -> Conv2D(16, 5x3, stride 2, same, LeakyReLU(alpha 0.2)) -> MaxPool2D(3, stride 2) -> AvgPool2D(2, same) -> AvgPool2D(3, stride 1, same) | none | InferenceOnly",
            net.Architecture);
    }
}
