using CompiledNets.Kernels;

namespace CompiledNets;

/// <summary>
/// A node of a <see cref="Graph"/> that combines several values (Add, Concat, Multiply, Average), then applies an optional
/// activation. It is a <see cref="Layer"/> so the graph names, binds, summarises and describes it like any other node; the
/// single-input members do not apply, the graph calls <see cref="Combine"/> once per source instead. No parameters.
/// </summary>
internal abstract class MergeLayer : Layer
{
    private AlignedFloats _output = AlignedFloats.Empty;
    private AlignedFloats? _preActivation;

    protected MergeLayer(string name, LayerShape[] sources, LayerShape output, Activation activation, float alpha)
        : base(name, output, output)
    {
        Sources = sources;
        Activation = activation;
        Alpha = alpha;
    }

    /// <summary>The shapes of the merged values, in the order they are given.</summary>
    public LayerShape[] Sources { get; }

    /// <summary>The activation after the merge (Linear for none).</summary>
    public Activation Activation { get; }

    public float Alpha { get; }

    /// <summary><c>Add</c>, or <c>Add(ReLU)</c> with an activation: the architecture string's form.</summary>
    public override string Describe() => Activation == Activation.Linear ? Kind : $"{Kind}({ActivationText(Activation, Alpha)})";

    /// <summary>The activation, or nothing when Linear (the exporter reads an empty detail as Linear).</summary>
    public override string Detail => Activation == Activation.Linear ? "" : ActivationText(Activation, Alpha);

    public override bool HasActivation => Activation != Activation.Linear;

    public override Activation OutputActivation => Activation;

    public override float OutputAlpha => Alpha;

    public override void Bind(in LayerBinding binding)
    {
        base.Bind(binding);
        if (!binding.Training) return;
        _output = new AlignedFloats(binding.MaxBatchSize * Outputs);
        // The loss needs the logits of the output node; GELU and SiLU need their inputs for the derivative.
        _preActivation = Activation != Activation.Linear && (binding.IsLast || ActivationKernels.NeedsPreActivation(Activation))
            ? new AlignedFloats(binding.MaxBatchSize * Outputs) : null;
    }

    /// <summary>
    /// Folds source <paramref name="k"/> (<c>[batch, Sources[k].Size]</c>) into <paramref name="output"/>; k = 0 overwrites, so
    /// the previous batch's values never leak in.
    /// </summary>
    public abstract void Combine(int k, ReadOnlySpan<float> source, Span<float> output, int batch);

    /// <summary>What follows the last source: Average's scaling. The activation is applied by the caller.</summary>
    protected virtual void Complete(Span<float> output) { }

    /// <summary>
    /// Adds (or, when <paramref name="accumulate"/> is false, writes) d loss / d source <paramref name="k"/> given
    /// <paramref name="delta"/> = d loss / d merged value (after the activation's derivative). Multiply reads the other sources.
    /// </summary>
    public abstract void BackwardSource(int k, ReadOnlySpan<float> delta, Span<float> sourceGradient, bool accumulate, in MergeSources sources, int batch);

    /// <summary>Inference: after every source went through <see cref="Combine"/> into <paramref name="output"/>.</summary>
    public void Finish(Span<float> output, int batch)
    {
        output = output[..(batch * Outputs)];
        Complete(output);
        ActivationKernels.Forward(Activation, Alpha, output, Outputs);
    }

    /// <summary>Training: the buffer the sources are combined into (the pre-activation when one is kept).</summary>
    public Span<float> TrainingTarget(int batch) => (_preActivation ?? _output).AsSpan(0, batch * Outputs);

    /// <summary>Training: after every source went into <see cref="TrainingTarget"/>; returns the outputs.</summary>
    public ReadOnlySpan<float> FinishTraining(int batch)
    {
        var output = _output.AsSpan(0, batch * Outputs);
        if (_preActivation is null)
        {
            Complete(output);
        }
        else
        {
            var pre = _preActivation.AsSpan(0, batch * Outputs);
            Complete(pre);
            pre.CopyTo(output);
        }
        ActivationKernels.Forward(Activation, Alpha, output, Outputs);
        return output;
    }

    public override ReadOnlySpan<float> Output(int batch) => _output.AsSpan(0, batch * Outputs);

    public override ReadOnlySpan<float> PreActivation(ReadOnlySpan<float> input, int batch) =>
        _preActivation is null ? Output(batch) : _preActivation.AsSpan(0, batch * Outputs);

    /// <summary>Turns d loss / d output into d loss / d merged value in place (nothing to do for Linear).</summary>
    public void ActivationBackward(Span<float> delta, int batch)
    {
        if (Activation == Activation.Linear) return;
        int n = batch * Outputs;
        ActivationKernels.Backward(Activation, Alpha, Output(batch), _preActivation is null ? default : _preActivation.AsSpan(0, n), delta[..n], Outputs);
        Subnormals.FlushToZero(delta[..n]);
    }

    public sealed override void Infer(ReadOnlySpan<float> input, Span<float> output, int batch, Span<float> scratch) => throw SingleInput();

    public sealed override ReadOnlySpan<float> Forward(ReadOnlySpan<float> input, int batch) => throw SingleInput();

    public sealed override void Backward(ReadOnlySpan<float> input, Span<float> outputGradient, Span<float> inputGradient, int batch, bool gradientIsPreActivation) =>
        throw SingleInput();

    /// <summary>Writes or adds <paramref name="contribution"/> into <paramref name="gradient"/>: the first reader of a value writes, the others add.</summary>
    internal static void Store(ReadOnlySpan<float> contribution, Span<float> gradient, bool accumulate)
    {
        if (accumulate) Kernels.MergeKernels.Accumulate(gradient, contribution);
        else contribution.CopyTo(gradient);
    }

    private InvalidOperationException SingleInput() => new($"{Name}: a merge reads several values; the graph combines them source by source.");
}

/// <summary>The values a merge read in the last training forward pass, one span per source (Multiply's backward needs them all).</summary>
internal readonly ref struct MergeSources
{
    private readonly Graph _graph;
    private readonly ReadOnlySpan<float> _inputs;
    private readonly int[] _sources;

    public MergeSources(Graph graph, ReadOnlySpan<float> inputs, int[] sources)
    {
        _graph = graph;
        _inputs = inputs;
        _sources = sources;
    }

    /// <summary>Source <paramref name="k"/> of the merge, <c>[batch, size]</c>.</summary>
    public ReadOnlySpan<float> Get(int k, int batch) => _graph.TrainingValue(_sources[k], _inputs, batch);
}
