namespace CompiledNets;

/// <summary>The training objective; the reported loss is always the mean over the batch.</summary>
public enum LossFunction
{
    /// <summary>Mean of the squared errors over every output of every sample (PyTorch <c>MSELoss</c>).</summary>
    MeanSquaredError,
    /// <summary>Binary cross-entropy averaged over every output; pair it with a sigmoid output.</summary>
    BinaryCrossEntropy,
    /// <summary>Categorical cross-entropy on one-hot (or soft) targets; pair it with a softmax output.</summary>
    CrossEntropy,
}
