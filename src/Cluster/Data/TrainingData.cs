namespace CompiledNets.Cluster;

/// <summary>
/// What a named data source yields on a silo: the training samples, and optionally validation samples (the sweep's
/// objective is computed on them) and test samples (reported for every trial, never used to choose one).
/// </summary>
/// <param name="Train">Samples trials and workers train on.</param>
/// <param name="Validation">Samples evaluated after every epoch (val_loss, val_accuracy); null when the source has none.</param>
/// <param name="Test">Held-out samples evaluated once when a trial ends; null when the source has none.</param>
public sealed record TrainingData(Dataset Train, Dataset? Validation = null, Dataset? Test = null)
{
    /// <summary>Checks that the parts are non-empty and of one shape.</summary>
    internal void Validate(string name)
    {
        ArgumentNullException.ThrowIfNull(Train, nameof(Train));
        if (Train.Count == 0) throw new InvalidDataException($"Data source '{name}' has no training samples.");
        foreach (var (part, data) in new[] { ("validation", Validation), ("test", Test) })
        {
            if (data is null) continue;
            if (data.Count == 0) throw new InvalidDataException($"Data source '{name}' has an empty {part} set; leave it null instead.");
            if (data.FeatureCount != Train.FeatureCount || data.TargetCount != Train.TargetCount)
                throw new InvalidDataException($"Data source '{name}': the {part} set has {data.FeatureCount} features and {data.TargetCount} targets per sample, the training set {Train.FeatureCount} and {Train.TargetCount}.");
        }
    }
}
