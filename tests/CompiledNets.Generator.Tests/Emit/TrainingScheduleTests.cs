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
        Assert.Contains("// conv1, maxpool1, conv2, maxpool2, flatten1: sample by sample, in ForwardSegment0", body);
        // The mask is drawn from one stream in sample order: a whole-batch step after the segment.
        Assert.True(body.IndexOf("RunAcrossCores(_forwardSegment0)", StringComparison.Ordinal) < body.IndexOf("DropoutTraining(", StringComparison.Ordinal));
        Assert.Contains("private void ForwardSegment0(int first, int last)", source);
    }

    [Fact]
    public void Backward_segments_end_where_a_delta_buffer_would_change_its_sample_size()
    {
        var body = ComputeGradients(KerasConvnet());
        // dropout1, maxpool2 and conv2's derivative read and write their deltas at matching sizes: one segment.
        Assert.Contains("// dropout1, maxpool2, conv2: sample by sample, in BackwardSegment0", body);
        // conv2's input gradient writes _deltaB at 32 × 13 × 13 a sample, where dropout1 and maxpool2 read it at 1,600:
        // a new segment, which maxpool1 and conv1's derivative join (_deltaA at 32 × 26 × 26 from there on).
        Assert.Contains("// conv2, maxpool1, conv1: sample by sample, in BackwardSegment1", body);
        Assert.DoesNotContain("BackwardSegment2", body);
    }

    [Fact]
    public void Weight_gradients_wait_for_the_segment_they_would_cut()
    {
        var body = ComputeGradients(KerasConvnet());
        // Each sums over the whole batch but reads only its own layer's buffers: both run after the last segment, in order.
        int segment = body.IndexOf("RunAcrossCores(_backwardSegment1)", StringComparison.Ordinal);
        int conv2 = body.IndexOf("RunAcrossCores(_conv2WeightGradient)", StringComparison.Ordinal);
        int conv1 = body.IndexOf("RunAcrossCores(_conv1WeightGradient)", StringComparison.Ordinal);
        Assert.True(segment >= 0 && segment < conv2 && conv2 < conv1, "expected BackwardSegment1, then conv2's weight gradient, then conv1's");
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
