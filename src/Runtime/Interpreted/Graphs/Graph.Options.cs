namespace CompiledNets;

/// <summary>The loss, weight decay, inference-only switch and optimizers, as on <see cref="Sequential"/>.</summary>
public sealed partial class Graph
{
    /// <summary>Sets the loss the network is trained on, as <c>[Loss(...)]</c> does; it reads the output node (the last one).</summary>
    public Graph Loss(LossFunction loss)
    {
        ThrowIfBuilt();
        if (!Enum.IsDefined(loss)) throw new ArgumentOutOfRangeException(nameof(loss), loss, "Unknown loss function.");
        if (_loss is not null) throw new InvalidOperationException($"The network already has a loss ({_loss}); declare exactly one.");
        _loss = loss;
        return this;
    }

    /// <summary>L2 weight decay on every Dense, Maxout and Conv2D weight, as <c>[WeightDecay(lambda)]</c> (see <see cref="Sequential.WeightDecay"/>).</summary>
    /// <param name="lambda">The coefficient, a finite number &gt;= 0.</param>
    public Graph WeightDecay(float lambda)
    {
        ThrowIfBuilt();
        Sequential.CheckNonNegative(lambda, nameof(lambda), "WeightDecay: lambda", "1e-4f");
        _weightDecay = lambda;
        return this;
    }

    /// <summary>Marks the network inference only, as <c>[Network(InferenceOnly = true)]</c> (see <see cref="Sequential.InferenceOnly"/>).</summary>
    public Graph InferenceOnly()
    {
        ThrowIfBuilt();
        _inferenceOnly = true;
        return this;
    }

    /// <summary>Stochastic gradient descent, as <c>[Sgd]</c> (see <see cref="Sequential.Sgd"/>).</summary>
    /// <param name="learningRate">The step size, a finite number &gt; 0.</param>
    /// <param name="momentum">Momentum in [0, 1); 0 is plain SGD.</param>
    /// <param name="nesterov">Nesterov momentum (needs momentum &gt; 0).</param>
    public Graph Sgd(float learningRate = 0.01f, float momentum = 0f, bool nesterov = false)
    {
        ThrowIfBuilt();
        Sequential.CheckLearningRate(learningRate);
        Sequential.CheckUnitInterval(momentum, nameof(momentum), "[Sgd] Momentum", "0.9f");
        if (nesterov && !(momentum > 0))
            throw new ArgumentOutOfRangeException(nameof(momentum), momentum, "[Sgd] Momentum must be > 0 when Nesterov is on, for example 0.9f.");
        return SetOptimizer(new SgdOptimizer(learningRate, momentum, nesterov));
    }

    /// <summary>AdaGrad, as <c>[AdaGrad]</c> (PyTorch's formulas and defaults).</summary>
    /// <param name="learningRate">The step size, a finite number &gt; 0.</param>
    /// <param name="epsilon">Added to the root of the sum of squares, a finite number &gt; 0.</param>
    public Graph AdaGrad(float learningRate = 0.01f, float epsilon = 1e-10f)
    {
        ThrowIfBuilt();
        Sequential.CheckLearningRate(learningRate);
        Sequential.CheckPositive(epsilon, nameof(epsilon), "[AdaGrad] Epsilon", "1e-10f");
        return SetOptimizer(new AdaGradOptimizer(learningRate, epsilon));
    }

    /// <summary>RMSprop, as <c>[RmsProp]</c> (PyTorch's formulas and defaults, not centred).</summary>
    /// <param name="learningRate">The step size, a finite number &gt; 0.</param>
    /// <param name="alpha">Smoothing of the squared-gradient average, in [0, 1).</param>
    /// <param name="epsilon">Added to the root of the average, a finite number &gt; 0.</param>
    /// <param name="momentum">Momentum in [0, 1); 0 means none.</param>
    public Graph RmsProp(float learningRate = 0.01f, float alpha = 0.99f, float epsilon = 1e-8f, float momentum = 0f)
    {
        ThrowIfBuilt();
        Sequential.CheckLearningRate(learningRate);
        Sequential.CheckUnitInterval(alpha, nameof(alpha), "[RmsProp] Alpha", "0.99f");
        Sequential.CheckPositive(epsilon, nameof(epsilon), "[RmsProp] Epsilon", "1e-8f");
        Sequential.CheckUnitInterval(momentum, nameof(momentum), "[RmsProp] Momentum", "0.9f");
        return SetOptimizer(new RmsPropOptimizer(learningRate, alpha, epsilon, momentum));
    }

    /// <summary>Adam with bias correction, as <c>[Adam]</c> (PyTorch's formulas and defaults).</summary>
    /// <param name="learningRate">The step size, a finite number &gt; 0.</param>
    /// <param name="beta1">Decay of the first moment, in [0, 1).</param>
    /// <param name="beta2">Decay of the second moment, in [0, 1).</param>
    /// <param name="epsilon">Added to the root of the second moment, a finite number &gt; 0.</param>
    public Graph Adam(float learningRate = 1e-3f, float beta1 = 0.9f, float beta2 = 0.999f, float epsilon = 1e-8f)
    {
        ThrowIfBuilt();
        Sequential.CheckAdam("[Adam]", learningRate, beta1, beta2, epsilon);
        return SetOptimizer(new AdamOptimizer(learningRate, beta1, beta2, epsilon));
    }

    /// <summary>AdamW, as <c>[AdamW]</c>: Adam with decoupled weight decay (PyTorch's defaults).</summary>
    /// <param name="learningRate">The step size, a finite number &gt; 0.</param>
    /// <param name="beta1">Decay of the first moment, in [0, 1).</param>
    /// <param name="beta2">Decay of the second moment, in [0, 1).</param>
    /// <param name="epsilon">Added to the root of the second moment, a finite number &gt; 0.</param>
    /// <param name="weightDecay">The decoupled decay λ, a finite number &gt;= 0.</param>
    public Graph AdamW(float learningRate = 1e-3f, float beta1 = 0.9f, float beta2 = 0.999f, float epsilon = 1e-8f, float weightDecay = 0.01f)
    {
        ThrowIfBuilt();
        Sequential.CheckAdam("[AdamW]", learningRate, beta1, beta2, epsilon);
        Sequential.CheckNonNegative(weightDecay, nameof(weightDecay), "[AdamW] WeightDecay", "0.01f");
        return SetOptimizer(new AdamWOptimizer(learningRate, beta1, beta2, epsilon, weightDecay));
    }

    private Graph SetOptimizer(Optimizer optimizer)
    {
        if (_optimizer is not null)
            throw new InvalidOperationException($"The network already has an optimizer ({_optimizer.Name}); declare exactly one.");
        _optimizer = optimizer;
        return this;
    }
}
