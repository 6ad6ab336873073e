using System.Globalization;
using CompiledNets.Kernels;

namespace CompiledNets;

/// <summary>An optimizer of a <see cref="Sequential"/> network: its settings, state layout and step.</summary>
internal abstract class Optimizer
{
    protected Optimizer(float learningRate) => LearningRate = learningRate;

    /// <summary>The initial learning rate.</summary>
    public float LearningRate { get; }

    /// <summary>The name in the architecture string (<c>Sgd</c>, <c>Adam</c>).</summary>
    public abstract string Name { get; }

    /// <summary>The optimizer and its settings, for the summary (the generator writes the same text).</summary>
    public abstract string Describe();

    /// <summary>Values of state for <paramref name="parameterCount"/> parameters.</summary>
    public abstract int StateSize(int parameterCount);

    /// <summary>The state tensors (PyTorch's names), with offsets into the state buffer.</summary>
    public abstract IEnumerable<TensorInfo> StateTensors(int parameterCount);

    /// <summary>One update; <paramref name="step"/> counts from 1.</summary>
    public abstract void Step(Span<float> parameters, ReadOnlySpan<float> gradients, Span<float> state, float learningRate, long step);

    protected static string Number(float value) => value.ToString("R", CultureInfo.InvariantCulture);
}

/// <summary>Plain SGD: <c>p -= lr * g</c>.</summary>
internal sealed class SgdOptimizer(float learningRate) : Optimizer(learningRate)
{
    public override string Name => "Sgd";

    public override string Describe() => $"Sgd(lr {Number(LearningRate)})";

    public override int StateSize(int parameterCount) => 0;

    public override IEnumerable<TensorInfo> StateTensors(int parameterCount) => [];

    public override void Step(Span<float> parameters, ReadOnlySpan<float> gradients, Span<float> state, float learningRate, long step) =>
        OptimizerSteps.Sgd(parameters, gradients, learningRate);
}

/// <summary>Adam with bias correction; state is <c>exp_avg</c> then <c>exp_avg_sq</c>, each as long as the parameters.</summary>
internal sealed class AdamOptimizer(float learningRate, float beta1, float beta2, float epsilon) : Optimizer(learningRate)
{
    public override string Name => "Adam";

    public override string Describe() =>
        $"Adam(lr {Number(LearningRate)}, betas ({Number(beta1)}, {Number(beta2)}), eps {Number(epsilon)})";

    public override int StateSize(int parameterCount) => 2 * parameterCount;

    public override IEnumerable<TensorInfo> StateTensors(int parameterCount) =>
    [
        new("optimizer.exp_avg", [parameterCount], TensorStorage.OptimizerState, 0),
        new("optimizer.exp_avg_sq", [parameterCount], TensorStorage.OptimizerState, parameterCount),
    ];

    public override void Step(Span<float> parameters, ReadOnlySpan<float> gradients, Span<float> state, float learningRate, long step)
    {
        int n = parameters.Length;
        OptimizerSteps.Adam(parameters, gradients, state[..n], state.Slice(n, n), learningRate, beta1, beta2, epsilon, step);
    }
}
