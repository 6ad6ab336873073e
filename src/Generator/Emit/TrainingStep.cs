using System;
using System.Collections.Generic;

namespace CompiledNets.Generator.Emit;

/// <summary>
/// One group of statements of a training pass. A whole-batch step sees the batch at once (a product split by outputs, a
/// batch statistic, a random stream drawn in order). A per-sample step computes each sample on its own, so it can run
/// for any range of samples: consecutive per-sample steps run together block by block, across the pool
/// (<see cref="TrainingSchedule"/>), and every sample gets the same result whatever range it falls in.
/// </summary>
internal sealed class TrainingStep
{
    private readonly Action<SourceWriter>? _wholeBatch;
    private readonly Action<SourceWriter, SampleRange>? _perSample;

    private TrainingStep(Action<SourceWriter>? wholeBatch, Action<SourceWriter, SampleRange>? perSample, long flopsPerSample, long floatsPerSample,
        IReadOnlyList<SharedRows> sharedBuffers, bool deferrable)
    {
        _wholeBatch = wholeBatch;
        _perSample = perSample;
        FlopsPerSample = flopsPerSample;
        FloatsPerSample = floatsPerSample;
        SharedBuffers = sharedBuffers;
        Deferrable = deferrable;
    }

    /// <summary>
    /// Statements over the batch's <c>rows</c> samples. A <paramref name="deferrable"/> one reads only buffers no later step
    /// of the pass writes (a weight gradient: the layer's own input and output gradient), so it may wait until the segment
    /// around it ends instead of cutting it in two.
    /// </summary>
    public static TrainingStep WholeBatch(Action<SourceWriter> emit, bool deferrable = false) => new(emit, null, 0, 0, Array.Empty<SharedRows>(), deferrable);

    public bool Deferrable { get; }

    /// <summary>
    /// Statements over the samples of a <see cref="SampleRange"/>: <paramref name="flopsPerSample"/> multiply-add FLOPs and
    /// <paramref name="floatsPerSample"/> values read or written for each sample; <paramref name="sharedBuffers"/> are the
    /// buffers it uses that other layers use too, with this layer's sample size in them (the backward pass's deltas).
    /// </summary>
    public static TrainingStep PerSample(Action<SourceWriter, SampleRange> emit, long flopsPerSample, long floatsPerSample, params SharedRows[] sharedBuffers) =>
        new(null, emit, flopsPerSample, floatsPerSample, sharedBuffers, false);

    /// <summary>
    /// Buffers this step shares with other layers' steps. Two steps that lay one out with different sample sizes cannot
    /// share a segment: a block written at one size would overwrite samples another block has yet to read at the other.
    /// </summary>
    public IReadOnlyList<SharedRows> SharedBuffers { get; }

    /// <summary>
    /// What moving one value costs, in FLOPs of a product: about what one core streams through its caches in the time
    /// its FMA units do that many FLOPs. It only decides whether a step is worth splitting across cores.
    /// </summary>
    public const long ValueCost = 16;

    public bool IsPerSample => _perSample is not null;

    /// <summary>Work of one sample, in FLOPs (values moved counted at <see cref="ValueCost"/>): decides whether the pool takes it.</summary>
    public long CostPerSample => FlopsPerSample + ValueCost * FloatsPerSample;

    /// <summary>Multiply-add FLOPs of one sample: none for a step that only moves values.</summary>
    public long FlopsPerSample { get; }

    /// <summary>Values one sample reads or writes: sizes the blocks of samples that stay in cache between steps.</summary>
    public long FloatsPerSample { get; }

    public void Emit(SourceWriter w) => _wholeBatch!(w);

    public void Emit(SourceWriter w, SampleRange range) => _perSample!(w, range);
}

/// <summary>The samples [<see cref="First"/>, <see cref="Last"/>) a per-sample step runs on, as expressions.</summary>
internal readonly struct SampleRange
{
    public SampleRange(string first, string last, string origin)
    {
        First = first;
        Last = last;
        Origin = origin;
    }

    public string First { get; }

    /// <summary>
    /// The first sample of the thread's whole share, at or before <see cref="First"/>: values a step needs only while it
    /// runs a block (not after the segment) can live from this sample's place on, so every block of the thread reuses the
    /// same memory and it stays in cache.
    /// </summary>
    public string Origin { get; }

    public string Last { get; }

    /// <summary>Whether the range starts at the batch's first sample (the whole batch): the expressions drop the offset.</summary>
    private bool FromStart => First == "0";

    /// <summary>How many samples: <c>(last - first)</c>.</summary>
    public string Count => FromStart ? Last : $"({Last} - {First})";

    /// <summary>A reference to the first sample's values in a buffer of <paramref name="perSample"/> values per sample.</summary>
    public string Ref(string buffer, string perSample) => FromStart ? $"ref {buffer}[0]" : $"ref {buffer}[{First} * {perSample}]";

    /// <summary>The range's values in a buffer of <paramref name="perSample"/> values per sample.</summary>
    public string Span(string buffer, string perSample) => $"{buffer}.AsSpan({(FromStart ? "0" : $"{First} * {perSample}")}, {Count} * {perSample})";
}

/// <summary>A buffer several layers use in turn, and the values one sample takes in it for one of them.</summary>
internal readonly record struct SharedRows(string Buffer, long PerSample);
