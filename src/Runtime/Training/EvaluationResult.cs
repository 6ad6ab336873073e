namespace CompiledNets;

/// <summary>What <c>Evaluate</c> returns.</summary>
/// <param name="Loss">Mean loss over the samples, in inference mode.</param>
/// <param name="Accuracy">Fraction of samples classified correctly; NaN for regression losses.</param>
/// <param name="Count">Number of samples evaluated.</param>
public sealed record EvaluationResult(float Loss, float Accuracy, int Count)
{
    /// <summary>Actual against predicted classes, for classification losses (null for regression).</summary>
    public ConfusionMatrix? Confusion { get; init; }
}
