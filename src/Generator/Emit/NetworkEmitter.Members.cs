using System.Collections.Generic;
using System.Linq;
using CompiledNets.Generator.Model;
using CompiledNets.Generator.Names;
using static CompiledNets.Generator.Emit.Code;

namespace CompiledNets.Generator.Emit;

/// <summary>The class shell: constants, tensor and summary tables, fields, constructors, properties, initialisation, argument checks.</summary>
internal static partial class NetworkEmitter
{
    // ------------------------------------------------------------------ constants and tables

    private static void EmitConstants(SourceWriter w, NetworkPlan plan)
    {
        var spec = plan.Spec;
        w.Line("/// <summary>Features of one input sample.</summary>");
        w.Line($"public const int InputSize = {spec.Inputs};");
        w.Line("/// <summary>Outputs of one sample.</summary>");
        w.Line($"public const int OutputSize = {plan.OutputSize};");
        w.Line("/// <summary>Trainable values, the length of <see cref=\"Parameters\"/>.</summary>");
        w.Line($"public const int ParameterCount = {plan.ParameterCount};");
        w.Line("/// <summary>Non-trainable values (batch-norm running statistics), the length of <see cref=\"Buffers\"/>.</summary>");
        w.Line($"public const int BufferCount = {plan.BufferCount};");
        w.Line("/// <summary>Values of optimizer state (moments), the length of <see cref=\"OptimizerState\"/>.</summary>");
        w.Line($"public const int OptimizerStateCount = {plan.OptimizerStateCount};");
        w.Line("/// <summary>Largest training batch of the constructors without a <c>maxBatchSize</c>, from <c>[Network(MaxBatchSize = ...)]</c>.</summary>");
        w.Line($"public const int DefaultMaxBatchSize = {spec.MaxBatchSize};");
        w.Line();
        if (plan.Graph is { SplitsInputs: true } graph)
        {
            w.Line("// The inputs, side by side in a sample's row.");
            for (int k = 0; k < graph.Inputs.Count; k++)
                w.Line($"private const int {graph.InputSizeConstant(k)} = {graph.Inputs[k].Shape.Size}; // '{graph.Inputs[k].Name}' {graph.Inputs[k].Shape}, from value {graph.InputOffsets[k]} of the row");
            w.Line();
        }
        foreach (var layer in plan.Layers)
        {
            string reads = plan.Graph is { } wiring ? $" reads {string.Join(", ", layer.Sources.Select(wiring.ValueName))}," : "";
            w.Line($"// Layer {layer.Index + 1}: {layer.Name} = {layer.Describe()},{reads} {layer.Inputs} -> {layer.Units}{layer.Kind.LayoutComment(layer)}");
            w.Line($"private const int {layer.Prefix}Units = {layer.Units};");
            layer.Kind.EmitConstants(w, plan, layer);
        }
        w.Line();
        w.Line("// Widest hidden layer: single-sample inference keeps two such rows on the stack.");
        w.Line($"private const int WidestHidden = {plan.WidestHidden};");
        w.Line("// Widest per-sample gradient: the training delta buffers hold this many values per sample.");
        w.Line($"private const int Widest = {plan.Widest};");
        w.Line("// Products smaller than this many FLOPs run on the calling thread.");
        w.Line($"private const long ParallelThreshold = {KernelPlan.ParallelThreshold}L;");
        OptimizerEmitter.EmitConstants(w, plan);
        w.Line($"private const string ArchitectureText = {Literal.String(plan.Architecture)};");
        w.Line();
    }

    private static void EmitTables(SourceWriter w, NetworkPlan plan)
    {
        w.Line($"private static readonly {Runtime}.TensorInfo[] TensorLayout =");
        w.Line("{");
        w.Indent();
        foreach (var layer in plan.Layers)
            foreach (var entry in layer.Kind.TensorEntries(layer)) w.Line(entry + ",");
        foreach (var entry in OptimizerEmitter.StateTensors(plan)) w.Line(entry + ",");
        w.Outdent();
        w.Line("};");
        w.Line();

        w.Line($"private static readonly {Runtime}.NetworkSummary SummaryTable = new(");
        w.Indent();
        if (plan.Graph is { } graph)
        {
            // A graph's summary lists its inputs and what each layer reads (Keras's Functional "Connected to").
            w.Line($"{Literal.String(plan.Spec.ClassName)},");
            w.Line($"new {Runtime}.InputSummary[] {{ {string.Join(", ", graph.Inputs.Select(i => $"new({Literal.String(i.Name)}, new[] {{ {string.Join(", ", i.Shape.Dimensions.Select(Literal.Int))} }})"))} }},");
        }
        else w.Line($"{Literal.String(plan.Spec.ClassName)}, InputSize,");
        w.Line($"new {Runtime}.LayerSummary[]");
        w.Line("{");
        w.Indent();
        foreach (var layer in plan.Layers)
        {
            string connected = plan.Graph is { } wiring
                ? $" {{ ConnectedTo = new[] {{ {string.Join(", ", layer.Sources.Select(s => Literal.String(wiring.ValueName(s))))} }} }}"
                : "";
            w.Line($"new(\"{layer.Name}\", \"{layer.SummaryKind}\", new[] {{ {ShapeExpression(layer)} }}, {layer.ParameterCount}, {layer.BufferCount}, {Literal.String(layer.SummaryDetail)}){connected},");
        }
        w.Outdent();
        w.Line("},");
        w.Line($"{Literal.String(plan.LossText)}, {Literal.String(plan.Trainable ? OptimizerEmitter.Describe(plan.Spec.Optimizer) : "none (inference only)")});");
        w.Outdent();
        w.Line();
    }

    /// <summary>The summary's output shape: the <c>Units</c> constant of a flat layer, else the dimensions.</summary>
    private static string ShapeExpression(LayerPlan layer) =>
        layer.OutputShape.Rank == 1 ? $"{layer.Prefix}Units" : string.Join(", ", layer.OutputShape.Dimensions.Select(Literal.Int));

    // ------------------------------------------------------------------ fields, constructors, properties

    private static void EmitFields(SourceWriter w, NetworkPlan plan)
    {
        w.Line($"private readonly {AlignedFloats} _parameters = new(ParameterCount);");
        w.Line($"private readonly {AlignedFloats} _gradients = new(ParameterCount);");
        w.Line($"private readonly {AlignedFloats} _buffers = new(BufferCount);");
        w.Line($"private readonly {AlignedFloats} _optimizerState = new(OptimizerStateCount);");
        w.Line();
        w.Line("// Training scratch, allocated once for MaxBatchSize rows, each starting on a 64-byte boundary like the parameters.");
        if (plan.Graph is { SplitsInputs: true } graph)
        {
            for (int k = 0; k < graph.Inputs.Count; k++)
                w.Line($"private readonly {AlignedFloats} {graph.InputBuffer(k)}; // [MaxBatchSize, {graph.InputSizeConstant(k)}]: input '{graph.Inputs[k].Name}' of the batch");
        }
        else w.Line($"private readonly {AlignedFloats} _input; // [MaxBatchSize, InputSize]: the batch, copied so worker threads can read it");
        foreach (var layer in plan.Layers)
        {
            foreach (var (field, size, comment) in layer.Kind.Scratch(plan, layer))
                w.Line($"private readonly {AlignedFloats} {field}; // {comment}");
        }
        if (plan.TrainsPerLayer && plan.Graph is { } withGradients)
        {
            w.Line($"// [MaxBatchSize, Widest] each: the gradients of the values, reused once a value has passed its gradient on.");
            foreach (var buffer in withGradients.DeltaBuffers) w.Line($"private readonly {AlignedFloats} {buffer};");
        }
        else if (plan.TrainsPerLayer)
        {
            w.Line($"private readonly {AlignedFloats} _deltaA; // [MaxBatchSize, Widest]: loss gradients, ping-ponged between layers");
            w.Line($"private readonly {AlignedFloats} _deltaB;");
        }
        if (plan.DrawsMasks && plan.Trainable) w.Line($"private {RuntimeNames.SeededRandom} _dropoutRandom; // advances with every training batch");
        w.Line("private float _learningRate = InitialLearningRate;");
        w.Line("private long _optimizerStep;");
        if (plan.Trainable) w.Line("private int _trainingRows;");
        w.Line();
        w.Line("// Parallel products: each job computes one part of one product; delegates are created once.");
        w.Line($"private {RuntimeNames.WorkerPool}? _pool;");
        w.Line("private int _threads = 1;");
        if (plan.TrainsPerLayer) w.Line("private int _rows; // samples in the training batch being processed");
        foreach (var job in Jobs(plan)) w.Line($"private readonly global::System.Action<int> {job.Field};");
        if (KernelPlan.PredictsAcrossCores(plan))
        {
            w.Line($"private readonly {AlignedFloats} _predictRows = new(InputSize + 2 * {PredictRows.Width(plan)}); // Predict across cores: the input, then two row slots");
            w.Line("private int _predictBusy; // 1 while a Predict call uses _predictRows");
        }
        w.Line();
        EmitInferenceWeightsField(w, plan);
    }

    private static void EmitConstructors(SourceWriter w, NetworkPlan plan)
    {
        var spec = plan.Spec;
        string name = spec.ClassName;
        string defaultSeed = spec.Seed != 0 ? Literal.Int(spec.Seed) : "global::System.Random.Shared.Next()";
        w.Line(spec.Seed != 0
            ? $"/// <summary>Creates the network with the declared seed ({spec.Seed}) and <see cref=\"DefaultMaxBatchSize\"/>.</summary>"
            : "/// <summary>Creates the network with a random seed and <see cref=\"DefaultMaxBatchSize\"/>.</summary>");
        w.Line($"public {name}() : this({defaultSeed}, DefaultMaxBatchSize) {{ }}");
        w.Line();
        w.Line("/// <summary>Creates the network; the same seed gives the same initial weights (and dropout masks).</summary>");
        w.Line($"public {name}(int seed) : this(seed, DefaultMaxBatchSize) {{ }}");
        w.Line();
        w.Line("/// <summary>Creates the network with training buffers for batches of up to <paramref name=\"maxBatchSize\"/> samples.</summary>");
        using (w.Block($"public {name}(int seed, int maxBatchSize)"))
        {
            w.Line("if (maxBatchSize <= 0)");
            w.Line("    throw new global::System.ArgumentOutOfRangeException(nameof(maxBatchSize), maxBatchSize, \"The maximum batch size must be positive.\");");
            w.Line("MaxBatchSize = maxBatchSize;");
            if (plan.Graph is { SplitsInputs: true } graph)
            {
                for (int k = 0; k < graph.Inputs.Count; k++) w.Line($"{graph.InputBuffer(k)} = new(maxBatchSize * {graph.InputSizeConstant(k)});");
            }
            else w.Line("_input = new(maxBatchSize * InputSize);");
            foreach (var layer in plan.Layers)
                foreach (var (field, size, _) in layer.Kind.Scratch(plan, layer))
                    w.Line($"{field} = new({size});");
            var deltaBuffers = plan.Graph?.DeltaBuffers ?? new[] { "_deltaA", "_deltaB" };
            if (plan.TrainsPerLayer)
                foreach (var buffer in deltaBuffers) w.Line($"{buffer} = new(maxBatchSize * Widest);");
            foreach (var job in Jobs(plan)) w.Line($"{job.Field} = {job.Delegate};");
            w.Line("Threads = global::System.Environment.ProcessorCount;");
            if (plan.DrawsMasks && plan.Trainable) w.Line($"_dropoutRandom = new {RuntimeNames.SeededRandom}(~(long)seed);");
            w.Line("InitializeParameters(seed);");
        }
        w.Line();
    }

    private static void EmitProperties(SourceWriter w, NetworkPlan plan)
    {
        w.Line("/// <inheritdoc/>");
        w.Line("public int MaxBatchSize { get; }");
        w.Lines($$"""
            /// <summary>
            /// Threads that share each matrix product of a training step or batch prediction (default: all cores). Every output
            /// element is computed by one thread in a fixed order, so results are bitwise identical for any value.
            /// </summary>
            public int Threads
            {
                get => _threads;
                set
                {
                    if (value < 1) throw new global::System.ArgumentOutOfRangeException(nameof(value), value, "Threads must be at least 1.");
                    _threads = value;
                    _pool = value > 1 ? {{RuntimeNames.WorkerPool}}.Shared(value) : null;
                }
            }
            """);
        w.Line($"int {Runtime}.INetwork.InputSize => InputSize;");
        w.Line($"int {Runtime}.INetwork.OutputSize => OutputSize;");
        w.Line($"int {Runtime}.INetwork.ParameterCount => ParameterCount;");
        w.Line("/// <inheritdoc/>");
        w.Line($"public {Runtime}.LossFunction Loss => {Runtime}.LossFunction.{plan.Spec.Loss};");
        EmitParametersProperty(w, plan);
        w.Line("/// <inheritdoc/>");
        w.Line("public global::System.Span<float> Gradients => _gradients;");
        w.Line("/// <inheritdoc/>");
        w.Line("public global::System.Span<float> Buffers => _buffers;");
        w.Line("/// <inheritdoc/>");
        w.Line("public global::System.Span<float> OptimizerState => _optimizerState;");
        w.Line("/// <inheritdoc/>");
        w.Line($"public global::System.Collections.Generic.IReadOnlyList<{Runtime}.TensorInfo> Tensors => TensorLayout;");
        w.Line("/// <inheritdoc/>");
        w.Line("public string Architecture => ArchitectureText;");
        w.Line("/// <inheritdoc/>");
        w.Line($"public {Runtime}.NetworkSummary Summary => SummaryTable;");
        w.Line("/// <inheritdoc/>");
        w.Line("public float LearningRate { get => _learningRate; set => _learningRate = value; }");
        w.Line("/// <inheritdoc/>");
        w.Line("public long OptimizerStep { get => _optimizerStep; set => _optimizerStep = value; }");
        w.Line("/// <inheritdoc/>");
        w.Line(plan.Trainable
            ? $"public global::System.ReadOnlySpan<float> TrainingOutputs => {BufferSpan($"_{plan.Last.Field}Output", "_trainingRows * OutputSize")};"
            : "public global::System.ReadOnlySpan<float> TrainingOutputs => default; // an inference-only network never trains");
        w.Line();
    }

    // ------------------------------------------------------------------ optimizer, initialisation, validation

    private static void EmitTrainingApi(SourceWriter w, NetworkPlan plan)
    {
        if (!plan.Trainable)
        {
            w.Line("/// <summary>Not available: the network is declared InferenceOnly.</summary>");
            w.Line("public void ApplyGradients() => throw InferenceOnly();");
            w.Line();
            w.Line("/// <summary>Not available: the network is declared InferenceOnly.</summary>");
            w.Line("public float TrainBatch(global::System.ReadOnlySpan<float> inputs, global::System.ReadOnlySpan<float> targets, int batchSize) => throw InferenceOnly();");
            w.Line();
            return;
        }
        w.Line("/// <inheritdoc/>");
        using (w.Block("public void ApplyGradients()"))
        {
            OptimizerEmitter.EmitStep(w, plan);
            if (InferenceWeightsChanged(plan) is { } changed) w.Line(changed);
        }
        w.Line();
        OptimizerEmitter.EmitStepRange(w, plan);
        w.Line("/// <inheritdoc/>");
        using (w.Block("public float TrainBatch(global::System.ReadOnlySpan<float> inputs, global::System.ReadOnlySpan<float> targets, int batchSize)"))
        {
            if (KernelPlan.StepsSgdInSampleLanes(plan))
                SampleLaneEmitter.EmitTrainAndStepCall(w, plan, InferenceWeightsChanged(plan));
            else
            {
                w.Line("float loss = ComputeGradients(inputs, targets, batchSize);");
                w.Line("ApplyGradients();");
                w.Line("return loss;");
            }
        }
        w.Line();
    }

    private static void EmitInitialization(SourceWriter w, NetworkPlan plan)
    {
        w.Line("/// <summary>He-uniform weights for ReLU-family layers and Glorot-uniform otherwise (unless declared), zero biases, unit gammas.</summary>");
        using (w.Block("private void InitializeParameters(int seed)"))
        {
            w.Line($"var random = new {RuntimeNames.SeededRandom}(seed);");
            foreach (var layer in plan.Layers) layer.Kind.EmitInitialization(w, layer);
        }
        w.Line();
    }

    private static void EmitValidation(SourceWriter w)
    {
        w.Lines("""
            private void CheckTrainingBatch(int inputLength, int targetLength, int batchSize)
            {
                if (batchSize <= 0 || batchSize > MaxBatchSize)
                    throw new global::System.ArgumentException($"The batch size is {batchSize}, but it must be between 1 and MaxBatchSize ({MaxBatchSize}); construct the network with a larger maxBatchSize to train on larger batches.", nameof(batchSize));
                if (inputLength != batchSize * InputSize) ThrowLength("inputs", batchSize * InputSize, inputLength, $"{batchSize} samples × {InputSize} features");
                if (targetLength != batchSize * OutputSize) ThrowLength("targets", batchSize * OutputSize, targetLength, $"{batchSize} samples × {OutputSize} outputs");
            }

            [global::System.Diagnostics.CodeAnalysis.DoesNotReturn]
            private static void ThrowLength(string name, int expected, int actual, string meaning) =>
                throw new global::System.ArgumentException($"The span '{name}' has {actual} value{(actual == 1 ? "" : "s")}; expected {expected} ({meaning}).", name);
            """);
    }
}
