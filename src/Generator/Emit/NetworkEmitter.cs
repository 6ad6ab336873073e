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
        var spec = plan.Spec;
        w.Line($"/// <summary>Generated implementation of <see cref=\"{Runtime}.INetwork\"/>: {plan.Architecture}.</summary>");
        w.Line($"[global::System.CodeDom.Compiler.GeneratedCode(\"CompiledNets.Generator\", \"{NetworkGenerator.Version}\")]");
        using (w.Block($"partial class {spec.ClassName} : {Runtime}.INetwork"))
        {
            EmitConstants(w, plan);
            EmitFields(w, plan);
            EmitConstructors(w, plan);
            EmitProperties(w, plan);
            EmitPredict(w, plan);
            EmitPredictBatch(w, plan);
            EmitComputeGradients(w, plan);
            EmitTrainingApi(w, plan);
            EmitInitialization(w, plan);
            EmitValidation(w);
        }
    }

    private static void EmitConstants(SourceWriter w, NetworkPlan plan)
    {
        var spec = plan.Spec;
        w.Line("/// <summary>Features of one input sample.</summary>");
        w.Line($"public const int InputSize = {spec.Inputs};");
        w.Line("/// <summary>Outputs of one sample.</summary>");
        w.Line($"public const int OutputSize = {plan.OutputSize};");
        w.Line("/// <summary>Trainable values, the length of <see cref=\"Parameters\"/>.</summary>");
        w.Line($"public const int ParameterCount = {plan.ParameterCount};");
        w.Line("/// <summary>Values of optimizer state (moments), the length of <see cref=\"OptimizerState\"/>.</summary>");
        w.Line($"public const int OptimizerStateCount = {plan.OptimizerStateCount};");
        w.Line("/// <summary>Largest training batch of the parameterless constructors, from <c>[Network(MaxBatchSize = ...)]</c>.</summary>");
        w.Line($"public const int DefaultMaxBatchSize = {spec.MaxBatchSize};");
        w.Line();
        foreach (var layer in plan.Layers)
        {
            w.Line($"// Layer {layer.Index + 1}: {layer.Name} = Dense({layer.Inputs} -> {layer.Units}, {layer.Activation}); weight [{layer.Units}, {layer.Inputs}] at {layer.WeightOffset}, bias [{layer.Units}] at {layer.BiasOffset}");
            w.Line($"private const int {layer.Prefix}Inputs = {layer.Inputs};");
            w.Line($"private const int {layer.Prefix}Units = {layer.Units};");
            w.Line($"private const int {layer.Prefix}Weight = {layer.WeightOffset};");
            w.Line($"private const int {layer.Prefix}Bias = {layer.BiasOffset};");
        }
        w.Line();
        w.Line("// Widest hidden layer: single-sample inference keeps two such rows on the stack.");
        w.Line($"private const int WidestHidden = {plan.WidestHidden};");
        w.Line("// Widest layer: the training gradient buffers hold this many values per sample.");
        w.Line($"private const int Widest = {plan.Widest};");
        OptimizerEmitter.EmitConstants(w, plan);
        w.Line("// Products smaller than this many FLOPs run on the calling thread.");
        w.Line($"private const long ParallelThreshold = {KernelPlan.ParallelThreshold}L;");
        w.Line($"private const string ArchitectureText = {Literal.String(plan.Architecture)};");
        w.Line();

        w.Line($"private static readonly {Runtime}.TensorInfo[] TensorLayout =");
        w.Line("{");
        w.Indent();
        foreach (var layer in plan.Layers)
        {
            w.Line($"new(\"{layer.Name}.weight\", new[] {{ {layer.Prefix}Units, {layer.Prefix}Inputs }}, {Runtime}.TensorStorage.Parameters, {layer.Prefix}Weight),");
            w.Line($"new(\"{layer.Name}.bias\", new[] {{ {layer.Prefix}Units }}, {Runtime}.TensorStorage.Parameters, {layer.Prefix}Bias),");
        }
        foreach (var entry in OptimizerEmitter.StateTensors(plan)) w.Line(entry + ",");
        w.Outdent();
        w.Line("};");
        w.Line();

        w.Line($"private static readonly {Runtime}.NetworkSummary SummaryTable = new(");
        w.Indent();
        w.Line($"{Literal.String(spec.ClassName)}, InputSize,");
        w.Line($"new {Runtime}.LayerSummary[]");
        w.Line("{");
        w.Indent();
        foreach (var layer in plan.Layers)
            w.Line($"new(\"{layer.Name}\", \"Dense\", new[] {{ {layer.Prefix}Units }}, {layer.ParameterCount}, 0, \"{layer.Activation}\"),");
        w.Outdent();
        w.Line("},");
        w.Line($"{Literal.String(spec.Loss.ToString())}, {Literal.String(OptimizerEmitter.Describe(spec.Optimizer))});");
        w.Outdent();
        w.Line();
    }

    private static void EmitFields(SourceWriter w, NetworkPlan plan)
    {
        w.Line("private readonly float[] _parameters = new float[ParameterCount];");
        w.Line("private readonly float[] _gradients = new float[ParameterCount];");
        w.Line("private readonly float[] _optimizerState = new float[OptimizerStateCount];");
        w.Line();
        w.Line("// Training scratch, allocated once for MaxBatchSize rows.");
        foreach (var layer in plan.Layers)
        {
            if (layer.StoresPreActivation)
                w.Line($"private readonly float[] _{layer.Name}PreActivation; // [MaxBatchSize, {layer.Units}] before {layer.Activation}");
            w.Line($"private readonly float[] _{layer.Name}Output; // [MaxBatchSize, {layer.Units}] after {layer.Activation}");
        }
        w.Line("private readonly float[] _input; // [MaxBatchSize, InputSize]: the batch, copied so worker threads can read it");
        w.Line("private readonly float[] _deltaA; // [MaxBatchSize, Widest]: loss gradients, ping-ponged between layers");
        w.Line("private readonly float[] _deltaB;");
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
        w.Line("/// <summary>Creates the network; the same seed gives the same initial weights.</summary>");
        w.Line($"public {name}(int seed) : this(seed, DefaultMaxBatchSize) {{ }}");
        w.Line();
        w.Line("/// <summary>Creates the network with training buffers for batches of up to <paramref name=\"maxBatchSize\"/> samples.</summary>");
        using (w.Block($"public {name}(int seed, int maxBatchSize)"))
        {
            w.Line("if (maxBatchSize <= 0)");
            w.Line($"    throw new global::System.ArgumentOutOfRangeException(nameof(maxBatchSize), maxBatchSize, \"The maximum batch size must be positive.\");");
            w.Line("MaxBatchSize = maxBatchSize;");
            foreach (var layer in plan.Layers)
            {
                if (layer.StoresPreActivation) w.Line($"_{layer.Name}PreActivation = new float[maxBatchSize * {layer.Prefix}Units];");
                w.Line($"_{layer.Name}Output = new float[maxBatchSize * {layer.Prefix}Units];");
            }
            w.Line("_input = new float[maxBatchSize * InputSize];");
            w.Line("_deltaA = new float[maxBatchSize * Widest];");
            w.Line("_deltaB = new float[maxBatchSize * Widest];");
            foreach (var job in Jobs(plan)) w.Line($"{job.Field} = {job.Method};");
            w.Line("Threads = global::System.Environment.ProcessorCount;");
            w.Line("InitializeParameters(seed);");
        }
        w.Line();
    }

    private static void EmitProperties(SourceWriter w, NetworkPlan plan)
    {
        w.Line("/// <inheritdoc/>");
        w.Line("public int MaxBatchSize { get; }");
        w.Line("/// <summary>");
        w.Line("/// Threads that share each matrix product of a training step or batch prediction (default: all cores). Every output");
        w.Line("/// element is computed by one thread in a fixed order, so results are bitwise identical for any value.");
        w.Line("/// </summary>");
        w.Line("public int Threads");
        w.Line("{");
        w.Line("    get => _threads;");
        w.Line("    set");
        w.Line("    {");
        w.Line("        if (value < 1) throw new global::System.ArgumentOutOfRangeException(nameof(value), value, \"Threads must be at least 1.\");");
        w.Line("        _threads = value;");
        w.Line("        _pool = value > 1 ? global::CompiledNets.Kernels.WorkerPool.Shared(value) : null;");
        w.Line("    }");
        w.Line("}");
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
        w.Line("public global::System.Span<float> Buffers => global::System.Span<float>.Empty;");
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
        w.Line($"public global::System.ReadOnlySpan<float> TrainingOutputs => global::System.MemoryExtensions.AsSpan(_{plan.Layers.Last().Name}Output, 0, _trainingRows * OutputSize);");
        w.Line();
    }

    private static void EmitPredict(SourceWriter w, NetworkPlan plan)
    {
        w.Line("/// <inheritdoc/>");
        using (w.Block("public void Predict(global::System.ReadOnlySpan<float> input, global::System.Span<float> output)"))
        {
            w.Line("if (input.Length != InputSize) ThrowLength(nameof(input), InputSize, input.Length, \"one sample of InputSize features\");");
            w.Line("if (output.Length != OutputSize) ThrowLength(nameof(output), OutputSize, output.Length, \"OutputSize values\");");
            w.Line("// Thread-safe: intermediate rows live on this call's stack; each weight row is streamed once.");
            if (plan.Layers.Count > 1)
            {
                w.Line("global::System.Span<float> rowA = stackalloc float[WidestHidden];");
                w.Line("global::System.Span<float> rowB = stackalloc float[WidestHidden];");
            }
            string input = "input";
            for (int i = 0; i < plan.Layers.Count; i++)
            {
                var layer = plan.Layers[i];
                string destination = layer.IsLast ? "output" : (i % 2 == 0 ? "rowA" : "rowB");
                var fused = KernelPlan.InferenceForward(layer);
                w.Line($"// {layer.Name}: Dense({layer.Inputs} -> {layer.Units}, {layer.Activation})");
                w.Line($"{KernelClass}.{DenseKernelEmitter.ForwardName(layer.Inputs, layer.Units, fused)}(ref {Ref(input)}, ref _parameters[{layer.Prefix}Weight], ref _parameters[{layer.Prefix}Bias], ref {Ref(destination)}, 1, 0, {layer.Prefix}Units);");
                if (fused != layer.Activation)
                    w.Line(ActivationCalls.Forward(layer, layer.IsLast ? destination : $"{destination}.Slice(0, {layer.Prefix}Units)")!);
                input = destination;
            }
        }
        w.Line();
    }

    private static string Ref(string span) => $"global::System.Runtime.InteropServices.MemoryMarshal.GetReference({span})";

    private static void EmitPredictBatch(SourceWriter w, NetworkPlan plan)
    {
        var last = plan.Layers.Last();
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
                foreach (var layer in plan.Layers)
                {
                    var fused = KernelPlan.InferenceForward(layer);
                    w.Line($"// {layer.Name}: Dense({layer.Inputs} -> {layer.Units}, {layer.Activation})");
                    w.Line($"RunProduct(_{layer.Name}ForwardInference, {Flops(layer)} * rows);");
                    if (fused != layer.Activation) w.Line(ActivationCalls.Forward(layer, Span($"_{layer.Name}Output", layer))!);
                }
                w.Line($"{Span($"_{last.Name}Output", last)}.CopyTo(outputs.Slice(start * OutputSize));");
            }
            w.Line("_trainingRows = 0; // the shared buffers no longer hold training outputs");
        }
        w.Line();
    }

    private static string Span(string array, LayerPlan layer) =>
        $"global::System.MemoryExtensions.AsSpan({array}, 0, rows * {layer.Prefix}Units)";

    private static string Flops(LayerPlan layer) => $"{2L * layer.Inputs * layer.Units}L";

    private static void EmitComputeGradients(SourceWriter w, NetworkPlan plan)
    {
        var last = plan.Layers.Last();
        w.Line("/// <inheritdoc/>");
        using (w.Block("public float ComputeGradients(global::System.ReadOnlySpan<float> inputs, global::System.ReadOnlySpan<float> targets, int batchSize)"))
        {
            w.Line("CheckTrainingBatch(inputs.Length, targets.Length, batchSize);");
            w.Line("int rows = batchSize;");
            w.Line("_rows = rows;");
            w.Line("inputs.CopyTo(_input);");
            w.Line();
            w.Line("// Forward pass, training mode: keep every layer's output for the backward pass.");
            foreach (var layer in plan.Layers)
            {
                w.Line($"// {layer.Name}: Dense({layer.Inputs} -> {layer.Units}, {layer.Activation})");
                w.Line($"RunProduct(_{layer.Name}ForwardTraining, {Flops(layer)} * rows);");
                if (layer.StoresPreActivation)
                {
                    w.Line($"{Span($"_{layer.Name}PreActivation", layer)}.CopyTo(_{layer.Name}Output);");
                    var activation = ActivationCalls.Forward(layer, Span($"_{layer.Name}Output", layer));
                    if (activation is not null) w.Line(activation);
                }
            }
            w.Line("_trainingRows = rows;");
            w.Line();
            bool fused = (plan.Spec.Loss == LossKind.CrossEntropy && last.Activation == ActivationKind.Softmax)
                || (plan.Spec.Loss == LossKind.BinaryCrossEntropy && last.Activation == ActivationKind.Sigmoid);
            w.Line(fused
                ? $"// Loss: {plan.Spec.Loss} fused with {last.Activation}, from the logits; d loss / d logits = (output - target) / n."
                : $"// Loss: {plan.Spec.Loss}, then the {last.Activation} derivative.");
            w.Line($"float loss = global::CompiledNets.Kernels.LossKernels.LossAndGradient({Runtime}.LossFunction.{plan.Spec.Loss}, {Runtime}.Activation.{last.Activation}, {Literal.Float(last.Spec.Alpha)},");
            w.Line($"    _{last.Name}Output, _{last.Name}PreActivation, targets, _deltaA, rows, OutputSize);");
            w.Line();
            w.Line("// Backward pass: each layer's delta holds d loss / d (its pre-activation); the input-gradient kernel applies");
            w.Line("// the previous layer's activation derivative as it stores.");
            for (int i = plan.Layers.Count - 1; i >= 0; i--)
            {
                var layer = plan.Layers[i];
                w.Line($"// {layer.Name}");
                w.Line($"RunProduct(_{layer.Name}WeightGradient, {Flops(layer)} * rows);");
                if (i > 0)
                {
                    var previous = plan.Layers[i - 1];
                    w.Line($"RunProduct(_{layer.Name}InputGradient, {Flops(layer)} * rows);");
                    if (KernelPlan.FusedDerivative(previous) != previous.Activation)
                    {
                        var backward = ActivationCalls.Backward(previous, Span($"_{previous.Name}Output", previous),
                            previous.StoresPreActivation ? Span($"_{previous.Name}PreActivation", previous) : "default", Span(DeltaOf(plan, i - 1), previous));
                        if (backward is not null) w.Line(backward);
                    }
                }
            }
            w.Line("return loss;");
        }
        w.Line();
        EmitJobs(w, plan);
    }

    /// <summary>The delta buffer holding d loss / d pre-activation of layer <paramref name="index"/>: the last layer's is _deltaA, then alternating.</summary>
    private static string DeltaOf(NetworkPlan plan, int index) => (plan.Layers.Count - 1 - index) % 2 == 0 ? "_deltaA" : "_deltaB";

    private sealed record Job(string Field, string Method);

    private static IEnumerable<Job> Jobs(NetworkPlan plan)
    {
        foreach (var layer in plan.Layers)
        {
            yield return new Job($"_{layer.Name}ForwardTraining", $"{layer.Prefix}ForwardTraining");
            yield return new Job($"_{layer.Name}ForwardInference", $"{layer.Prefix}ForwardInference");
            yield return new Job($"_{layer.Name}WeightGradient", $"{layer.Prefix}WeightGradient");
            if (layer.Index > 0) yield return new Job($"_{layer.Name}InputGradient", $"{layer.Prefix}InputGradient");
        }
    }

    private static void EmitJobs(SourceWriter w, NetworkPlan plan)
    {
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
        foreach (var layer in plan.Layers)
        {
            string input = layer.Index == 0 ? "_input[0]" : $"_{plan.Layers[layer.Index - 1].Name}Output[0]";
            string trainingTarget = layer.StoresPreActivation ? $"_{layer.Name}PreActivation[0]" : $"_{layer.Name}Output[0]";
            string delta = DeltaOf(plan, layer.Index);
            w.Line($"// {layer.Name}: forward split over outputs (multiples of {DenseKernelEmitter.OutputGranularity}), backward over input columns (multiples of {DenseKernelEmitter.ColumnGranularity}).");
            using (w.Block($"private void {layer.Prefix}ForwardTraining(int part)"))
            {
                w.Line($"var (first, last) = Part({layer.Prefix}Units, {DenseKernelEmitter.OutputGranularity}, part);");
                w.Line($"{KernelClass}.{DenseKernelEmitter.ForwardName(layer.Inputs, layer.Units, KernelPlan.TrainingForward(layer))}(ref {input}, ref _parameters[{layer.Prefix}Weight], ref _parameters[{layer.Prefix}Bias], ref {trainingTarget}, _rows, first, last);");
            }
            using (w.Block($"private void {layer.Prefix}ForwardInference(int part)"))
            {
                w.Line($"var (first, last) = Part({layer.Prefix}Units, {DenseKernelEmitter.OutputGranularity}, part);");
                w.Line($"{KernelClass}.{DenseKernelEmitter.ForwardName(layer.Inputs, layer.Units, KernelPlan.InferenceForward(layer))}(ref {input}, ref _parameters[{layer.Prefix}Weight], ref _parameters[{layer.Prefix}Bias], ref _{layer.Name}Output[0], _rows, first, last);");
            }
            using (w.Block($"private void {layer.Prefix}WeightGradient(int part)"))
            {
                w.Line($"var (first, last) = Part({layer.Prefix}Inputs, {DenseKernelEmitter.ColumnGranularity}, part);");
                w.Line($"{KernelClass}.{DenseKernelEmitter.WeightGradientName(layer.Inputs, layer.Units)}(ref {delta}[0], ref {input}, ref _gradients[{layer.Prefix}Weight], ref _gradients[{layer.Prefix}Bias], _rows, first, last);");
            }
            if (layer.Index > 0)
            {
                var previous = plan.Layers[layer.Index - 1];
                var derivative = KernelPlan.FusedDerivative(previous);
                string other = DeltaOf(plan, layer.Index - 1);
                using (w.Block($"private void {layer.Prefix}InputGradient(int part)"))
                {
                    w.Line($"var (first, last) = Part({layer.Prefix}Inputs, {DenseKernelEmitter.ColumnGranularity}, part);");
                    w.Line($"{KernelClass}.{DenseKernelEmitter.InputGradientName(layer.Inputs, layer.Units, derivative)}(ref {delta}[0], ref _parameters[{layer.Prefix}Weight], ref {other}[0], ref _{previous.Name}Output[0], _rows, first, last);");
                }
            }
            w.Line();
        }
    }

    private static void EmitTrainingApi(SourceWriter w, NetworkPlan plan)
    {
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
        w.Line("/// <summary>He-uniform weights for ReLU-family layers and Glorot-uniform otherwise (unless declared), zero biases.</summary>");
        using (w.Block("private void InitializeParameters(int seed)"))
        {
            w.Line("var random = new global::CompiledNets.Kernels.SeededRandom(seed);");
            foreach (var layer in plan.Layers)
            {
                w.Line($"global::CompiledNets.Kernels.Initializers.Fill({Runtime}.Init.{layer.ResolvedWeightInit}, global::System.MemoryExtensions.AsSpan(_parameters, {layer.Prefix}Weight, {layer.Prefix}Units * {layer.Prefix}Inputs), {layer.Prefix}Inputs, {layer.Prefix}Units, ref random);");
                w.Line($"global::CompiledNets.Kernels.Initializers.Fill({Runtime}.Init.{layer.ResolvedBiasInit}, global::System.MemoryExtensions.AsSpan(_parameters, {layer.Prefix}Bias, {layer.Prefix}Units), {layer.Prefix}Inputs, {layer.Prefix}Units, ref random);");
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
