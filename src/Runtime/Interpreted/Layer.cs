namespace CompiledNets;

/// <summary>
/// One layer of a <see cref="Sequential"/> network. A layer owns its training scratch (what its backward pass
/// needs from the forward pass) and views slices of the network's contiguous parameter and gradient buffers;
/// everything is allocated once, in <see cref="Bind"/>.
/// </summary>
/// <remarks>
/// A new layer kind implements this class and a builder method on <see cref="Sequential"/>; it must name its
/// tensors, count its parameters and initialise them in the order the generator uses for the same layer.
/// </remarks>
internal abstract class Layer
{
    protected Layer(string name, int inputs, int outputs)
    {
        Name = name;
        Inputs = inputs;
        Outputs = outputs;
    }

    /// <summary>Name used in tensor names and the summary, for example <c>dense1</c> (1-based per layer kind).</summary>
    public string Name { get; }

    /// <summary>Features per sample coming in.</summary>
    public int Inputs { get; }

    /// <summary>Features per sample going out.</summary>
    public int Outputs { get; }

    /// <summary>The layer type as the summary shows it, for example <c>Dense</c>.</summary>
    public abstract string Kind { get; }

    /// <summary>This layer's part of the canonical architecture string, for example <c>Dense(8, ReLU)</c>.</summary>
    public abstract string Describe();

    /// <summary>Settings shown in the summary's type column (the activation for Dense).</summary>
    public virtual string Detail => "";

    /// <summary>Trainable values of this layer (its slice of the network's parameters).</summary>
    public virtual int ParameterCount => 0;

    /// <summary>False when the layer cannot be trained (a Step activation): the network is then inference only.</summary>
    public virtual bool IsTrainable => true;

    /// <summary>The activation applied last, so the loss can fuse with it (Linear when the layer has none).</summary>
    public virtual Activation OutputActivation => Activation.Linear;

    /// <summary>The alpha of <see cref="OutputActivation"/>.</summary>
    public virtual float OutputAlpha => 0f;

    /// <summary>Index of the layer's first value in the network's parameter (and gradient) buffer.</summary>
    public int ParameterOffset { get; private set; }

    /// <summary>Views the network's buffers and allocates the training scratch for <paramref name="maxBatchSize"/> rows.</summary>
    /// <param name="parameters">The network's parameter buffer.</param>
    /// <param name="gradients">The network's gradient buffer (same layout).</param>
    /// <param name="parameterOffset">Where this layer's values start in both.</param>
    /// <param name="maxBatchSize">Largest training batch.</param>
    /// <param name="keepLogits">True for the last layer: the loss needs its values before the output activation.</param>
    public virtual void Bind(float[] parameters, float[] gradients, int parameterOffset, int maxBatchSize, bool keepLogits) =>
        ParameterOffset = parameterOffset;

    /// <summary>The layer's trainable tensors, with offsets into the network's parameter buffer.</summary>
    public virtual IEnumerable<TensorInfo> ParameterTensors() => [];

    /// <summary>Draws the initial parameters, in the same order as the generated network.</summary>
    public virtual void Initialize(ref Kernels.SeededRandom random)
    {
    }

    /// <summary>Inference: <paramref name="output"/> = f(<paramref name="input"/>) for <paramref name="batch"/> rows. Reads only the parameters: thread-safe.</summary>
    public abstract void Infer(ReadOnlySpan<float> input, Span<float> output, int batch);

    /// <summary>Training-mode forward pass into the layer's own scratch; returns the outputs <c>[batch, Outputs]</c>.</summary>
    public abstract ReadOnlySpan<float> Forward(ReadOnlySpan<float> input, int batch);

    /// <summary>The outputs of the last <see cref="Forward"/> call.</summary>
    public abstract ReadOnlySpan<float> Output(int batch);

    /// <summary>The values before <see cref="OutputActivation"/> of the last <see cref="Forward"/> call (the logits, for the loss).</summary>
    public virtual ReadOnlySpan<float> PreActivation(int batch) => Output(batch);

    /// <summary>
    /// Backward pass. <paramref name="outputGradient"/> holds d loss / d output, or d loss / d pre-activation when
    /// <paramref name="gradientIsPreActivation"/> (the loss already applied the output activation's derivative); the
    /// layer may overwrite it. Writes (not accumulates) its parameter gradients and, unless
    /// <paramref name="inputGradient"/> is empty (the first layer), d loss / d input.
    /// </summary>
    public abstract void Backward(ReadOnlySpan<float> input, Span<float> outputGradient, Span<float> inputGradient, int batch, bool gradientIsPreActivation);

    /// <summary>The layer's row of the summary table.</summary>
    public LayerSummary Summary() => new(Name, Kind, [Outputs], ParameterCount, 0, Detail);
}
