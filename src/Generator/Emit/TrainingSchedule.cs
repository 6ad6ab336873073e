using System.Collections.Generic;
using System.Linq;

namespace CompiledNets.Generator.Emit;

/// <summary>
/// The order of a training step's statements: the layers' <see cref="TrainingStep"/>s, forward then backward, with each
/// run of consecutive per-sample steps gathered into a <see cref="TrainingSegment"/>. A segment runs its steps block by
/// block of samples, so a block's activations are still in cache when the next layer reads them, and it is split across
/// the pool by samples: pooling, copies and activation derivatives share the cores as the products do.
/// </summary>
internal sealed class TrainingSchedule
{
    private TrainingSchedule(IReadOnlyList<ScheduledPart> forward, IReadOnlyList<ScheduledPart> backward)
    {
        Forward = forward;
        Backward = backward;
    }

    public IReadOnlyList<ScheduledPart> Forward { get; }

    public IReadOnlyList<ScheduledPart> Backward { get; }

    /// <summary>The segments that get a method and a pool job, in the order they run.</summary>
    public IEnumerable<TrainingSegment> Segments => Forward.Concat(Backward).OfType<TrainingSegment>().Where(s => s.HasMethod);

    /// <summary>
    /// Floats of one block of a segment's samples that should stay in a core's L2 (half of a 1 MB L2: the weights and
    /// the next layer's reads need the rest).
    /// </summary>
    public const long BlockBudgetFloats = 128 * 1024;

    /// <summary>Most samples in one block: enough that each kernel call amortises reading its weights.</summary>
    public const int MaxBlockRows = 16;

    /// <param name="backwardSteps">The backward pass's layers, last first, each with the steps of its backward pass.</param>
    public static TrainingSchedule Build(IEnumerable<(LayerPlan Layer, IEnumerable<TrainingStep> Steps)> forwardSteps,
        IEnumerable<(LayerPlan Layer, IEnumerable<TrainingStep> Steps)> backwardSteps) =>
        new(Gather(forwardSteps, "ForwardSegment"), Gather(backwardSteps, "BackwardSegment"));

    private static List<ScheduledPart> Gather(IEnumerable<(LayerPlan Layer, IEnumerable<TrainingStep> Steps)> layers, string methodPrefix)
    {
        int number = 0; // of the segments with a method, so their names run without gaps
        var parts = new List<ScheduledPart>();
        List<(LayerPlan, TrainingStep)>? run = null;
        var layouts = new Dictionary<string, long>(); // each shared buffer's sample size within the run
        var deferred = new List<ScheduledPart>(); // whole-batch steps waiting for the run to end
        void Close()
        {
            if (run is not null)
            {
                var segment = new TrainingSegment(methodPrefix + number, run);
                if (segment.HasMethod) number++;
                parts.Add(segment);
            }
            run = null;
            layouts.Clear();
            parts.AddRange(deferred);
            deferred.Clear();
        }
        foreach (var (layer, steps) in layers)
        {
            foreach (var step in steps)
            {
                if (step.IsPerSample)
                {
                    if (step.SharedBuffers.Any(b => layouts.TryGetValue(b.Buffer, out var size) && size != b.PerSample)) Close();
                    foreach (var b in step.SharedBuffers) layouts[b.Buffer] = b.PerSample;
                    (run ??= new()).Add((layer, step));
                    continue;
                }
                if (step.Deferrable && run is not null)
                {
                    deferred.Add(new WholeBatchPart(layer, step));
                    continue;
                }
                Close();
                parts.Add(new WholeBatchPart(layer, step));
            }
        }
        Close();
        return parts;
    }
}

/// <summary>A part of a training pass: one whole-batch step, or a segment of per-sample steps.</summary>
internal abstract class ScheduledPart
{
}

internal sealed class WholeBatchPart : ScheduledPart
{
    public WholeBatchPart(LayerPlan layer, TrainingStep step)
    {
        Layer = layer;
        Step = step;
    }

    public LayerPlan Layer { get; }

    public TrainingStep Step { get; }
}

/// <summary>Consecutive per-sample steps, run together over blocks of samples.</summary>
internal sealed class TrainingSegment : ScheduledPart
{
    public TrainingSegment(string method, IReadOnlyList<(LayerPlan Layer, TrainingStep Step)> steps)
    {
        Method = method;
        Steps = steps;
    }

    /// <summary>The method running the segment for samples [first, last).</summary>
    public string Method { get; }

    /// <summary>The pool's delegate for it.</summary>
    public string JobField => "_" + char.ToLowerInvariant(Method[0]) + Method.Substring(1);

    public IReadOnlyList<(LayerPlan Layer, TrainingStep Step)> Steps { get; }

    public IEnumerable<LayerPlan> Layers => Steps.Select(s => s.Layer).Distinct();

    public long CostPerSample => Steps.Sum(s => s.Step.CostPerSample);

    /// <summary>
    /// Whether the segment gets a method and a pool job. A lone step with no product in it (a dropout mask applied, a
    /// copy) runs in place over the whole batch: there is no next layer to keep a block in cache for, and moving values is
    /// rarely worth a second core.
    /// </summary>
    public bool HasMethod => Steps.Count > 1 || Steps[0].Step.FlopsPerSample > 0;

    /// <summary>The layers it runs, for comments: <c>conv1, maxpool1, conv2</c>.</summary>
    public string LayerNames => string.Join(", ", Layers.Select(l => l.Name));

    /// <summary>Samples per block: as many as keep a block's values within <see cref="TrainingSchedule.BlockBudgetFloats"/>, at least one.</summary>
    public int BlockRows
    {
        get
        {
            long floats = System.Math.Max(1, Steps.Sum(s => s.Step.FloatsPerSample));
            return (int)System.Math.Max(1, System.Math.Min(TrainingSchedule.MaxBlockRows, TrainingSchedule.BlockBudgetFloats / floats));
        }
    }
}
