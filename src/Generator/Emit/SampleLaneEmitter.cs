using System;
using System.Collections.Generic;
using System.Linq;
using CompiledNets.Generator.Model;
using CompiledNets.Generator.Names;

namespace CompiledNets.Generator.Emit;

/// <summary>
/// Training for the smallest networks (the XOR class): four samples in the lanes of a <c>Vector128</c>, every weight a
/// broadcast from a constant offset, and the forward pass, the loss and the backward pass of a group of four samples
/// unrolled into straight-line code that keeps activations and gradients in registers. Each parameter's gradient has
/// its own vector accumulator, summed across lanes once per batch. At these sizes the general path's per-product
/// calls, loops and buffers cost more than the arithmetic; here nothing is left but the arithmetic.
/// </summary>
internal static class SampleLaneEmitter
{
    /// <summary>Samples per vector.</summary>
    private const int Lanes = 4;

    private const string V = "Vector128";

    /// <summary>Inlinable exp and log: a call would spill every register-resident vector (all are volatile across calls).</summary>
    private const string LaneMath = RuntimeNames.LaneMath;
    /// <summary>Negligible loss gradients set to zero, as the runtime's loss kernels do.</summary>
    private const string Flush = RuntimeNames.FlushNegligible;

    /// <summary>The body of <c>ComputeGradients</c> after the argument checks: one call to the lane kernel.</summary>
    public static void EmitTrainingCall(SourceWriter w, NetworkPlan plan)
    {
        w.Line($"// Small enough to train {Lanes} samples at a time in vector lanes, in one straight-line kernel.");
        EmitKernelCall(w, plan, KernelPlan.StepsSgdInSampleLanes(plan) ? "applySgd: false, learningRate: 0f" : null);
        w.Line("_trainingRows = batchSize;");
        w.Line("return loss;");
    }

    /// <summary>
    /// The body of <c>TrainBatch</c> for plain SGD: one kernel call that also takes the step, bitwise the same as
    /// <c>ComputeGradients</c> then <c>ApplyGradients</c> (the same <c>p - lr·g</c> per parameter, on the same sums).
    /// </summary>
    public static void EmitTrainAndStepCall(SourceWriter w, NetworkPlan plan, string? afterStep = null)
    {
        w.Line("CheckTrainingBatch(inputs.Length, targets.Length, batchSize);");
        w.Line("// Gradients and the SGD step in one straight-line kernel: each parameter is updated from the register that holds its gradient.");
        EmitKernelCall(w, plan, "applySgd: true, learningRate: _learningRate");
        w.Line("_trainingRows = batchSize;");
        w.Line("_optimizerStep++;");
        if (afterStep is not null) w.Line(afterStep);
        w.Line("return loss;");
    }

    private static void EmitKernelCall(SourceWriter w, NetworkPlan plan, string? stepArguments)
    {
        w.Line($"float loss = {RuntimeNames.GeneratedKernels}.{KernelName}(ref {Code.Ref("inputs")}, ref {Code.Ref("targets")},");
        w.Line($"    ref _parameters[0], ref _gradients[0], ref _{plan.Last.Field}Output[0], batchSize{(stepArguments is null ? "" : ", " + stepArguments)});");
    }

    /// <summary>The kernels' parameter list, with the SGD step's two when the kernel can take the step.</summary>
    private static string KernelParameters(NetworkPlan plan) =>
        "ref float x, ref float t, ref float p, ref float gradient, ref float y, int batchSize" + (KernelPlan.StepsSgdInSampleLanes(plan) ? ", bool applySgd, float learningRate" : "");

    private static string KernelArguments(NetworkPlan plan) =>
        "ref x, ref t, ref p, ref gradient, ref y, batchSize" + (KernelPlan.StepsSgdInSampleLanes(plan) ? ", applySgd, learningRate" : "");

    private const string KernelName = "TrainInSampleLanes";

    private const string PredictKernelName = "PredictInSampleLanes";

    /// <summary>The body of <c>Predict</c> after the argument checks: one call to the single-sample lane kernel.</summary>
    public static void EmitPredictCall(SourceWriter w)
    {
        w.Line("// Thread-safe: the whole forward pass runs in registers, in one straight-line kernel.");
        w.Line($"{RuntimeNames.GeneratedKernels}.{PredictKernelName}(ref {Code.Ref("input")}, ref _parameters[0], ref {Code.Ref("output")});");
    }

    /// <summary>The single-sample kernel: the training kernel's forward pass with the sample in lane 0.</summary>
    internal static void EmitPredictKernel(SourceWriter w, NetworkPlan plan)
    {
        w.Line("/// <summary>");
        w.Line($"/// The forward pass of one sample, held in lane 0 of each <c>{V}</c> (the other lanes are zeros and are ignored): the");
        w.Line("/// same straight-line code as the training kernel, every weight broadcast from its constant offset in <c>p</c>.");
        w.Line("/// </summary>");
        using (w.Block($"internal static void {PredictKernelName}(ref float x, ref float p, ref float y)"))
        {
            for (int k = 0; k < plan.Spec.Inputs; k++)
                w.Line($"{V}<float> a0_{k} = {V}.CreateScalar(Unsafe.Add(ref x, {k}));");
            foreach (var layer in plan.Layers) EmitForward(w, layer);
            int n = plan.Last.Index + 1;
            for (int o = 0; o < plan.OutputSize; o++)
                w.Line($"Unsafe.Add(ref y, {o}) = a{n}_{o}.ToScalar();");
        }
        w.Line();
    }

    /// <summary>The lane kernel: writes every gradient and the outputs, returns the mean loss.</summary>
    public static void EmitKernel(SourceWriter w, NetworkPlan plan)
    {
        w.Line("/// <summary>");
        w.Line($"/// Forward pass, {plan.Spec.Loss} loss and backward pass of a batch, {Lanes} samples per <c>{V}</c>: lane l of a vector holds sample b + l.");
        w.Line("/// Each weight is broadcast from its constant offset in <c>p</c>; each parameter's gradient accumulates in its own vector");
        w.Line("/// and is summed across lanes once, into <c>gradient</c>. Writes the outputs to <c>y</c> and returns the mean loss.");
        if (KernelPlan.StepsSgdInSampleLanes(plan))
            w.Line("/// With <paramref name=\"applySgd\"/>, also takes the SGD step <c>p -= learningRate·gradient</c> from the registers that hold the sums.");
        w.Line("/// </summary>");
        using (w.Block($"internal static float {KernelName}({KernelParameters(plan)})"))
        {
            w.Line($"if (batchSize <= {Lanes}) return {OneGroupKernelName}({KernelArguments(plan)});");
            EmitScale(w, plan);
            w.Line($"{V}<float> lossSum = {V}<float>.Zero;");
            w.Line("// One accumulator per parameter, named by its offset in the parameters.");
            var accumulators = Enumerable.Range(0, plan.ParameterCount).Select(i => $"g{i} = {V}<float>.Zero").ToList();
            for (int i = 0; i < accumulators.Count; i += 8)
                w.Line($"{V}<float> {string.Join(", ", accumulators.Skip(i).Take(8))};");
            using (w.Block($"for (int b = 0; b < batchSize; b += {Lanes})"))
            {
                w.Line($"int valid = Math.Min({Lanes}, batchSize - b);");
                EmitGroup(w, plan, oneGroup: false);
            }
            w.Line("// Lane sums, four gradients per store.");
            EmitGradientSums(w, plan, 0, plan.ParameterCount);
            w.Line($"return {V}.Sum(lossSum) * scale;");
        }
        w.Line();
        EmitOneGroupKernel(w, plan);
        EmitPredictKernel(w, plan);
    }

    private const string OneGroupKernelName = "TrainOneLaneGroup";

    /// <summary>
    /// The kernel for batches of at most four samples (XOR's whole training set): the same code without the loop,
    /// each gradient summed across lanes and stored as soon as its layer's backward step has produced it, so few
    /// vectors are alive at once and none waits in memory for the end of a loop.
    /// </summary>
    private static void EmitOneGroupKernel(SourceWriter w, NetworkPlan plan)
    {
        w.Line($"/// <summary>{KernelName} for a batch of at most {Lanes} samples: one group of lanes, each gradient stored as soon as it is known.</summary>");
        using (w.Block($"private static float {OneGroupKernelName}({KernelParameters(plan)})"))
        {
            EmitScale(w, plan);
            w.Line("const int b = 0;");
            w.Line("int valid = batchSize;");
            EmitGroup(w, plan, oneGroup: true);
            w.Line($"return {V}.Sum(lossSum) * scale;");
        }
        w.Line();
    }

    private static void EmitScale(SourceWriter w, NetworkPlan plan)
    {
        bool crossEntropy = plan.Spec.Loss == LossKind.CrossEntropy;
        w.Line($"const int InputSize = {plan.Spec.Inputs}, OutputSize = {plan.OutputSize};");
        w.Line(crossEntropy
            ? "// Cross-entropy is the mean over samples of the sum over classes."
            : "// The loss is the mean over every output value.");
        w.Line($"float scale = 1f / {(crossEntropy ? "batchSize" : "(batchSize * OutputSize)")};");
        if (KernelPlan.StepsSgdInSampleLanes(plan)) w.Line($"{V}<float> rate = {V}.Create(learningRate);");
    }

    /// <summary>
    /// One group of <see cref="Lanes"/> samples from row <c>b</c> (<c>valid</c> of them real): forward, loss, backward.
    /// In a loop the gradients accumulate into <c>g</c>; for a single group they are declared and stored at once.
    /// </summary>
    private static void EmitGroup(SourceWriter w, NetworkPlan plan, bool oneGroup)
    {
        var layers = plan.Layers;
        w.Line("// Lanes past the batch read zeros and get no gradient and no loss.");
        w.Line($"{V}<float> mask = LaneMask(valid);");
        w.Line($"{V}<float> laneScale = mask * scale;");
        w.Line("ref float xRow = ref Unsafe.Add(ref x, b * InputSize);");
        for (int k = 0; k < plan.Spec.Inputs; k++)
            w.Line($"{V}<float> a0_{k} = LoadLanes(ref Unsafe.Add(ref xRow, {k}), InputSize, valid);");
        foreach (var layer in layers) EmitForward(w, layer);
        EmitLoss(w, plan, oneGroup);
        for (int i = layers.Count - 1; i >= 0; i--)
        {
            // A layer's weights are read by its own backward step only, so its SGD step can follow its sums at once.
            EmitBackward(w, layers[i], i > 0 ? layers[i - 1] : null, oneGroup);
            if (oneGroup) EmitGradientSums(w, plan, layers[i].WeightOffset, layers[i].ParameterCount);
        }
    }

    /// <summary>
    /// Stores the lane sums of accumulators g[first .. first + count), four per store where four remain, and with
    /// <c>applySgd</c> takes the SGD step on the same parameters: <c>p - rate·sum</c>, as <c>OptimizerSteps.Sgd</c> computes it.
    /// </summary>
    private static void EmitGradientSums(SourceWriter w, NetworkPlan plan, int first, int count)
    {
        bool step = KernelPlan.StepsSgdInSampleLanes(plan);
        int end = first + count, full = first + count / Lanes * Lanes;
        for (int i = first; i < full; i += Lanes)
        {
            w.Line($"{V}<float> sums{i} = {LaneSums($"g{i}", $"g{i + 1}", $"g{i + 2}", $"g{i + 3}")};");
            w.Line($"sums{i}.StoreUnsafe(ref gradient, {i});");
            if (step) w.Line($"if (applySgd) ({V}.LoadUnsafe(ref p, {i}) - rate * sums{i}).StoreUnsafe(ref p, {i});");
        }
        for (int i = full; i < end; i++)
        {
            // Named apart from the softmax's sum{n} of layer n, which shares this scope.
            w.Line($"float total{i} = {V}.Sum(g{i});");
            w.Line($"Unsafe.Add(ref gradient, {i}) = total{i};");
            if (step) w.Line($"if (applySgd) Unsafe.Add(ref p, {i}) -= learningRate * total{i};");
        }
    }

    private const string Sse3 = RuntimeNames.Sse3;

    /// <summary>
    /// The lane sums of four accumulators: written out as horizontal adds where SSE3 exists (a JIT-time constant, so the
    /// other branch is never compiled), <c>SumLanes</c> elsewhere. A large kernel can exhaust what the JIT will inline
    /// into one method, and a <c>SumLanes</c> left as a call would spill every live vector register around it.
    /// </summary>
    private static string LaneSums(string a, string b, string c, string d) =>
        $"({Sse3}.IsSupported ? {Sse3}.HorizontalAdd({Sse3}.HorizontalAdd({a}, {b}), {Sse3}.HorizontalAdd({c}, {d})) : SumLanes({a}, {b}, {c}, {d}))";

    /// <summary>Layer n's pre-activations z{n}_o and activations a{n}_o (layer 0 is the input).</summary>
    private static void EmitForward(SourceWriter w, LayerPlan layer)
    {
        int n = layer.Index + 1;
        w.Line($"// {layer.Name}: {layer.Describe()}; weights [{layer.Units}, {layer.Inputs}] at {layer.WeightOffset}, bias at {layer.BiasOffset}");
        int chains = DotChains(layer);
        w.Line(chains == 1
            ? $"// z{n}_o = bias[o] + Σ_k w[o, k]·a{n - 1}_k, summed from k = 0; a{n}_o = {layer.ActivationText}(z{n}_o)."
            : $"// z{n}_o = bias[o] + Σ_k w[o, k]·a{n - 1}_k in {chains} partial sums over k mod {chains}, added pairwise; a{n}_o = {layer.ActivationText}(z{n}_o).");
        for (int o = 0; o < layer.Units; o++)
        {
            for (int j = 0; j < chains; j++)
            {
                string sum = j == 0 ? $"z{n}_{o}" : $"z{n}_{o}_{j}";
                string weight(int k) => Broadcast(layer.WeightOffset + o * layer.Inputs + k);
                w.Line(j == 0 ? $"{V}<float> {sum} = {Broadcast(layer.BiasOffset + o)};" : $"{V}<float> {sum} = {weight(j)} * a{n - 1}_{j};");
                for (int k = j == 0 ? 0 : j + chains; k < layer.Inputs; k += chains)
                    w.Line($"{sum} = {V}.MultiplyAddEstimate({weight(k)}, a{n - 1}_{k}, {sum});");
            }
            if (chains > 1) w.Line($"z{n}_{o} = {PairwiseSum(n, o, chains)};");
        }
        if (layer.Activation == ActivationKind.Softmax)
        {
            // Max, not MaxNative: a NaN logit in any position must make the maximum NaN, so that no shifted logit is
            // positive (ExpNonPositive's contract) and the whole row comes out NaN.
            string max = $"z{n}_0";
            for (int o = 1; o < layer.Units; o++) max = $"{V}.Max({max}, z{n}_{o})";
            w.Line($"{V}<float> max{n} = {max};");
            for (int o = 0; o < layer.Units; o++) w.Line($"{V}<float> e{n}_{o} = {LaneMath}.ExpNonPositive(z{n}_{o} - max{n});");
            w.Line($"{V}<float> sum{n} = {string.Join(" + ", Enumerable.Range(0, layer.Units).Select(o => $"e{n}_{o}"))};");
            w.Line($"{V}<float> inverseSum{n} = {V}<float>.One / sum{n};");
            for (int o = 0; o < layer.Units; o++) w.Line($"{V}<float> a{n}_{o} = e{n}_{o} * inverseSum{n};");
            return;
        }
        if (layer.IsLast && layer.Activation == ActivationKind.Sigmoid)
        {
            // e^-|z| serves both the sigmoid and the loss, and never overflows.
            for (int o = 0; o < layer.Units; o++)
            {
                w.Line($"{V}<float> e{n}_{o} = {LaneMath}.ExpNonPositive(-{V}.Abs(z{n}_{o}));");
                w.Line($"{V}<float> inverse{n}_{o} = {V}<float>.One / ({V}<float>.One + e{n}_{o});");
                w.Line($"{V}<float> a{n}_{o} = {V}.ConditionalSelect({V}.GreaterThanOrEqual(z{n}_{o}, {V}<float>.Zero), inverse{n}_{o}, e{n}_{o} * inverse{n}_{o});");
            }
            return;
        }
        for (int o = 0; o < layer.Units; o++)
            w.Line($"{V}<float> a{n}_{o} = {Activate(layer.Activation, layer.Alpha, $"z{n}_{o}")};");
    }

    /// <summary>
    /// Independent partial sums per output: an FMA's result is ready 4 cycles after it starts and two can start per
    /// cycle, so about 8 chains must be in flight to keep the units busy. A layer with few outputs (the output layer)
    /// splits each dot product instead of leaving one long serial chain on the critical path of the whole step.
    /// </summary>
    private static int DotChains(LayerPlan layer) =>
        Math.Max(1, Math.Min(Math.Min(4, (8 + layer.Units - 1) / layer.Units), layer.Inputs / 2));

    /// <summary>The partial sums of output o added in pairs: (z + z_1) + (z_2 + z_3).</summary>
    private static string PairwiseSum(int n, int o, int chains) => chains switch
    {
        2 => $"z{n}_{o} + z{n}_{o}_1",
        3 => $"(z{n}_{o} + z{n}_{o}_1) + z{n}_{o}_2",
        _ => $"(z{n}_{o} + z{n}_{o}_1) + (z{n}_{o}_2 + z{n}_{o}_3)",
    };

    private static string Broadcast(int offset) => $"{V}.Create(Unsafe.Add(ref p, {offset}))";

    private static string Activate(ActivationKind activation, float alpha, string z) => activation switch
    {
        ActivationKind.Sigmoid => $"{V}<float>.One / ({V}<float>.One + {LaneMath}.Exp(-{z}))",
        _ => ActivationExpressions.Vector(activation, alpha, V, z)!,
    };

    /// <summary>Stores the outputs, adds the lanes' loss and leaves d loss / d z of the last layer in d{n}_o.</summary>
    private static void EmitLoss(SourceWriter w, NetworkPlan plan, bool oneGroup)
    {
        var last = plan.Last;
        int n = last.Index + 1;
        w.Line($"// Loss: {plan.Spec.Loss} on {last.Activation}; outputs stored for TrainingOutputs.");
        w.Line("ref float yRow = ref Unsafe.Add(ref y, b * OutputSize);");
        w.Line("ref float tRow = ref Unsafe.Add(ref t, b * OutputSize);");
        for (int o = 0; o < last.Units; o++)
        {
            w.Line($"StoreLanes(a{n}_{o}, ref Unsafe.Add(ref yRow, {o}), OutputSize, valid);");
            w.Line($"{V}<float> t{o} = LoadLanes(ref Unsafe.Add(ref tRow, {o}), OutputSize, valid);");
        }
        var lossTerms = new List<string>();
        switch (plan.Spec.Loss)
        {
            case LossKind.BinaryCrossEntropy:
                // From the logits, stable for any z: max(z, 0) - z·t + log(1 + e^-|z|); d/dz = a - t.
                for (int o = 0; o < last.Units; o++)
                {
                    string z = $"z{n}_{o}";
                    lossTerms.Add($"{V}.MaxNative({V}<float>.Zero, {z}) - {z} * t{o} + {LaneMath}.Log({V}<float>.One + e{n}_{o})");
                    w.Line($"{V}<float> d{n}_{o} = {Flush}(laneScale * (a{n}_{o} - t{o}));");
                }
                break;
            case LossKind.CrossEntropy:
                // From the logits: Σ_o t_o·(log Σ e^z - z_o); d/dz = a - t.
                w.Line($"{V}<float> logSum = max{n} + {LaneMath}.Log(sum{n});");
                for (int o = 0; o < last.Units; o++)
                {
                    lossTerms.Add($"t{o} * (logSum - z{n}_{o})");
                    w.Line($"{V}<float> d{n}_{o} = {Flush}(laneScale * (a{n}_{o} - t{o}));");
                }
                break;
            default:
                // Mean squared error: (a - t)², d/da = 2 (a - t), then the activation's derivative.
                for (int o = 0; o < last.Units; o++)
                {
                    w.Line($"{V}<float> error{o} = a{n}_{o} - t{o};");
                    lossTerms.Add($"error{o} * error{o}");
                    string gradient = $"laneScale * (error{o} + error{o})";
                    w.Line($"{V}<float> d{n}_{o} = {Flush}({Derivative(last.Activation, last.Alpha, gradient, $"a{n}_{o}")});");
                }
                break;
        }
        w.Line(oneGroup
            ? $"{V}<float> lossSum = mask * ({string.Join(" + ", lossTerms)});"
            : $"lossSum += mask * ({string.Join(" + ", lossTerms)});");
    }

    /// <summary>Accumulates layer n's weight and bias gradients and, below the first layer, leaves d loss / d z{n-1} in d{n-1}_k.</summary>
    private static void EmitBackward(SourceWriter w, LayerPlan layer, LayerPlan? previous, bool oneGroup)
    {
        int n = layer.Index + 1;
        w.Line($"// {layer.Name} backward: d{n}_o is d loss / d z{n}_o; g[w[o, k]] += d{n}_o·a{n - 1}_k, g[bias[o]] += d{n}_o" + (previous is null ? "." : $"; d{n - 1}_k = Σ_o d{n}_o·w[o, k] times {previous.ActivationText}'(a{n - 1}_k)."));
        for (int o = 0; o < layer.Units; o++)
        {
            for (int k = 0; k < layer.Inputs; k++)
            {
                int index = layer.WeightOffset + o * layer.Inputs + k;
                w.Line(oneGroup
                    ? $"{V}<float> g{index} = d{n}_{o} * a{n - 1}_{k};"
                    : $"g{index} = {V}.MultiplyAddEstimate(d{n}_{o}, a{n - 1}_{k}, g{index});");
            }
            w.Line(oneGroup ? $"{V}<float> g{layer.BiasOffset + o} = d{n}_{o};" : $"g{layer.BiasOffset + o} += d{n}_{o};");
        }
        if (previous is null) return;
        for (int k = 0; k < layer.Inputs; k++)
        {
            w.Line($"{V}<float> d{n - 1}_{k} = d{n}_0 * {Broadcast(layer.WeightOffset + k)};");
            for (int o = 1; o < layer.Units; o++)
                w.Line($"d{n - 1}_{k} = {V}.MultiplyAddEstimate(d{n}_{o}, {Broadcast(layer.WeightOffset + o * layer.Inputs + k)}, d{n - 1}_{k});");
            if (previous.Activation != ActivationKind.Linear)
                w.Line($"d{n - 1}_{k} = {Derivative(previous.Activation, previous.Alpha, $"d{n - 1}_{k}", $"a{n - 1}_{k}")};");
        }
    }

    /// <summary>Gradient <paramref name="g"/> times the activation's derivative at output <paramref name="a"/>.</summary>
    private static string Derivative(ActivationKind activation, float alpha, string g, string a) =>
        ActivationExpressions.VectorDerivative(activation, alpha, V, g.Contains(" ") ? $"({g})" : g, a);
}
