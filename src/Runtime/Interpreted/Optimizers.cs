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

/// <summary>SGD, plain (<c>p -= lr * g</c>) or with PyTorch's momentum (and Nesterov); state <c>momentum_buffer</c> when momentum &gt; 0.</summary>
internal sealed class SgdOptimizer(float learningRate, float momentum, bool nesterov) : Optimizer(learningRate)
{
    public override string Name => "Sgd";

    public override string Describe() => momentum > 0
        ? $"Sgd(lr {Number(LearningRate)}, momentum {Number(momentum)}{(nesterov ? ", nesterov" : "")})"
        : $"Sgd(lr {Number(LearningRate)})";

    public override int StateSize(int parameterCount) => momentum > 0 ? parameterCount : 0;

    public override IEnumerable<TensorInfo> StateTensors(int parameterCount) =>
        momentum > 0 ? [new("optimizer.momentum_buffer", [parameterCount], TensorStorage.OptimizerState, 0)] : [];

    public override void Step(Span<float> parameters, ReadOnlySpan<float> gradients, Span<float> state, float learningRate, long step)
    {
        if (momentum > 0) OptimizerSteps.SgdMomentum(parameters, gradients, state, learningRate, momentum, nesterov);
        else OptimizerSteps.Sgd(parameters, gradients, learningRate);
    }
}

/// <summary>AdaGrad; state <c>sum</c> (of squared gradients).</summary>
internal sealed class AdaGradOptimizer(float learningRate, float epsilon) : Optimizer(learningRate)
{
    public override string Name => "AdaGrad";

    public override string Describe() => $"AdaGrad(lr {Number(LearningRate)}, eps {Number(epsilon)})";

    public override int StateSize(int parameterCount) => parameterCount;

    public override IEnumerable<TensorInfo> StateTensors(int parameterCount) =>
        [new("optimizer.sum", [parameterCount], TensorStorage.OptimizerState, 0)];

    public override void Step(Span<float> parameters, ReadOnlySpan<float> gradients, Span<float> state, float learningRate, long step) =>
        OptimizerSteps.AdaGrad(parameters, gradients, state, learningRate, epsilon);
}

/// <summary>RMSprop; state <c>square_avg</c>, then <c>momentum_buffer</c> when momentum &gt; 0.</summary>
internal sealed class RmsPropOptimizer(float learningRate, float alpha, float epsilon, float momentum) : Optimizer(learningRate)
{
    public override string Name => "RmsProp";

    public override string Describe() =>
        $"RmsProp(lr {Number(LearningRate)}, alpha {Number(alpha)}, eps {Number(epsilon)}{(momentum > 0 ? $", momentum {Number(momentum)}" : "")})";

    public override int StateSize(int parameterCount) => momentum > 0 ? 2 * parameterCount : parameterCount;

    public override IEnumerable<TensorInfo> StateTensors(int parameterCount) => momentum > 0
        ?
        [
            new("optimizer.square_avg", [parameterCount], TensorStorage.OptimizerState, 0),
            new("optimizer.momentum_buffer", [parameterCount], TensorStorage.OptimizerState, parameterCount),
        ]
        : [new("optimizer.square_avg", [parameterCount], TensorStorage.OptimizerState, 0)];

    public override void Step(Span<float> parameters, ReadOnlySpan<float> gradients, Span<float> state, float learningRate, long step)
    {
        int n = parameters.Length;
        OptimizerSteps.RmsProp(parameters, gradients, state[..n], momentum > 0 ? state.Slice(n, n) : default, learningRate, alpha, epsilon, momentum);
    }
}

/// <summary>Adam with bias correction; state is <c>exp_avg</c> then <c>exp_avg_sq</c>, each as long as the parameters.</summary>
internal class AdamOptimizer(float learningRate, float beta1, float beta2, float epsilon) : Optimizer(learningRate)
{
    protected float Beta1 => beta1;

    protected float Beta2 => beta2;

    protected float Epsilon => epsilon;

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

/// <summary>AdamW: Adam with decoupled weight decay (<c>p *= 1 - lr·λ</c> before the Adam update); Adam's state names.</summary>
internal sealed class AdamWOptimizer(float learningRate, float beta1, float beta2, float epsilon, float weightDecay)
    : AdamOptimizer(learningRate, beta1, beta2, epsilon)
{
    public override string Name => "AdamW";

    public override string Describe() =>
        $"AdamW(lr {Number(LearningRate)}, betas ({Number(Beta1)}, {Number(Beta2)}), eps {Number(Epsilon)}, weight decay {Number(weightDecay)})";

    public override void Step(Span<float> parameters, ReadOnlySpan<float> gradients, Span<float> state, float learningRate, long step)
    {
        int n = parameters.Length;
        OptimizerSteps.AdamW(parameters, gradients, state[..n], state.Slice(n, n), learningRate, Beta1, Beta2, Epsilon, weightDecay, step);
    }
}
