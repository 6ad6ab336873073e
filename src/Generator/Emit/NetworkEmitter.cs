using System.Collections.Generic;
using System.Linq;
using CompiledNets.Generator.Model;

namespace CompiledNets.Generator.Emit;

/// <summary>
/// Writes the generated half of a network class: constants, buffers, constructors and the
/// <c>CompiledNets.INetwork</c> members, plus a file-local class holding its kernels.
/// </summary>
internal static class NetworkEmitter
{
    private const string Runtime = "global::CompiledNets";
    private const string KernelsRuntime = "global::CompiledNets.Kernels";

    /// <summary>Name of the file-local class that holds a network's kernels.</summary>
    private const string KernelClass = "global::CompiledNets.Generated.Kernels";

    public static string Emit(NetworkSpec spec)
    {
        var plan = new NetworkPlan(spec);
        var w = new SourceWriter();
        HeaderEmitter.Emit(w, plan);
        w.Line("#nullable enable");
        w.Line();
        if (spec.Namespace is not null)
        {
            w.Line($"namespace {spec.Namespace}");
            w.Line("{");
            w.Indent();
        }
        foreach (var outer in spec.ContainingTypes)
        {
            w.Line($"partial {outer.Keyword} {outer.Name}");
            w.Line("{");
            w.Indent();
        }

        EmitClass(w, plan);

        foreach (var _ in spec.ContainingTypes)
        {
            w.Outdent();
            w.Line("}");
        }
        if (spec.Namespace is not null)
        {
            w.Outdent();
            w.Line("}");
        }
        w.Line();
        EmitKernelClass(w, plan);
        return w.ToString();
    }

    private static void EmitClass(SourceWriter w, NetworkPlan plan)
    {
        w.Line($"/// <summary>Generated implementation of <see cref=\"{Runtime}.INetwork\"/>: {Xml(plan.Architecture)}.</summary>");
        w.Line($"[global::System.CodeDom.Compiler.GeneratedCode(\"CompiledNets.Generator\", \"{NetworkGenerator.Version}\")]");
        using (w.Block($"partial class {plan.Spec.ClassName} : {Runtime}.INetwork"))
        {
            EmitConstants(w, plan);
            EmitTables(w, plan);
            EmitFields(w, plan);
            EmitConstructors(w, plan);
            EmitProperties(w, plan);
            EmitPredict(w, plan);
            EmitPredictBatch(w, plan);
            EmitComputeGradients(w, plan);
            EmitJobs(w, plan);
            EmitTrainingApi(w, plan);
            EmitInitialization(w, plan);
            EmitValidation(w);
        }
    }

    private static string Xml(string text) => text.Replace("&", "&amp;").Replace("<", "&lt;").Replace(">", "&gt;");

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
        foreach (var layer in plan.Layers)
        {
            w.Line($"// Layer {layer.Index + 1}: {layer.Name} = {layer.Describe()}, {layer.Inputs} -> {layer.Units}{LayoutComment(layer)}");
            w.Line($"private const int {layer.Prefix}Units = {layer.Units};");
            switch (layer.Kind)
            {
                case LayerKind.Dense:
                case LayerKind.Maxout:
                    w.Line($"private const int {layer.Prefix}Inputs = {layer.Inputs};");
                    if (layer.Kind == LayerKind.Maxout)
                    {
                        w.Line($"private const int {layer.Prefix}Pieces = {layer.Spec.Pieces};");
                        w.Line($"private const int {layer.Prefix}Linear = {layer.LinearUnits}; // units × pieces");
                    }
                    w.Line($"private const int {layer.Prefix}Weight = {layer.WeightOffset};");
                    w.Line($"private const int {layer.Prefix}Bias = {layer.BiasOffset};");
                    break;
                case LayerKind.BatchNorm:
                case LayerKind.LayerNorm:
                    w.Line($"private const int {layer.Prefix}Gamma = {layer.WeightOffset};");
                    w.Line($"private const int {layer.Prefix}Beta = {layer.WeightOffset + layer.Units};");
                    w.Line($"private const float {layer.Prefix}Epsilon = {Literal.Float(layer.Spec.Epsilon)};");
                    if (layer.Kind == LayerKind.BatchNorm)
                    {
                        w.Line($"private const float {layer.Prefix}Momentum = {Literal.Float(layer.Spec.Momentum)};");
                        w.Line($"private const int {layer.Prefix}RunningMean = {layer.BufferOffset};");
                        w.Line($"private const int {layer.Prefix}RunningVariance = {layer.BufferOffset + layer.Units};");
                    }
                    break;
                case LayerKind.Dropout:
                    w.Line($"private const float {layer.Prefix}Rate = {Literal.Float(layer.Spec.Rate)};");
                    break;
            }
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

    private static string LayoutComment(LayerPlan layer) => layer.Kind switch
    {
        LayerKind.Dense or LayerKind.Maxout => $"; weight [{layer.LinearUnits}, {layer.Inputs}] at {layer.WeightOffset}, bias [{layer.LinearUnits}] at {layer.BiasOffset}",
        LayerKind.BatchNorm => $"; gamma, beta [{layer.Units}] at {layer.WeightOffset}; running mean, variance [{layer.Units}] at buffer {layer.BufferOffset}",
        LayerKind.LayerNorm => $"; gamma, beta [{layer.Units}] at {layer.WeightOffset}",
        _ => "",
    };

    private static void EmitTables(SourceWriter w, NetworkPlan plan)
    {
        w.Line($"private static readonly {Runtime}.TensorInfo[] TensorLayout =");
        w.Line("{");
        w.Indent();
        foreach (var layer in plan.Layers)
        {
            string p = layer.Prefix;
            switch (layer.Kind)
            {
                case LayerKind.Dense:
                case LayerKind.Maxout:
                    string rows = layer.Kind == LayerKind.Maxout ? $"{p}Linear" : $"{p}Units";
                    w.Line($"new(\"{layer.Name}.weight\", new[] {{ {rows}, {p}Inputs }}, {Runtime}.TensorStorage.Parameters, {p}Weight),");
                    w.Line($"new(\"{layer.Name}.bias\", new[] {{ {rows} }}, {Runtime}.TensorStorage.Parameters, {p}Bias),");
                    break;
                case LayerKind.BatchNorm:
                case LayerKind.LayerNorm:
                    w.Line($"new(\"{layer.Name}.gamma\", new[] {{ {p}Units }}, {Runtime}.TensorStorage.Parameters, {p}Gamma),");
                    w.Line($"new(\"{layer.Name}.beta\", new[] {{ {p}Units }}, {Runtime}.TensorStorage.Parameters, {p}Beta),");
                    if (layer.Kind == LayerKind.BatchNorm)
                    {
                        w.Line($"new(\"{layer.Name}.running_mean\", new[] {{ {p}Units }}, {Runtime}.TensorStorage.Buffers, {p}RunningMean),");
                        w.Line($"new(\"{layer.Name}.running_var\", new[] {{ {p}Units }}, {Runtime}.TensorStorage.Buffers, {p}RunningVariance),");
                    }
                    break;
            }
        }
        foreach (var entry in OptimizerEmitter.StateTensors(plan)) w.Line(entry + ",");
        w.Outdent();
        w.Line("};");
        w.Line();

        w.Line($"private static readonly {Runtime}.NetworkSummary SummaryTable = new(");
        w.Indent();
        w.Line($"{Literal.String(plan.Spec.ClassName)}, InputSize,");
        w.Line($"new {Runtime}.LayerSummary[]");
        w.Line("{");
        w.Indent();
        foreach (var layer in plan.Layers)
            w.Line($"new(\"{layer.Name}\", \"{layer.SummaryKind}\", new[] {{ {layer.Prefix}Units }}, {layer.ParameterCount}, {layer.BufferCount}, {Literal.String(layer.SummaryDetail)}),");
        w.Outdent();
        w.Line("},");
        w.Line($"{Literal.String(plan.Spec.Loss.ToString())}, {Literal.String(plan.Trainable ? OptimizerEmitter.Describe(plan.Spec.Optimizer) : "none (inference only)")});");
        w.Outdent();
        w.Line();
    }

    // ------------------------------------------------------------------ fields, constructors, properties

    private static void EmitFields(SourceWriter w, NetworkPlan plan)
    {
        w.Line("private readonly float[] _parameters = new float[ParameterCount];");
        w.Line("private readonly float[] _gradients = new float[ParameterCount];");
        w.Line("private readonly float[] _buffers = new float[BufferCount];");
        w.Line("private readonly float[] _optimizerState = new float[OptimizerStateCount];");
        w.Line();
        w.Line("// Training scratch, allocated once for MaxBatchSize rows.");
        w.Line("private readonly float[] _input; // [MaxBatchSize, InputSize]: the batch, copied so worker threads can read it");
        foreach (var layer in plan.Layers)
        {
            foreach (var (field, size, comment) in Scratch(plan, layer))
                w.Line($"private readonly float[] {field}; // {comment}");
        }
        if (plan.Trainable)
        {
            w.Line("private readonly float[] _deltaA; // [MaxBatchSize, Widest]: loss gradients, ping-ponged between layers");
            w.Line("private readonly float[] _deltaB;");
        }
        if (plan.HasDropout && plan.Trainable) w.Line("private global::CompiledNets.Kernels.SeededRandom _dropoutRandom; // advances with every training batch");
        w.Line("private float _learningRate = InitialLearningRate;");
        w.Line("private long _optimizerStep;");
        w.Line("private int _trainingRows;");
        w.Line();
        w.Line("// Parallel products: each job computes one part of one product; delegates are created once.");
        w.Line("private global::CompiledNets.Kernels.WorkerPool? _pool;");
        w.Line("private int _threads = 1;");
        w.Line("private int _rows; // samples in the batch being processed");
        w.Line("private int _parts = 1; // parts the current product is split into");
        foreach (var job in Jobs(plan)) w.Line($"private readonly global::System.Action<int> {job.Field};");
        w.Line();
    }

    /// <summary>The per-layer buffers: field name, length expression (in terms of maxBatchSize), comment.</summary>
    private static IEnumerable<(string Field, string Size, string Comment)> Scratch(NetworkPlan plan, LayerPlan layer)
    {
        string p = layer.Prefix, n = layer.Field;
        if (!plan.Trainable)
        {
            // Batch inference needs the outputs (and Maxout's piece values) only.
            if (layer.Kind == LayerKind.Maxout) yield return ($"_{n}Pieces", $"maxBatchSize * {p}Linear", $"[MaxBatchSize, {layer.LinearUnits}] piece values before the max");
            yield return ($"_{n}Output", $"maxBatchSize * {p}Units", $"[MaxBatchSize, {layer.Units}] output");
            yield break;
        }
        switch (layer.Kind)
        {
            case LayerKind.Dense:
                if (layer.StoresPreActivation) yield return ($"_{n}PreActivation", $"maxBatchSize * {p}Units", $"[MaxBatchSize, {layer.Units}] before {layer.Activation}");
                break;
            case LayerKind.Maxout:
                yield return ($"_{n}Pieces", $"maxBatchSize * {p}Linear", $"[MaxBatchSize, {layer.LinearUnits}] piece values before the max");
                break;
            case LayerKind.Dropout:
                yield return ($"_{n}Mask", $"maxBatchSize * {p}Units", $"[MaxBatchSize, {layer.Units}] 0 or 1 / (1 - rate)");
                break;
            case LayerKind.BatchNorm:
                yield return ($"_{n}Normalized", $"maxBatchSize * {p}Units", $"[MaxBatchSize, {layer.Units}] normalised inputs");
                yield return ($"_{n}InverseStd", $"{p}Units", $"[{layer.Units}] 1 / sqrt(batch variance + eps) per feature");
                break;
            case LayerKind.LayerNorm:
                yield return ($"_{n}Normalized", $"maxBatchSize * {p}Units", $"[MaxBatchSize, {layer.Units}] normalised inputs");
                yield return ($"_{n}InverseStd", "maxBatchSize", "[MaxBatchSize] 1 / sqrt(variance + eps) per sample");
                break;
        }
        yield return ($"_{n}Output", $"maxBatchSize * {p}Units", $"[MaxBatchSize, {layer.Units}] output");
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
            w.Line("_input = new float[maxBatchSize * InputSize];");
            foreach (var layer in plan.Layers)
                foreach (var (field, size, _) in Scratch(plan, layer))
                    w.Line($"{field} = new float[{size}];");
            if (plan.Trainable)
            {
                w.Line("_deltaA = new float[maxBatchSize * Widest];");
                w.Line("_deltaB = new float[maxBatchSize * Widest];");
            }
            foreach (var job in Jobs(plan)) w.Line($"{job.Field} = {job.Method};");
            w.Line("Threads = global::System.Environment.ProcessorCount;");
            if (plan.HasDropout && plan.Trainable) w.Line($"_dropoutRandom = new {KernelsRuntime}.SeededRandom(~(long)seed);");
            w.Line("InitializeParameters(seed);");
        }
        w.Line();
    }

    private static void EmitProperties(SourceWriter w, NetworkPlan plan)
    {
        w.Line("/// <inheritdoc/>");
        w.Line("public int MaxBatchSize { get; }");
        w.Lines("""
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
                    _pool = value > 1 ? global::CompiledNets.Kernels.WorkerPool.Shared(value) : null;
                }
            }
            """);
        w.Line("int global::CompiledNets.INetwork.InputSize => InputSize;");
        w.Line("int global::CompiledNets.INetwork.OutputSize => OutputSize;");
        w.Line("int global::CompiledNets.INetwork.ParameterCount => ParameterCount;");
        w.Line("/// <inheritdoc/>");
        w.Line($"public {Runtime}.LossFunction Loss => {Runtime}.LossFunction.{plan.Spec.Loss};");
        w.Line("/// <inheritdoc/>");
        w.Line("public global::System.Span<float> Parameters => _parameters;");
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
        w.Line($"public global::System.ReadOnlySpan<float> TrainingOutputs => global::System.MemoryExtensions.AsSpan(_{plan.Last.Field}Output, 0, _trainingRows * OutputSize);");
        w.Line();
    }

    // ------------------------------------------------------------------ inference

    private static string Ref(string span) => $"global::System.Runtime.InteropServices.MemoryMarshal.GetReference({span})";

    private static string ArraySpan(string array, string length) => $"global::System.MemoryExtensions.AsSpan({array}, 0, {length})";

    private static string Rows(LayerPlan layer, string units = "Units") => $"rows * {layer.Prefix}{units}";

    private static void EmitPredict(SourceWriter w, NetworkPlan plan)
    {
        w.Line("/// <inheritdoc/>");
        using (w.Block("public void Predict(global::System.ReadOnlySpan<float> input, global::System.Span<float> output)"))
        {
            w.Line("if (input.Length != InputSize) ThrowLength(nameof(input), InputSize, input.Length, \"one sample of InputSize features\");");
            w.Line("if (output.Length != OutputSize) ThrowLength(nameof(output), OutputSize, output.Length, \"OutputSize values\");");
            w.Line("// Thread-safe: intermediate rows live on this call's stack; each weight row is streamed once.");
            w.Line("const int rows = 1;");
            if (plan.Layers.Count > 1)
            {
                w.Line("global::System.Span<float> rowA = stackalloc float[WidestHidden];");
                w.Line("global::System.Span<float> rowB = stackalloc float[WidestHidden];");
            }
            if (plan.WidestLinear > 0 && plan.Layers.Any(l => l.Kind == LayerKind.Maxout))
                w.Line($"global::System.Span<float> pieces = stackalloc float[{plan.WidestLinear}];");
            string input = "input";
            int pingPong = 0;
            foreach (var layer in plan.Layers)
            {
                if (layer.Kind == LayerKind.Dropout)
                {
                    w.Line($"// {layer.Name}: identity at inference");
                    if (layer.IsLast) w.Line($"{input}.CopyTo(output);");
                    continue;
                }
                string destination = layer.IsLast ? "output" : $"{(pingPong++ % 2 == 0 ? "rowA" : "rowB")}.Slice(0, {layer.Prefix}Units)";
                EmitInferenceLayer(w, layer, input, destination, "pieces");
                input = destination;
            }
        }
        w.Line();
    }

    /// <summary>One layer in inference mode from span <paramref name="input"/> to span <paramref name="output"/> (<c>rows</c> samples).</summary>
    private static void EmitInferenceLayer(SourceWriter w, LayerPlan layer, string input, string output, string piecesScratch)
    {
        string p = layer.Prefix;
        w.Line($"// {layer.Name}: {layer.Describe()}");
        switch (layer.Kind)
        {
            case LayerKind.Dense:
            {
                var fused = KernelPlan.InferenceForward(layer);
                w.Line($"{KernelClass}.{DenseKernelEmitter.ForwardName(layer.Inputs, layer.Units, fused, layer.Spec.Alpha)}(ref {Ref(input)}, ref _parameters[{p}Weight], ref _parameters[{p}Bias], ref {Ref(output)}, rows, 0, {p}Units);");
                if (fused != layer.Activation) w.Line(ActivationCalls.Forward(layer, output)!);
                break;
            }
            case LayerKind.Maxout:
                w.Line($"{KernelClass}.{DenseKernelEmitter.ForwardName(layer.Inputs, layer.LinearUnits, ActivationKind.Linear)}(ref {Ref(input)}, ref _parameters[{p}Weight], ref _parameters[{p}Bias], ref {Ref(piecesScratch)}, rows, 0, {p}Linear);");
                w.Line($"{KernelsRuntime}.LayerKernels.MaxoutForward({piecesScratch}, {output}, rows, {p}Units, {p}Pieces);");
                break;
            case LayerKind.Activation:
                w.Line($"{input}.CopyTo({output});");
                var call = ActivationCalls.Forward(layer, output);
                if (call is not null) w.Line(call);
                break;
            case LayerKind.BatchNorm:
                w.Line($"{KernelsRuntime}.NormalizationKernels.BatchNormInference({input}, {output}, {Param(p, "Gamma", "Units")}, {Param(p, "Beta", "Units")},");
                w.Line($"    {Buffer(p, "RunningMean")}, {Buffer(p, "RunningVariance")}, rows, {p}Units, {p}Epsilon);");
                break;
            case LayerKind.LayerNorm:
                w.Line($"{KernelsRuntime}.NormalizationKernels.LayerNormForward({input}, {output}, default, default, {Param(p, "Gamma", "Units")}, {Param(p, "Beta", "Units")}, rows, {p}Units, {p}Epsilon);");
                break;
        }
    }

    private static string Param(string prefix, string offset, string length) =>
        $"global::System.MemoryExtensions.AsSpan(_parameters, {prefix}{offset}, {prefix}{length})";

    private static string Gradient(string prefix, string offset, string length) =>
        $"global::System.MemoryExtensions.AsSpan(_gradients, {prefix}{offset}, {prefix}{length})";

    private static string Buffer(string prefix, string offset) =>
        $"global::System.MemoryExtensions.AsSpan(_buffers, {prefix}{offset}, {prefix}Units)";

    private static void EmitPredictBatch(SourceWriter w, NetworkPlan plan)
    {
        w.Line("/// <inheritdoc/>");
        using (w.Block("public void PredictBatch(global::System.ReadOnlySpan<float> inputs, global::System.Span<float> outputs, int batchSize)"))
        {
            w.Line("if (batchSize < 0) throw new global::System.ArgumentOutOfRangeException(nameof(batchSize), batchSize, \"The batch size must not be negative.\");");
            w.Line("if (inputs.Length != batchSize * InputSize) ThrowLength(nameof(inputs), batchSize * InputSize, inputs.Length, $\"{batchSize} samples × {InputSize} features\");");
            w.Line("if (outputs.Length != batchSize * OutputSize) ThrowLength(nameof(outputs), batchSize * OutputSize, outputs.Length, $\"{batchSize} samples × {OutputSize} outputs\");");
            using (w.Block("for (int start = 0; start < batchSize; start += MaxBatchSize)"))
            {
                w.Line("int rows = global::System.Math.Min(MaxBatchSize, batchSize - start);");
                w.Line("_rows = rows;");
                w.Line("inputs.Slice(start * InputSize, rows * InputSize).CopyTo(_input);");
                string current = ArraySpan("_input", "rows * InputSize");
                foreach (var layer in plan.Layers)
                {
                    if (layer.Kind == LayerKind.Dropout)
                    {
                        w.Line($"// {layer.Name}: identity at inference");
                        continue;
                    }
                    string output = ArraySpan($"_{layer.Field}Output", Rows(layer));
                    if (layer.IsDenseLike)
                    {
                        w.Line($"// {layer.Name}: {layer.Describe()}");
                        w.Line($"RunProduct(_{layer.Field}ForwardInference, {Flops(layer)} * rows);");
                        if (layer.Kind == LayerKind.Dense && KernelPlan.InferenceForward(layer) != layer.Activation)
                            w.Line(ActivationCalls.Forward(layer, output)!);
                        if (layer.Kind == LayerKind.Maxout)
                            w.Line($"{KernelsRuntime}.LayerKernels.MaxoutForward({ArraySpan($"_{layer.Field}Pieces", Rows(layer, "Linear"))}, {output}, rows, {layer.Prefix}Units, {layer.Prefix}Pieces);");
                    }
                    else
                    {
                        EmitInferenceLayer(w, layer, current, output, "");
                    }
                    current = output;
                }
                w.Line($"{current}.CopyTo(outputs.Slice(start * OutputSize));");
            }
            w.Line("_trainingRows = 0; // the shared buffers no longer hold training outputs");
        }
        w.Line();
    }

    private static string Flops(LayerPlan layer) => $"{2L * layer.Inputs * layer.LinearUnits}L";

    // ------------------------------------------------------------------ training

    private static void EmitComputeGradients(SourceWriter w, NetworkPlan plan)
    {
        var last = plan.Last;
        if (!plan.Trainable)
        {
            w.Line("/// <summary>Not available: the network is declared InferenceOnly.</summary>");
            w.Line("public float ComputeGradients(global::System.ReadOnlySpan<float> inputs, global::System.ReadOnlySpan<float> targets, int batchSize) => throw InferenceOnly();");
            w.Line();
            w.Line($"private static global::System.InvalidOperationException InferenceOnly() => new({Literal.String($"'{plan.Spec.ClassName}' is declared [Network(InferenceOnly = true)]: it predicts but cannot train. Declare a loss and an optimizer and remove InferenceOnly to train it.")});");
            w.Line();
            return;
        }
        w.Line("/// <inheritdoc/>");
        using (w.Block("public float ComputeGradients(global::System.ReadOnlySpan<float> inputs, global::System.ReadOnlySpan<float> targets, int batchSize)"))
        {
            w.Line("CheckTrainingBatch(inputs.Length, targets.Length, batchSize);");
            w.Line("int rows = batchSize;");
            w.Line("_rows = rows;");
            w.Line("inputs.CopyTo(_input);");
            w.Line();
            w.Line("// Forward pass, training mode: keep what the backward pass needs.");
            foreach (var layer in plan.Layers) EmitTrainingForward(w, plan, layer);
            w.Line("_trainingRows = rows;");
            w.Line();
            var outputActivation = plan.OutputActivation;
            bool fused = (plan.Spec.Loss == LossKind.CrossEntropy && outputActivation == ActivationKind.Softmax)
                || (plan.Spec.Loss == LossKind.BinaryCrossEntropy && outputActivation == ActivationKind.Sigmoid);
            w.Line(fused
                ? $"// Loss: {plan.Spec.Loss} fused with {outputActivation}, from the logits; d loss / d logits = (output - target) / n."
                : $"// Loss: {plan.Spec.Loss}, then the {outputActivation} derivative.");
            float alpha = last.Kind is LayerKind.Dense or LayerKind.Activation ? last.Spec.Alpha : 0f;
            w.Line($"float loss = {KernelsRuntime}.LossKernels.LossAndGradient({Runtime}.LossFunction.{plan.Spec.Loss}, {Runtime}.Activation.{outputActivation}, {Literal.Float(alpha)},");
            w.Line($"    {ArraySpan($"_{last.Field}Output", "rows * OutputSize")}, {ArraySpan(plan.LossPreActivation, "rows * OutputSize")}, targets, _deltaA, rows, OutputSize);");
            w.Line();
            w.Line("// Backward pass, last layer first; comments name the buffer holding d loss / d (layer output).");
            for (int i = plan.Layers.Count - 1; i >= System.Math.Max(plan.FirstTrainable, 0); i--)
                EmitBackward(w, plan, plan.Layers[i]);
            var decayed = plan.Layers.Where(l => l.L2 > 0).ToList();
            if (decayed.Count > 0)
            {
                w.Line();
                w.Line("// L2 weight decay on the weights: λ/2 Σ w² added to the loss, λ w to the gradient.");
                foreach (var layer in decayed)
                {
                    string length = layer.Kind == LayerKind.Maxout ? $"{layer.Prefix}Linear * {layer.Prefix}Inputs" : $"{layer.Prefix}Units * {layer.Prefix}Inputs";
                    w.Line($"loss += {KernelsRuntime}.LayerKernels.L2Penalty(global::System.MemoryExtensions.AsSpan(_parameters, {layer.Prefix}Weight, {length}), global::System.MemoryExtensions.AsSpan(_gradients, {layer.Prefix}Weight, {length}), {Literal.Float(layer.L2)});");
                }
            }
            w.Line("return loss;");
        }
        w.Line();
    }

    private static void EmitTrainingForward(SourceWriter w, NetworkPlan plan, LayerPlan layer)
    {
        string p = layer.Prefix;
        string input = ArraySpan(plan.TrainingInput(layer.Index), layer.Index == 0 ? "rows * InputSize" : Rows(plan.Layers[layer.Index - 1]));
        string output = ArraySpan($"_{layer.Field}Output", Rows(layer));
        w.Line($"// {layer.Name}: {layer.Describe()}");
        switch (layer.Kind)
        {
            case LayerKind.Dense:
                w.Line($"RunProduct(_{layer.Field}ForwardTraining, {Flops(layer)} * rows);");
                if (layer.StoresPreActivation)
                {
                    w.Line($"{ArraySpan($"_{layer.Field}PreActivation", Rows(layer))}.CopyTo(_{layer.Field}Output);");
                    var activation = ActivationCalls.Forward(layer, output);
                    if (activation is not null) w.Line(activation);
                }
                break;
            case LayerKind.Maxout:
                w.Line($"RunProduct(_{layer.Field}ForwardTraining, {Flops(layer)} * rows);");
                w.Line($"{KernelsRuntime}.LayerKernels.MaxoutForward({ArraySpan($"_{layer.Field}Pieces", Rows(layer, "Linear"))}, {output}, rows, {p}Units, {p}Pieces);");
                break;
            case LayerKind.Dropout:
                w.Line($"{KernelsRuntime}.LayerKernels.DropoutTraining({input}, {output}, {ArraySpan($"_{layer.Field}Mask", Rows(layer))}, {p}Rate, ref _dropoutRandom);");
                break;
            case LayerKind.Activation:
            {
                w.Line($"{input}.CopyTo(_{layer.Field}Output);");
                var activation = ActivationCalls.Forward(layer, output);
                if (activation is not null) w.Line(activation);
                break;
            }
            case LayerKind.BatchNorm:
                w.Line($"{KernelsRuntime}.NormalizationKernels.BatchNormTraining({input}, {output}, {ArraySpan($"_{layer.Field}Normalized", Rows(layer))}, _{layer.Field}InverseStd,");
                w.Line($"    {Param(p, "Gamma", "Units")}, {Param(p, "Beta", "Units")}, {Buffer(p, "RunningMean")}, {Buffer(p, "RunningVariance")}, rows, {p}Units, {p}Momentum, {p}Epsilon);");
                break;
            case LayerKind.LayerNorm:
                w.Line($"{KernelsRuntime}.NormalizationKernels.LayerNormForward({input}, {output}, {ArraySpan($"_{layer.Field}Normalized", Rows(layer))}, _{layer.Field}InverseStd,");
                w.Line($"    {Param(p, "Gamma", "Units")}, {Param(p, "Beta", "Units")}, rows, {p}Units, {p}Epsilon);");
                break;
        }
    }

    private static void EmitBackward(SourceWriter w, NetworkPlan plan, LayerPlan layer)
    {
        string p = layer.Prefix;
        string delta = ArraySpan(layer.Delta, Rows(layer));
        bool computesInputGradient = layer.Index > plan.FirstTrainable;
        w.Line($"// {layer.Name} ({layer.Delta})");
        switch (layer.Kind)
        {
            case LayerKind.Dense:
                if (!layer.IsLast && !KernelPlan.DerivativeFusedByNext(plan, layer.Index))
                {
                    var backward = ActivationCalls.Backward(layer, ArraySpan($"_{layer.Field}Output", Rows(layer)),
                        layer.StoresPreActivation ? ArraySpan($"_{layer.Field}PreActivation", Rows(layer)) : "default", delta);
                    if (backward is not null) w.Line(backward);
                }
                w.Line($"RunProduct(_{layer.Field}WeightGradient, {Flops(layer)} * rows);");
                if (computesInputGradient) w.Line($"RunProduct(_{layer.Field}InputGradient, {Flops(layer)} * rows);");
                break;
            case LayerKind.Maxout:
                w.Line($"{KernelsRuntime}.LayerKernels.MaxoutBackward({ArraySpan($"_{layer.Field}Pieces", Rows(layer, "Linear"))}, {ArraySpan($"_{layer.Field}Output", Rows(layer))}, {delta}, {ArraySpan(layer.OtherDelta, Rows(layer, "Linear"))}, rows, {p}Units, {p}Pieces);");
                w.Line($"RunProduct(_{layer.Field}WeightGradient, {Flops(layer)} * rows);");
                if (computesInputGradient) w.Line($"RunProduct(_{layer.Field}InputGradient, {Flops(layer)} * rows);");
                break;
            case LayerKind.Dropout:
                w.Line($"{KernelsRuntime}.LayerKernels.DropoutBackward({delta}, {ArraySpan($"_{layer.Field}Mask", Rows(layer))});");
                break;
            case LayerKind.Activation:
                if (layer.IsLast)
                {
                    w.Line("// The loss gradient is already with respect to this activation's input.");
                }
                else
                {
                    var backward = ActivationCalls.Backward(layer, ArraySpan($"_{layer.Field}Output", Rows(layer)),
                        ArraySpan(plan.TrainingInput(layer.Index), Rows(layer)), delta);
                    if (backward is not null) w.Line(backward);
                }
                break;
            case LayerKind.BatchNorm:
                w.Line($"{KernelsRuntime}.NormalizationKernels.BatchNormBackward({delta}, {ArraySpan($"_{layer.Field}Normalized", Rows(layer))}, _{layer.Field}InverseStd, {Param(p, "Gamma", "Units")},");
                w.Line($"    {Gradient(p, "Gamma", "Units")}, {Gradient(p, "Beta", "Units")}, rows, {p}Units);");
                break;
            case LayerKind.LayerNorm:
                w.Line($"{KernelsRuntime}.NormalizationKernels.LayerNormBackward({delta}, {ArraySpan($"_{layer.Field}Normalized", Rows(layer))}, _{layer.Field}InverseStd, {Param(p, "Gamma", "Units")},");
                w.Line($"    {Gradient(p, "Gamma", "Units")}, {Gradient(p, "Beta", "Units")}, rows, {p}Units);");
                break;
        }
    }

    // ------------------------------------------------------------------ parallel jobs (Dense and Maxout products)

    private sealed record Job(string Field, string Method);

    private static IEnumerable<Job> Jobs(NetworkPlan plan)
    {
        foreach (var layer in plan.Layers.Where(l => l.IsDenseLike))
        {
            yield return new Job($"_{layer.Field}ForwardInference", $"{layer.Prefix}ForwardInference");
            if (!plan.Trainable) continue;
            yield return new Job($"_{layer.Field}ForwardTraining", $"{layer.Prefix}ForwardTraining");
            yield return new Job($"_{layer.Field}WeightGradient", $"{layer.Prefix}WeightGradient");
            if (layer.Index > plan.FirstTrainable) yield return new Job($"_{layer.Field}InputGradient", $"{layer.Prefix}InputGradient");
        }
    }

    private static void EmitJobs(SourceWriter w, NetworkPlan plan)
    {
        if (!plan.Layers.Any(l => l.IsDenseLike)) return;
        w.Lines("""
            /// <summary>Runs one product on this thread, or split across the pool when it is large enough to pay for waking it.</summary>
            private void RunProduct(global::System.Action<int> job, long flops)
            {
                if (_pool is null || flops < ParallelThreshold)
                {
                    _parts = 1;
                    job(0);
                }
                else
                {
                    _parts = _pool.Threads;
                    _pool.Run(job);
                }
            }

            private (int First, int Last) Part(int count, int granularity, int part) =>
                global::CompiledNets.Kernels.WorkerPool.Partition(count, granularity, part, _parts);
            """);
        w.Line();
        foreach (var layer in plan.Layers.Where(l => l.IsDenseLike))
        {
            string p = layer.Prefix;
            string linear = layer.Kind == LayerKind.Maxout ? $"{p}Linear" : $"{p}Units";
            string input = $"{plan.TrainingInput(layer.Index)}[0]";
            string trainingTarget = layer.Kind == LayerKind.Maxout ? $"_{layer.Field}Pieces[0]"
                : layer.StoresPreActivation ? $"_{layer.Field}PreActivation[0]" : $"_{layer.Field}Output[0]";
            string inferenceTarget = layer.Kind == LayerKind.Maxout ? $"_{layer.Field}Pieces[0]" : $"_{layer.Field}Output[0]";
            var trainingActivation = layer.Kind == LayerKind.Maxout ? ActivationKind.Linear : KernelPlan.TrainingForward(layer);
            var inferenceActivation = layer.Kind == LayerKind.Maxout ? ActivationKind.Linear : KernelPlan.InferenceForward(layer);
            // The Maxout product works on the piece gradients, which its backward step wrote to the other buffer.
            string productDelta = layer.Kind == LayerKind.Maxout ? layer.OtherDelta : layer.Delta;
            string inferenceInput = InferenceInput(plan, layer.Index);
            w.Line($"// {layer.Name}: forward split over outputs (multiples of {DenseKernelEmitter.OutputGranularity}), backward over input columns (multiples of {DenseKernelEmitter.ColumnGranularity}).");
            using (w.Block($"private void {p}ForwardInference(int part)"))
            {
                w.Line($"var (first, last) = Part({linear}, {DenseKernelEmitter.OutputGranularity}, part);");
                w.Line($"{KernelClass}.{DenseKernelEmitter.ForwardName(layer.Inputs, layer.LinearUnits, inferenceActivation, layer.Spec.Alpha)}(ref {inferenceInput}[0], ref _parameters[{p}Weight], ref _parameters[{p}Bias], ref {inferenceTarget}, _rows, first, last);");
            }
            if (plan.Trainable)
            {
                using (w.Block($"private void {p}ForwardTraining(int part)"))
                {
                    w.Line($"var (first, last) = Part({linear}, {DenseKernelEmitter.OutputGranularity}, part);");
                    w.Line($"{KernelClass}.{DenseKernelEmitter.ForwardName(layer.Inputs, layer.LinearUnits, trainingActivation, layer.Spec.Alpha)}(ref {input}, ref _parameters[{p}Weight], ref _parameters[{p}Bias], ref {trainingTarget}, _rows, first, last);");
                }
                using (w.Block($"private void {p}WeightGradient(int part)"))
                {
                    w.Line($"var (first, last) = Part({p}Inputs, {DenseKernelEmitter.ColumnGranularity}, part);");
                    w.Line($"{KernelClass}.{DenseKernelEmitter.WeightGradientName(layer.Inputs, layer.LinearUnits)}(ref {productDelta}[0], ref {input}, ref _gradients[{p}Weight], ref _gradients[{p}Bias], _rows, first, last);");
                }
                if (layer.Index > plan.FirstTrainable)
                {
                    var previous = plan.Layers[layer.Index - 1];
                    var derivative = KernelPlan.DerivativeFusedByNext(plan, previous.Index) ? KernelPlan.FusedDerivative(previous) : ActivationKind.Linear;
                    string destination = layer.Kind == LayerKind.Maxout ? layer.Delta : layer.OtherDelta;
                    using (w.Block($"private void {p}InputGradient(int part)"))
                    {
                        w.Line($"var (first, last) = Part({p}Inputs, {DenseKernelEmitter.ColumnGranularity}, part);");
                        w.Line($"{KernelClass}.{DenseKernelEmitter.InputGradientName(layer.Inputs, layer.LinearUnits, derivative, previous.Spec.Alpha)}(ref {productDelta}[0], ref _parameters[{p}Weight], ref {destination}[0], ref {plan.TrainingInput(layer.Index)}[0], _rows, first, last);");
                    }
                }
            }
            w.Line();
        }
    }

    /// <summary>The array holding layer <paramref name="index"/>'s input during batch inference (dropout is skipped there).</summary>
    private static string InferenceInput(NetworkPlan plan, int index)
    {
        int source = index - 1;
        while (source >= 0 && plan.Layers[source].Kind == LayerKind.Dropout) source--;
        return source < 0 ? "_input" : $"_{plan.Layers[source].Field}Output";
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
            OptimizerEmitter.EmitStep(w, plan);
        w.Line();
        w.Line("/// <inheritdoc/>");
        using (w.Block("public float TrainBatch(global::System.ReadOnlySpan<float> inputs, global::System.ReadOnlySpan<float> targets, int batchSize)"))
        {
            w.Line("float loss = ComputeGradients(inputs, targets, batchSize);");
            w.Line("ApplyGradients();");
            w.Line("return loss;");
        }
        w.Line();
    }

    private static void EmitInitialization(SourceWriter w, NetworkPlan plan)
    {
        w.Line("/// <summary>He-uniform weights for ReLU-family layers and Glorot-uniform otherwise (unless declared), zero biases, unit gammas.</summary>");
        using (w.Block("private void InitializeParameters(int seed)"))
        {
            w.Line($"var random = new {KernelsRuntime}.SeededRandom(seed);");
            foreach (var layer in plan.Layers)
            {
                string p = layer.Prefix;
                switch (layer.Kind)
                {
                    case LayerKind.Dense:
                    case LayerKind.Maxout:
                        string rows = layer.Kind == LayerKind.Maxout ? $"{p}Linear" : $"{p}Units";
                        w.Line($"{KernelsRuntime}.Initializers.Fill({Runtime}.Init.{layer.ResolvedWeightInit}, global::System.MemoryExtensions.AsSpan(_parameters, {p}Weight, {rows} * {p}Inputs), {p}Inputs, {rows}, ref random);");
                        w.Line($"{KernelsRuntime}.Initializers.Fill({Runtime}.Init.{layer.ResolvedBiasInit}, global::System.MemoryExtensions.AsSpan(_parameters, {p}Bias, {rows}), {p}Inputs, {rows}, ref random);");
                        break;
                    case LayerKind.BatchNorm:
                    case LayerKind.LayerNorm:
                        w.Line($"{Param(p, "Gamma", "Units")}.Fill(1f);");
                        if (layer.Kind == LayerKind.BatchNorm) w.Line($"{Buffer(p, "RunningVariance")}.Fill(1f);");
                        break;
                }
            }
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
                throw new global::System.ArgumentException($"The span '{name}' has {actual} values; expected {expected} ({meaning}).", name);
            """);
    }

    private static void EmitKernelClass(SourceWriter w, NetworkPlan plan)
    {
        w.Line("namespace CompiledNets.Generated");
        w.Line("{");
        w.Indent();
        w.Line("using System;");
        w.Line("using System.Runtime.CompilerServices;");
        w.Line("using System.Runtime.InteropServices;");
        w.Line("using System.Runtime.Intrinsics;");
        w.Line();
        w.Line($"/// <summary>Kernels of {plan.Spec.FullyQualifiedName}, specialised to its layer sizes. Callers check every span length.</summary>");
        w.Line($"[global::System.CodeDom.Compiler.GeneratedCode(\"CompiledNets.Generator\", \"{NetworkGenerator.Version}\")]");
        using (w.Block("file static class Kernels"))
            DenseKernelEmitter.EmitAll(w, plan);
        w.Outdent();
        w.Line("}");
    }
}
