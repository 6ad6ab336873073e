namespace CompiledNets.Cluster;

/// <summary>The settings of <c>AddCompiledNets</c> a silo's grains read.</summary>
/// <param name="TrialsPerSilo">Trials a silo trains at once (the sweep coordinator assumes every silo has the same).</param>
/// <param name="MonitorPeriod">How often a coordinator checks its running trials' silos and workers.</param>
internal sealed record ClusterSettings(int TrialsPerSilo, TimeSpan MonitorPeriod);
