using static CompiledNets.Equivalence.Tests.Tolerance;

namespace CompiledNets.Equivalence.Tests;

/// <summary>
/// The comparison every equivalence test makes between a generated network and its interpreted twin, from equal
/// weights: inference outputs, loss, training outputs and gradients, then training steps, the parameters, optimizer
/// state and running statistics they reach, and inference after training. Tolerances are explained on <see cref="Tolerance"/>.
/// </summary>
public static class EngineAgreement
{
    /// <summary>
    /// Compares <paramref name="generated"/> and <paramref name="interpreted"/> (which must hold equal parameters and buffers)
    /// on a batch of <paramref name="batch"/> samples and over <paramref name="steps"/> training steps; with
    /// <paramref name="singleSamples"/> &gt; 0, also single-sample <c>Predict</c> of that many samples, before and after training.
    /// <paramref name="relativeAfterSteps"/> (default: <paramref name="relative"/>) bounds what follows training steps.
    /// With <paramref name="equalNoiseGradients"/>, each step is <c>ComputeGradients</c>, then <see cref="EqualNoiseGradients"/>,
    /// then <c>ApplyGradients</c>, in both engines.
    /// </summary>
    public static void AssertAgree(INetwork generated, INetwork interpreted, string what, int batch, int steps, int singleSamples = 0,
        double relative = Relative, bool equalNoiseGradients = false, double? relativeAfterSteps = null)
    {
        double relativeLater = relativeAfterSteps ?? relative;
        var (inputs, targets) = TestData.Batch(generated, batch, seed: 7 * batch + 1);
        var expected = new float[batch * generated.OutputSize];
        var actual = new float[batch * generated.OutputSize];
        generated.PredictBatch(inputs, expected, batch);
        interpreted.PredictBatch(inputs, actual, batch);
        AssertClose(expected, actual, $"{what} inference outputs", relative);
        AssertSingleSamplesAgree(generated, interpreted, inputs, Math.Min(singleSamples, batch), $"{what} Predict", afterSteps: false, relative);

        float lossG = generated.ComputeGradients(inputs, targets, batch);
        float lossI = interpreted.ComputeGradients(inputs, targets, batch);
        AssertClose(lossG, lossI, $"{what} loss", relative);
        AssertClose(generated.TrainingOutputs, interpreted.TrainingOutputs, $"{what} training outputs", relative);
        AssertGradientsClose(generated, interpreted, $"{what} gradient", relative: relative);

        for (int step = 1; step <= steps; step++)
        {
            var (x, t) = TestData.Batch(generated, batch, seed: 1000 * step + batch);
            SyncDeadBiases(generated, interpreted);
            if (equalNoiseGradients)
            {
                lossG = generated.ComputeGradients(x, t, batch);
                lossI = interpreted.ComputeGradients(x, t, batch);
                EqualNoiseGradients(generated, interpreted);
                generated.ApplyGradients();
                interpreted.ApplyGradients();
            }
            else
            {
                lossG = generated.TrainBatch(x, t, batch);
                lossI = interpreted.TrainBatch(x, t, batch);
            }
            AssertClose(lossG, lossI, $"{what} loss of step {step}", relativeLater);
        }
        Assert.Equal(generated.OptimizerStep, interpreted.OptimizerStep);
        AssertGradientsClose(generated, interpreted, $"{what} gradient of step {steps}", afterSteps: true, relativeLater);
        AssertTensorsClose(generated, interpreted, TensorStorage.Parameters, $"{what} after {steps} steps:", afterSteps: true, relativeLater);
        AssertTensorsClose(generated, interpreted, TensorStorage.OptimizerState, $"{what} after {steps} steps:", afterSteps: true, relativeLater);
        // Batch-norm running statistics, moved by every training forward pass.
        AssertTensorsClose(generated, interpreted, TensorStorage.Buffers, $"{what} after {steps} steps:", afterSteps: true, relativeLater);

        // Inference after training reads the trained parameters and running statistics (a dead bias is live again
        // at inference, against the fixed running mean: equal it once more after the last step moved it by noise).
        SyncDeadBiases(generated, interpreted);
        generated.PredictBatch(inputs, expected, batch);
        interpreted.PredictBatch(inputs, actual, batch);
        AssertCloseInNorm(expected, actual, $"{what} inference outputs after {steps} steps", relativeLater);
        AssertSingleSamplesAgree(generated, interpreted, inputs, Math.Min(singleSamples, batch), $"{what} Predict after {steps} steps", afterSteps: true, relativeLater);
    }

    /// <summary>
    /// Gradient elements below <see cref="DeadGradient"/> of their tensor's largest, in both engines, are zero up to rounding:
    /// a bias behind a batch norm, a Maxout piece that wins for every sample of the batch, a ReLU unit active for all of
    /// them. A normalising optimizer (AdaGrad, RMSprop, Adam) moves such an element by the full learning rate, in a
    /// direction the rounding picks. Copying the generated engine's value into the interpreted one before the step keeps
    /// those elements equal, so the step is compared where it has a direction.
    /// </summary>
    public static void EqualNoiseGradients(INetwork generated, INetwork interpreted)
    {
        // Also noise: what is negligible next to the network's largest gradient, such as everything before a batch norm
        // that sees one value per channel (a batch of one), whose gradient vanishes in exact arithmetic.
        double networkNoise = DeadGradient * Math.Max(MaxMagnitude(generated.Gradients), MaxMagnitude(interpreted.Gradients));
        foreach (var tensor in generated.Tensors.Where(t => t.Storage == TensorStorage.Parameters))
        {
            var a = generated.Gradients.Slice(tensor.Offset, tensor.Length);
            var twin = interpreted.Tensors.Single(t => t.Name == tensor.Name);
            var b = interpreted.Gradients.Slice(twin.Offset, twin.Length);
            double noise = Math.Max(networkNoise, DeadGradient * Math.Max(MaxMagnitude(a), MaxMagnitude(b)));
            for (int i = 0; i < a.Length; i++)
                if (Math.Abs(a[i]) <= noise && Math.Abs(b[i]) <= noise) b[i] = a[i];
        }
    }

    private static float MaxMagnitude(ReadOnlySpan<float> values) => values.IsEmpty ? 0f : System.Numerics.Tensors.TensorPrimitives.MaxMagnitude(values) is var m ? Math.Abs(m) : 0f;

    private static void AssertSingleSamplesAgree(INetwork generated, INetwork interpreted, float[] inputs, int samples, string what, bool afterSteps, double relative)
    {
        int inSize = generated.InputSize, outSize = generated.OutputSize;
        var expected = new float[outSize];
        var actual = new float[outSize];
        for (int s = 0; s < samples; s++)
        {
            var input = inputs.AsSpan(s * inSize, inSize);
            generated.Predict(input, expected);
            interpreted.Predict(input, actual);
            if (afterSteps) AssertCloseInNorm(expected, actual, $"{what} of sample {s}", relative);
            else AssertClose(expected, actual, $"{what} of sample {s}", relative);
        }
    }
}
