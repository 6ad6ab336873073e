namespace CompiledNets;

/// <summary>
/// A trainable network: what the source generator emits for an attributed <c>partial class</c>, and what
/// the interpreted <c>Sequential</c> engine builds at run time. All buffers are allocated once; no member allocates per call.
/// </summary>
/// <remarks>
/// Inputs, outputs and targets are row-major <c>[batch, features]</c> spans of floats. Gradients are the mean
/// over the batch. Trainable values live in one contiguous <see cref="Parameters"/> buffer whose layout
/// <see cref="Tensors"/> describes (PyTorch layout and names: <c>dense1.weight</c> is <c>[out, in]</c>).
/// </remarks>
public interface INetwork
{
    /// <summary>Features of one input sample.</summary>
    int InputSize { get; }

    /// <summary>Outputs of one sample.</summary>
    int OutputSize { get; }

    /// <summary>Number of trainable values (the length of <see cref="Parameters"/>).</summary>
    int ParameterCount { get; }

    /// <summary>Largest batch <see cref="ComputeGradients"/> accepts (training buffers are sized for it).</summary>
    int MaxBatchSize { get; }

    /// <summary>
    /// The loss the network is trained on (and <c>Evaluate</c> reports). An inference-only network declared without a
    /// loss reports <see cref="LossFunction.MeanSquaredError"/> here; its <see cref="Architecture"/> says <c>none</c>.
    /// </summary>
    LossFunction Loss { get; }

    /// <summary>
    /// The precision of the weights <see cref="Predict"/> and <see cref="PredictBatch"/> read: <see cref="WeightPrecision.BFloat16"/>
    /// for a generated network declared with <c>[Network(InferenceWeights = WeightPrecision.BFloat16)]</c> (with a Dense or
    /// Maxout layer), which predicts from a bfloat16 copy of those weights; <see cref="Parameters"/> stay float32 either way.
    /// </summary>
    WeightPrecision InferenceWeights => WeightPrecision.Float32;

    /// <summary>Every trainable value, contiguous, in the order of <see cref="Tensors"/>.</summary>
    /// <remarks>
    /// A generated network may predict from a copy of some weights (bfloat16 weights, or single-sample <see cref="Predict"/>'s
    /// interleaved copy of larger Dense layers), filled again after they change. Taking this span counts as a change, so
    /// a write through it is seen by the predictions made after it was taken; take it again after a prediction before
    /// writing more.
    /// </remarks>
    Span<float> Parameters { get; }

    /// <summary>Gradients of the mean loss with respect to <see cref="Parameters"/>, filled by <see cref="ComputeGradients"/>.</summary>
    Span<float> Gradients { get; }

    /// <summary>Non-trainable values that inference depends on (for example batch-norm running statistics).</summary>
    Span<float> Buffers { get; }

    /// <summary>The optimizer's state (moments, velocities), saved in checkpoints so training resumes exactly.</summary>
    Span<float> OptimizerState { get; }

    /// <summary>Names, shapes and offsets of every tensor in <see cref="Parameters"/>, <see cref="Buffers"/> and <see cref="OptimizerState"/>.</summary>
    IReadOnlyList<TensorInfo> Tensors { get; }

    /// <summary>
    /// A canonical one-line description of the architecture, <c>inputs -> layers | loss | optimizer</c>, for example
    /// <c>784 -> Dense(128, ReLU) -> Dense(10, Softmax) | CrossEntropy | Adam</c>. Checkpoints compare its layers strictly
    /// and its optimizer to decide whether the optimizer state loads.
    /// </summary>
    string Architecture { get; }

    /// <summary>Layers, output shapes and parameter counts.</summary>
    NetworkSummary Summary { get; }

    /// <summary>The optimizer's learning rate; adjustable between steps (schedules, callbacks).</summary>
    float LearningRate { get; set; }

    /// <summary>Number of optimizer steps taken so far (Adam's bias correction uses it).</summary>
    long OptimizerStep { get; set; }

    /// <summary>One sample in inference mode. Thread-safe and allocation-free.</summary>
    void Predict(ReadOnlySpan<float> input, Span<float> output);

    /// <summary>
    /// <paramref name="batchSize"/> samples in inference mode; any batch size, independent of <see cref="MaxBatchSize"/>
    /// (generated networks run it in fixed blocks of samples shared across their threads). Not safe to call concurrently
    /// on one instance.
    /// </summary>
    void PredictBatch(ReadOnlySpan<float> inputs, Span<float> outputs, int batchSize);

    /// <summary>Forward and backward pass in training mode; fills <see cref="Gradients"/> with the batch mean and returns the mean loss.</summary>
    float ComputeGradients(ReadOnlySpan<float> inputs, ReadOnlySpan<float> targets, int batchSize);

    /// <summary>Outputs of the last <see cref="ComputeGradients"/> call (training mode), row-major <c>[batch, OutputSize]</c>.</summary>
    ReadOnlySpan<float> TrainingOutputs { get; }

    /// <summary>One optimizer step using the current <see cref="Gradients"/>.</summary>
    void ApplyGradients();

    /// <summary><see cref="ComputeGradients"/> followed by <see cref="ApplyGradients"/>; returns the mean loss before the step.</summary>
    float TrainBatch(ReadOnlySpan<float> inputs, ReadOnlySpan<float> targets, int batchSize);
}
