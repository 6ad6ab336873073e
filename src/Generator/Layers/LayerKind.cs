using System.Collections.Generic;
using CompiledNets.Generator.Emit;
using CompiledNets.Generator.Model;
using CompiledNets.Generator.Parsing;

namespace CompiledNets.Generator.Layers;

/// <summary>
/// One kind of layer, everything the generator knows about it in one place: how its attribute is read and checked,
/// its shape rule, its tensors and buffers, and the statements it contributes to the forward, backward and inference
/// passes. The parser, the plans and the class emitter ask a kind through this class and never switch over kinds;
/// <see cref="LayerCatalog"/> is the only place that names them all. Each kind is a stateless singleton, so a
/// <see cref="LayerSpec"/> that refers to it stays equatable pipeline data.
/// </summary>
internal abstract class LayerKind
{
    // ------------------------------------------------------------------ identity

    /// <summary>The attribute class that declares the layer, for example <c>DenseAttribute</c>.</summary>
    public abstract string AttributeName { get; }

    /// <summary>
    /// The stem of the layer's C# identifiers, numbered per kind: constants <c>Dense1Units</c>, fields <c>_dense1Output</c>;
    /// lower-cased, the tensor names' prefix (<c>dense1.weight</c>). Also the summary's type column.
    /// </summary>
    public abstract string Identifier { get; }

    /// <summary>The prefix of the layer's tensor names: <c>dense</c> in <c>dense1.weight</c>.</summary>
    public string TensorPrefix => Identifier.ToLowerInvariant();

    // ------------------------------------------------------------------ reading the attribute

    /// <summary>Reads and checks the attribute's arguments, reporting every problem at the attribute.</summary>
    public abstract LayerSpec Read(LayerAttribute attribute);

    /// <summary>The layer as messages name it, for example <c>Dense 10</c>.</summary>
    public virtual string Label(LayerSpec spec) => Identifier;

    /// <summary>The summary's type column, for example <c>Conv2D</c> (by default <see cref="Identifier"/>).</summary>
    public virtual string SummaryKind => Identifier;

    // ------------------------------------------------------------------ shape rule and sizes

    /// <summary>The input rank the layer needs: 1 for a vector of features, 3 for <c>[channels, height, width]</c>, 0 for any.</summary>
    public virtual int RequiredInputRank => 0;

    /// <summary>Reports what is wrong with <paramref name="input"/> for this layer (beyond its rank), such as a window larger than it.</summary>
    public virtual void CheckInput(LayerSpec spec, Shape input, LayerInput layer)
    {
    }

    /// <summary>The shape of a sample going out, for a valid <paramref name="input"/> coming in.</summary>
    public virtual Shape OutputShape(LayerSpec spec, Shape input) => input;

    /// <summary>True for the merges (<c>Add</c>, <c>Concat</c>, ...), which read two or more values named in their attribute.</summary>
    public virtual bool IsMerge => false;

    /// <summary>The shape going out for the values coming in: a merge's of all of them, the other kinds' of the one.</summary>
    public virtual Shape OutputShape(LayerSpec spec, IReadOnlyList<Shape> inputs) => OutputShape(spec, inputs[0]);

    /// <summary>Reports what is wrong with a merge's inputs, <paramref name="names"/> naming them as declared.</summary>
    public virtual void CheckMerge(LayerSpec spec, IReadOnlyList<Shape> inputs, IReadOnlyList<string> names, LayerInput layer)
    {
    }

    /// <summary>Trainable values for <paramref name="input"/> coming in (at most about 2^62, so sums of a few do not overflow).</summary>
    public virtual long ParameterCount(LayerSpec spec, Shape input) => 0;

    /// <summary>Non-trainable values (running statistics) for <paramref name="input"/> coming in.</summary>
    public virtual long BufferCount(LayerSpec spec, Shape input) => 0;

    /// <summary>Outputs of the layer's matrix product (units × pieces for Maxout); 0 for kinds without one.</summary>
    public virtual int LinearUnits(LayerSpec spec) => 0;

    /// <summary>Values of the layer's weight, which its bias follows in the parameters: inputs × linear outputs for a product.</summary>
    public virtual long WeightCount(LayerSpec spec, Shape input) => input.Size * LinearUnits(spec);

    // ------------------------------------------------------------------ what the plans ask

    /// <summary>The activation the layer applies last (Linear when it has none).</summary>
    public virtual ActivationKind Activation(LayerSpec spec) => ActivationKind.Linear;

    /// <summary>The slope or saturation of <see cref="Activation"/> (LeakyReLU, ELU).</summary>
    public virtual float Alpha(LayerSpec spec) => 0f;

    /// <summary>True when the layer's activation is the one the loss sees when it is last.</summary>
    public virtual bool HasActivation => false;

    /// <summary>True for the kinds built on a matrix product, which run as register-blocked product kernels split across the pool.</summary>
    public virtual bool IsProduct => false;

    /// <summary>True when bias and activation are applied in the product's epilogue (so the next product can fuse the derivative).</summary>
    public virtual bool ActivatesInProduct => false;

    /// <summary>True when the product's outputs are pieces reduced afterwards (Maxout), held in a scratch buffer of their own.</summary>
    public virtual bool HasPieces => false;

    /// <summary>True when the layer passes its input through unchanged at inference (dropout).</summary>
    public virtual bool IdentityAtInference => false;

    /// <summary>True when training draws random masks (dropout): the network then keeps a seeded stream for them.</summary>
    public virtual bool DrawsMasks => false;

    /// <summary>True when the layer's input gradient goes to the other delta buffer; the other kinds work in place.</summary>
    public virtual bool WritesInputGradientToOtherBuffer => false;

    /// <summary>The L2 coefficient the layer's weights declare: NaN for the network's, 0 for kinds without weights to decay.</summary>
    public virtual float L2(LayerSpec spec) => 0f;

    /// <summary>True when training keeps the layer's values before its activation (the loss and some derivatives need them).</summary>
    public virtual bool StoresPreActivation(LayerPlan layer) => false;

    /// <summary>The training buffer the loss reads its logits from when this layer is last.</summary>
    public virtual string LossInput(NetworkPlan plan, LayerPlan layer) => $"_{layer.Field}Output";

    // ------------------------------------------------------------------ description

    /// <summary>The layer's part of the canonical architecture string, for example <c>Dense(8, ReLU)</c> (the interpreted engine writes the same).</summary>
    public abstract string Describe(LayerPlan layer);

    /// <summary>The summary's detail column.</summary>
    public virtual string SummaryDetail(LayerPlan layer) => "";

    // ------------------------------------------------------------------ the class half: constants, tensors, buffers, initialisation

    /// <summary>The end of the layer's header comment: its tensors and where they live.</summary>
    public virtual string LayoutComment(LayerPlan layer) => "";

    /// <summary>The layer's named constants after <c>Units</c>: sizes, offsets and settings.</summary>
    public virtual void EmitConstants(SourceWriter w, NetworkPlan plan, LayerPlan layer)
    {
    }

    /// <summary>The layer's entries of the tensor table (<c>TensorInfo</c> constructor arguments), parameters then buffers.</summary>
    public virtual IEnumerable<string> TensorEntries(LayerPlan layer)
    {
        yield break;
    }

    /// <summary>The layer's scratch buffers, its output last: field, length (in terms of <c>maxBatchSize</c>) and comment.</summary>
    public IEnumerable<ScratchBuffer> Scratch(NetworkPlan plan, LayerPlan layer)
    {
        foreach (var buffer in plan.TrainsPerLayer ? TrainingScratch(plan, layer) : InferenceScratch(plan, layer)) yield return buffer;
        if (!plan.TrainsPerLayer || KeepsTrainingOutput(plan, layer))
            yield return new ScratchBuffer($"_{layer.Field}Output", $"maxBatchSize * {layer.Prefix}Units", $"[MaxBatchSize, {layer.Units}] output");
    }

    /// <summary>Whether training keeps the layer's outputs in a buffer of their own: false when its reader takes them straight from the kind's scratch.</summary>
    protected virtual bool KeepsTrainingOutput(NetworkPlan plan, LayerPlan layer) => true;

    /// <summary>Buffers batch inference needs besides the output (when training runs in sample lanes, or not at all).</summary>
    protected virtual IEnumerable<ScratchBuffer> InferenceScratch(NetworkPlan plan, LayerPlan layer)
    {
        yield break;
    }

    /// <summary>Buffers the per-layer training path needs besides the output: what the backward pass reads.</summary>
    protected virtual IEnumerable<ScratchBuffer> TrainingScratch(NetworkPlan plan, LayerPlan layer)
    {
        yield break;
    }

    /// <summary>Statements of <c>InitializeParameters</c>, drawing from <c>random</c> in the order the interpreted engine does.</summary>
    public virtual void EmitInitialization(SourceWriter w, LayerPlan layer)
    {
    }

    // ------------------------------------------------------------------ the passes

    /// <summary>
    /// The training forward pass as steps (<see cref="TrainingStep"/>): by default one whole-batch step,
    /// <see cref="EmitTrainingForward"/>. A kind whose work is per sample overrides it, so that its steps run with their
    /// neighbours' in blocks of samples across cores.
    /// </summary>
    public virtual IEnumerable<TrainingStep> TrainingForwardSteps(NetworkPlan plan, LayerPlan layer)
    {
        yield return TrainingStep.WholeBatch(w => EmitTrainingForward(w, plan, layer));
    }

    /// <summary>The backward pass as steps: by default one whole-batch step, <see cref="EmitBackward"/>.</summary>
    public virtual IEnumerable<TrainingStep> BackwardSteps(NetworkPlan plan, LayerPlan layer)
    {
        yield return TrainingStep.WholeBatch(w => EmitBackward(w, plan, layer));
    }

    /// <summary>The training forward pass over <c>rows</c> samples, keeping what the backward pass needs.</summary>
    public virtual void EmitTrainingForward(SourceWriter w, NetworkPlan plan, LayerPlan layer) => throw PassesAsSteps();

    /// <summary>The backward pass: parameter gradients, and d loss / d input unless the layer is the first trainable one.</summary>
    public virtual void EmitBackward(SourceWriter w, NetworkPlan plan, LayerPlan layer) => throw PassesAsSteps();

    /// <summary>For a kind that overrides the steps instead: nothing calls its whole-batch form.</summary>
    private System.InvalidOperationException PassesAsSteps() => new($"{Identifier} emits its training passes as steps.");

    /// <summary>
    /// Inference of <c>rows</c> samples from span <paramref name="input"/> to span <paramref name="output"/>;
    /// <paramref name="scratch"/> holds <see cref="InferenceScratchFloats"/> floats per sample.
    /// </summary>
    public abstract void EmitInference(SourceWriter w, LayerPlan layer, string input, string output, string scratch);

    /// <summary>Inference from the spans of every value the layer reads (a merge's several; by default the one).</summary>
    public virtual void EmitInference(SourceWriter w, LayerPlan layer, IReadOnlyList<string> inputs, string output, string scratch) =>
        EmitInference(w, layer, inputs[0], output, scratch);

    /// <summary>Floats of scratch one sample's <see cref="EmitInference"/> needs (its <c>scratch</c> span): Maxout's pieces, a convolution's planes.</summary>
    public virtual int InferenceScratchFloats(LayerPlan layer) => 0;

    /// <summary>Whether <see cref="EmitInference"/> of <paramref name="layer"/> reads the local <c>rows</c>.</summary>
    public virtual bool InferenceUsesRows(LayerPlan layer) => false;

    /// <summary>
    /// Inference of one block of <c>PredictBatch</c>'s samples (<c>rows</c> of them, in the spans given): by default the
    /// single-sample code, which takes any number of rows; a kind overrides it where a batch has a faster kernel.
    /// </summary>
    public virtual void EmitBlockInference(SourceWriter w, LayerPlan layer, IReadOnlyList<string> inputs, string output, string scratch) =>
        EmitInference(w, layer, inputs, output, scratch);

    /// <summary>Multiply-add FLOPs of one sample's forward pass through the layer's products (none for element-wise kinds).</summary>
    public virtual long ForwardFlopsPerSample(LayerPlan layer) => 0;

    /// <summary>A statement run once per batch before the forward pass (training and <c>PredictBatch</c>), or null.</summary>
    public virtual string? PerBatchStatement(LayerPlan layer) => null;

    /// <summary>The statement adding the L2 penalty of the layer's weights to <c>loss</c> and their gradient (layers with L2 only).</summary>
    public virtual string? L2PenaltyStatement(LayerPlan layer) => null;

    // ------------------------------------------------------------------ the pool's jobs and the kernel class

    /// <summary>The products the layer runs through the pool, each a delegate created once.</summary>
    public virtual IEnumerable<Job> Jobs(NetworkPlan plan, LayerPlan layer)
    {
        yield break;
    }

    /// <summary>The methods the layer's <see cref="Jobs"/> run on a range.</summary>
    public virtual void EmitJobMethods(SourceWriter w, NetworkPlan plan, LayerPlan layer)
    {
    }

    /// <summary>The kernels the layer calls, in the order they are written (the kernel class writes each once).</summary>
    public virtual IEnumerable<KernelRequest> Kernels(NetworkPlan plan, LayerPlan layer)
    {
        yield break;
    }

    public override string ToString() => Identifier;
}

/// <summary>One scratch buffer of a layer: its field, its length in terms of <c>maxBatchSize</c>, and a comment.</summary>
internal sealed record ScratchBuffer(string Field, string Size, string Comment);
