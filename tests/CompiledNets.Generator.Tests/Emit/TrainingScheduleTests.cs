using CompiledNets.Generator.Tests.Infrastructure;

namespace CompiledNets.Generator.Tests.Emit;

/// <summary>
/// How ComputeGradients gathers the layers' per-sample steps into segments (<c>TrainingSchedule</c>). That training still
/// computes the same values is the equivalence suite's work (generated against interpreted, 1 thread against 2); these
/// tests pin which steps share a segment, the part a wrong rule would break silently or slowly.
/// </summary>
public class TrainingScheduleTests
{
    /// <summary>The generated class of Keras's mnist_convnet.</summary>
    private static string KerasConvnet() => GeneratorHarness.Run(Declarations.ConvNet).Source("Demo.Vision.ConvNet.g.cs");

    private static string ComputeGradients(string source)
    {
        int start = source.IndexOf("public float ComputeGradients(", StringComparison.Ordinal);
        return source.Substring(start, source.IndexOf("return loss;", start, StringComparison.Ordinal) - start);
    }

    [Fact]
    public void The_convnets_forward_pass_up_to_the_dropout_mask_is_one_segment()
    {
        var source = KerasConvnet();
        var body = ComputeGradients(source);
        // Each max pooling runs inside the convolution before it (no step of its own).
        Assert.Contains("// conv1, conv2, flatten1: sample by sample, in ForwardSegment0", body);
        // The mask is drawn from one stream in sample order: a whole-batch step after the segment.
        Assert.True(body.IndexOf("RunAcrossCores(_forwardSegment0)", StringComparison.Ordinal) < body.IndexOf("DropoutTraining(", StringComparison.Ordinal));
        Assert.Contains("private void ForwardSegment0(int first, int last)", source);
    }

    [Fact]
    public void Backward_segments_end_where_a_delta_buffer_would_change_its_sample_size()
    {
        var body = ComputeGradients(KerasConvnet());
        // dropout1 and conv2's pooling gradient (maxpool2's, fused) read and write their deltas at matching sizes: one segment.
        Assert.Contains("// dropout1, conv2: sample by sample, in BackwardSegment0", body);
        // conv2's input gradient writes _deltaB at 32 × 13 × 13 a sample, where dropout1 and maxpool2 read it at 1,600:
        // a new segment, which conv1 (with maxpool1's gradient) joins.
        Assert.Contains("// conv2, conv1: sample by sample, in BackwardSegment1", body);
        Assert.DoesNotContain("BackwardSegment2", body);
    }

    [Fact]
    public void A_weight_gradient_over_the_batch_waits_for_the_segment_it_would_cut()
    {
        var body = ComputeGradients(KerasConvnet());
        // conv2's sums over the whole batch but reads only its own layer's buffers: it runs after the last segment, and
        // conv1's per-sample rows are added up after it.
        int segment = body.IndexOf("RunAcrossCores(_backwardSegment1)", StringComparison.Ordinal);
        int conv2 = body.IndexOf("RunAcrossCores(_conv2WeightGradient)", StringComparison.Ordinal);
        int conv1 = body.IndexOf("SumRows(_conv1SampleGradients.AsSpan(0, rows * Conv1Parameters), rows, _gradients.AsSpan(Conv1Weight, Conv1Parameters))", StringComparison.Ordinal);
        Assert.True(segment >= 0 && segment < conv2 && conv2 < conv1, "expected BackwardSegment1, then conv2's weight gradient, then conv1's sum");
    }

    [Fact]
    public void A_layer_of_few_weights_sums_its_weight_gradient_per_sample_inside_the_segment()
    {
        var source = KerasConvnet();
        // conv1's 320 gradients a sample are few next to the 24,336 values the batch pass would read back: each sample's go
        // into a row of its own in the segment, from an extended gradient at the thread's first place.
        var segment = Method(source, "BackwardSegment1");
        Assert.Contains("ref _conv1Extended[first * Conv1Extended], (end - start));", segment);
        Assert.Contains("ref _conv1Extended[(first + b - start) * Conv1Extended], ref _conv1Padded[b * Conv1Padded], ref sums,", segment);
        Assert.DoesNotContain("_conv1WeightGradient", source);
        // conv2's 18,496 are not: its weight gradient splits the filters after the segment.
        Assert.Contains("private void Conv2WeightGradient(int first, int last)", source);
    }

    [Fact]
    public void A_layer_of_many_filters_sums_its_weight_gradient_from_the_gradient_by_position()
    {
        var source = KerasConvnet();
        // conv2's 64 filters fill a row of vectors: each block's gradient is also laid out by position in the segment,
        // while in cache, and the weight gradient after the segment splits the weights of a filter, in multiples of 4.
        var segment = Method(source, "BackwardSegment0");
        int pooled = segment.IndexOf("MaxPoolArgmaxBackward_64x11x11_2_ReLU_out13x144(", StringComparison.Ordinal);
        int rows = segment.IndexOf("ConvGradientRows_32x13x13_64x3x3(ref _conv2Extended[start * Conv2Extended], ref _conv2GradientRows[start * Conv2GradientRows], (end - start));", StringComparison.Ordinal);
        Assert.True(pooled >= 0 && pooled < rows, "expected conv2's extended gradient, then its rows by position, in one step");
        Assert.Contains("ConvWeightGradientRows_32x13x13_64x3x3(ref _conv2GradientRows[0], ref _conv2Padded[0], ref _conv2WeightSums[0], ref _gradients[Conv2Weight], ref _gradients[Conv2Bias], _rows, first, last);",
            Method(source, "Conv2WeightGradient"));
        Assert.Contains("PartitionOf(Conv2FilterWeights, 4, part)", source);
        Assert.DoesNotContain("ConvWeightGradient_32x13x13_64x3x3", source);
    }

    [Fact]
    public void An_extended_gradient_kept_per_block_is_read_in_the_step_that_writes_it()
    {
        // conv2 has few weights (296) and an input gradient: its extended gradient lives only while a block runs, so the
        // weight and input gradients reading it must not fall into a later segment, where other blocks would have
        // overwritten it.
        var source = GeneratorHarness.Run("""
            using CompiledNets;
            [Network(InputShape = new[] { 1, 28, 28 })]
            [Conv2D(4, 3, Activation.ReLU)]
            [Conv2D(8, 3, Activation.ReLU)]
            [Flatten]
            [Dense(10, Activation.Softmax)]
            [Loss(LossFunction.CrossEntropy)]
            [Adam]
            public partial class Narrow;
            """).Source("Narrow.g.cs");
        var segment = Method(source, "BackwardSegment0");
        int extend = segment.IndexOf("ConvExtendGradient_4x26x26_8x3x3(", StringComparison.Ordinal);
        int weights = segment.IndexOf("ConvWeightGradient_4x26x26_8x3x3(ref _conv2Extended[(first + b - start) * Conv2Extended]", StringComparison.Ordinal);
        int inputs = segment.IndexOf("ConvInputGradient_4x26x26_8x3x3(ref _conv2Extended[first * Conv2Extended]", StringComparison.Ordinal);
        Assert.True(extend >= 0 && extend < weights && weights < inputs, "expected conv2's extended gradient, then its weight and input gradients, in one segment");
    }

    [Fact]
    public void A_max_pooling_after_a_convolution_runs_in_its_steps_from_a_record_of_its_choices()
    {
        var source = KerasConvnet();
        // Forward: conv1's extended rows are pooled as they are, recording each window's chosen input; the outputs are
        // never compacted, so there is no buffer for them.
        Assert.Contains("MaxPoolArgmax_32x26x26_2_in28x736(ref extended, ref _maxPool1Output[b * MaxPool1Units], ref global::System.Runtime.CompilerServices.Unsafe.As<float, uint>(ref _maxPool1Argmax[b * MaxPool1Argmax]), 1);",
            Method(source, "Conv1ForwardTraining"));
        Assert.DoesNotContain("_conv1Output", source);
        // Backward: the gradient goes by the record, with the ReLU's derivative, straight into the extended rows at the
        // thread's first place, which conv1's weight gradient reads; nothing reads conv1's outputs or a delta buffer.
        var segment = Method(source, "BackwardSegment1");
        int pooled = segment.IndexOf("MaxPoolArgmaxBackward_32x26x26_2_ReLU_out28x736(ref _maxPool1Output[start * MaxPool1Units], ref global::System.Runtime.CompilerServices.Unsafe.As<float, uint>(ref _maxPool1Argmax[start * MaxPool1Argmax]), ref _deltaB[start * MaxPool1Units], ref _conv1Extended[first * Conv1Extended], (end - start));", StringComparison.Ordinal);
        int weights = segment.IndexOf("ConvWeightGradient_1x28x28_32x3x3(ref _conv1Extended[(first + b - start) * Conv1Extended]", StringComparison.Ordinal);
        Assert.True(pooled >= 0 && pooled < weights, "expected maxpool1's gradient from its record into conv1's extended rows, then conv1's weight gradient");
        Assert.DoesNotContain("ConvExtendGradient_1x28x28_32x3x3", source);
        Assert.DoesNotContain("MaxPoolBackward_", source);
        Assert.DoesNotContain("ReLUBackward", source);
    }

    [Fact]
    public void A_max_pooling_keeps_steps_of_its_own_after_an_activation_it_cannot_take_over()
    {
        // Tanh's derivative needs the value at every input, not only the window's maximum: no fusion.
        var source = GeneratorHarness.Run("""
            using CompiledNets;
            [Network(InputShape = new[] { 1, 28, 28 })]
            [Conv2D(8, 3, Activation.Tanh)]
            [MaxPool2D(2)]
            [Flatten]
            [Dense(10, Activation.Softmax)]
            [Loss(LossFunction.CrossEntropy)]
            [Adam]
            public partial class TanhPooled;
            """).Source("TanhPooled.g.cs");
        Assert.Contains("MaxPoolBackward_8x26x26_2(ref _conv1Output[", source);
        Assert.DoesNotContain("MaxPoolArgmax", source);
    }

    /// <summary>The text of the generated method <paramref name="name"/>(int first, int last).</summary>
    private static string Method(string source, string name)
    {
        int start = source.IndexOf($"private void {name}(int first, int last)", StringComparison.Ordinal);
        Assert.True(start >= 0, $"no method {name}");
        string indent = source.Substring(source.LastIndexOf('\n', start) + 1, start - source.LastIndexOf('\n', start) - 1);
        return source.Substring(start, source.IndexOf($"\n{indent}}}\n", start, StringComparison.Ordinal) - start);
    }

    [Fact]
    public void A_lone_step_that_only_moves_values_runs_in_place_without_a_segment()
    {
        var source = GeneratorHarness.Run("""
            using CompiledNets;
            [Network(Inputs = 64)]
            [Dense(300, Activation.ReLU)]
            [Dropout(0.3f)]
            [Dense(10, Activation.Softmax)]
            [Loss(LossFunction.CrossEntropy)]
            [Adam]
            public partial class Mlp;
            """).Source("Mlp.g.cs");
        Assert.DoesNotContain("Segment", source);
        Assert.Contains("DropoutBackward(_deltaB.AsSpan(0, rows * Dropout1Units), _dropout1Mask.AsSpan(0, rows * Dropout1Units));", ComputeGradients(source));
    }
}
