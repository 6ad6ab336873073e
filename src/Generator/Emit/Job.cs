namespace CompiledNets.Generator.Emit;

/// <summary>
/// One splittable product or step: the delegate field the pool runs, the method computing a range of it, and how the
/// range is partitioned (the count and the granularity of the boundaries).
/// </summary>
internal sealed record Job(string Field, string Method, string Count, int Granularity)
{
    /// <summary>The delegate, created once in the constructor: part → its range → the method.</summary>
    public string Delegate => $"part => {{ var (first, last) = PartitionOf({Count}, {Granularity}, part); {Method}(first, last); }}";
}
