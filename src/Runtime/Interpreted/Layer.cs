using System.Globalization;

namespace CompiledNets;

/// <summary>
/// One layer of a <see cref="Sequential"/> network. A layer owns its training scratch (what its backward pass
/// needs from the forward pass) and views slices of the network's contiguous parameter, gradient and buffer
/// arrays; everything is allocated once, in <see cref="Bind"/>.
/// </summary>
/// <remarks>
/// A new layer kind implements this class and a builder method on <see cref="Sequential"/> and on <see cref="Graph"/>
/// (where it is also a node; merges derive from <see cref="MergeLayer"/>); it must name its
/// tensors, count its parameters and buffers and initialise them in the order the generator uses for the same layer.
/// </remarks>
internal abstract class Layer
{
    protected Layer(string name, int inputs, int outputs)
        : this(name, LayerShape.Flat(inputs), LayerShape.Flat(outputs))
    {
    }

    protected Layer(string name, LayerShape input, LayerShape output)
    {
        Name = name;
        InputShape = input;
        OutputShape = output;
    }

    /// <summary>Name used in tensor names and the summary, for example <c>dense1</c> (1-based per layer kind).</summary>
    public string Name { get; }

    /// <summary>The shape of one sample coming in: <c>[features]</c> or <c>[channels, height, width]</c>.</summary>
    public LayerShape InputShape { get; }

    /// <summary>The shape of one sample going out.</summary>
    public LayerShape OutputShape { get; }

    /// <summary>Values per sample coming in (the flat size of <see cref="InputShape"/>).</summary>
    public int Inputs => InputShape.Size;

    /// <summary>Values per sample going out (the flat size of <see cref="OutputShape"/>).</summary>
    public int Outputs => OutputShape.Size;

    /// <summary>The layer type as the summary shows it, for example <c>Dense</c>.</summary>
    public abstract string Kind { get; }

    /// <summary>This layer's part of the canonical architecture string, for example <c>Dense(8, ReLU)</c>.</summary>
    public abstract string Describe();

    /// <summary>Settings shown in the summary's detail column (the activation for Dense).</summary>
    public virtual string Detail => "";

    /// <summary>Trainable values of this layer (its slice of the network's parameters).</summary>
    public virtual int ParameterCount => 0;

    /// <summary>Non-trainable values of this layer (its slice of the network's buffers).</summary>
    public virtual int BufferCount => 0;

    /// <summary>True when the layer applies an activation the loss may see (Dense, Activation).</summary>
    public virtual bool HasActivation => false;

    /// <summary>The activation applied last, so the loss can fuse with it (Linear when the layer has none).</summary>
    public virtual Activation OutputActivation => Activation.Linear;

    /// <summary>The alpha of <see cref="OutputActivation"/>.</summary>
    public virtual float OutputAlpha => 0f;

    /// <summary>True when the backward pass turns d loss / d output into d loss / d input in place (no second buffer).</summary>
    public virtual bool BackwardInPlace => false;

    /// <summary>True when inference passes the values through unchanged (dropout).</summary>
    public virtual bool IdentityAtInference => false;

    /// <summary>Scratch values per sample <see cref="Infer"/> needs (Maxout's piece values).</summary>
    public virtual int InferenceScratch => 0;

    /// <summary>
    /// Scratch values <see cref="Infer"/> needs for <paramref name="rows"/> samples: <see cref="InferenceScratch"/> per
    /// row, unless the layer works one sample at a time in a scratch of its own size (Conv2D's unfolded input).
    /// </summary>
    public virtual int InferenceScratchFor(int rows) => rows * InferenceScratch;

    /// <summary>Index of the layer's first value in the network's parameter (and gradient) buffer.</summary>
    public int ParameterOffset { get; private set; }

    /// <summary>Index of the layer's first value in the network's buffers.</summary>
    public int BufferOffset { get; private set; }

    /// <summary>Views the network's buffers and allocates the training scratch.</summary>
    public virtual void Bind(in LayerBinding binding)
    {
        ParameterOffset = binding.ParameterOffset;
        BufferOffset = binding.BufferOffset;
    }

    /// <summary>The layer's tensors (parameters, then buffers), with offsets into the network's arrays.</summary>
    public virtual IEnumerable<TensorInfo> Tensors() => [];

    /// <summary>Sets the initial parameters and buffers, drawing from <paramref name="random"/> in the generated network's order.</summary>
    public virtual void Initialize(ref Kernels.SeededRandom random)
    {
    }

    /// <summary>
    /// Inference: <paramref name="output"/> = f(<paramref name="input"/>) for <paramref name="batch"/> rows, with
    /// <paramref name="scratch"/> of <see cref="InferenceScratch"/> values per row. Reads only parameters and buffers: thread-safe.
    /// </summary>
    public abstract void Infer(ReadOnlySpan<float> input, Span<float> output, int batch, Span<float> scratch);

    /// <summary>Training-mode forward pass into the layer's own scratch; returns the outputs <c>[batch, Outputs]</c>.</summary>
    public abstract ReadOnlySpan<float> Forward(ReadOnlySpan<float> input, int batch);

    /// <summary>The outputs of the last <see cref="Forward"/> call.</summary>
    public abstract ReadOnlySpan<float> Output(int batch);

    /// <summary>
    /// The values before <see cref="OutputActivation"/> of the last <see cref="Forward"/> call (the logits, for the loss);
    /// <paramref name="input"/> is what that call was given.
    /// </summary>
    public virtual ReadOnlySpan<float> PreActivation(ReadOnlySpan<float> input, int batch) => Output(batch);

    /// <summary>
    /// Backward pass. <paramref name="outputGradient"/> holds d loss / d output, or d loss / d pre-activation when
    /// <paramref name="gradientIsPreActivation"/> (the loss already applied the output activation's derivative); the
    /// layer may overwrite it. Writes (not accumulates) its parameter gradients and d loss / d input: into
    /// <paramref name="inputGradient"/>, unless that is empty (the first layer with parameters needs none), or in place
    /// into <paramref name="outputGradient"/> when <see cref="BackwardInPlace"/>.
    /// </summary>
    public abstract void Backward(ReadOnlySpan<float> input, Span<float> outputGradient, Span<float> inputGradient, int batch, bool gradientIsPreActivation);

    /// <summary>
    /// Adds the L2 penalty of the layer's weights to their gradient and returns its share of the loss (0 without one);
    /// <paramref name="networkWeightDecay"/> applies unless the layer declares its own coefficient.
    /// </summary>
    public virtual float AddL2Penalty(float networkWeightDecay) => 0f;

    /// <summary>The layer's row of the summary table.</summary>
    public LayerSummary Summary() => new(Name, Kind, OutputShape.Dimensions, ParameterCount, BufferCount, Detail);

    /// <summary>An activation as the architecture string and summary write it: with its alpha when not the default, <c>LeakyReLU(alpha 0.2)</c>.</summary>
    public static string ActivationText(Activation activation, float alpha) =>
        activation is Activation.LeakyReLU or Activation.ELU && alpha != Kernels.ActivationKernels.DefaultAlpha(activation)
            ? $"{activation}(alpha {Number(alpha)})"
            : activation.ToString();

    /// <summary>A float as the generator writes it (round-trip, invariant).</summary>
    public static string Number(float value) => value.ToString("R", CultureInfo.InvariantCulture);

    /// <summary>An int as the generator writes it.</summary>
    public static string Number(int value) => value.ToString(CultureInfo.InvariantCulture);
}
