using CompiledNets.Kernels;
using CompiledNets.Runtime.Tests.Callbacks;
using CompiledNets.Tests.Shared;

namespace CompiledNets.Runtime.Tests.Ensembles;

public class EnsembleTests
{
    [Fact]
    public void The_prediction_is_the_mean_of_the_members_predictions()
    {
        var a = new EnsembleBlobNet(seed: 1);
        var b = new EnsembleBlobNet(seed: 2);
        var c = new EnsembleBlobNet(seed: 3);
        var ensemble = new Ensemble(a, b, c);
        float[] input = [0.3f, -1.2f];
        float[] pa = new float[3], pb = new float[3], pc = new float[3], mean = new float[3];
        a.Predict(input, pa);
        b.Predict(input, pb);
        c.Predict(input, pc);
        ensemble.Predict(input, mean);
        for (int j = 0; j < 3; j++) Assert.Equal((pa[j] + pb[j] + pc[j]) / 3, mean[j], 6);
        Assert.Equal(1f, mean.Sum(), 5);
    }

    [Fact]
    public void A_batch_larger_than_a_chunk_matches_sample_by_sample_prediction()
    {
        var ensemble = new Ensemble(new EnsembleBlobNet(seed: 4), new EnsembleBlobNet(seed: 5));
        const int rows = 600;
        var random = new SeededRandom(1);
        var inputs = new float[rows * 2];
        for (int i = 0; i < inputs.Length; i++) inputs[i] = random.NextGaussian();
        var batch = new float[rows * 3];
        ensemble.PredictBatch(inputs, batch, rows);
        var one = new float[3];
        for (int r = 0; r < rows; r++)
        {
            ensemble.Predict(inputs.AsSpan(r * 2, 2), one);
            // Batch and single-sample kernels may sum in different orders (broadcast vs dot form): float-rounding close.
            for (int j = 0; j < 3; j++) Assert.Equal(one[j], batch[r * 3 + j], 1e-6);
        }
    }

    [Fact]
    public void Hand_averaged_outputs_of_test_doubles()
    {
        var ensemble = new Ensemble(new FakeNetwork(outputSize: 2) { Scale = 1 }, new FakeNetwork(outputSize: 2) { Scale = 3 });
        var output = new float[2];
        ensemble.Predict([1f, 2f], output); // sums 3: members give (3, 4) and (9, 10)
        Assert.Equal([6f, 7f], output);
        var outputs = new float[4];
        ensemble.PredictBatch([1f, 2f, 0f, 1f], outputs, 2);
        Assert.Equal([6f, 7f, 2f, 3f], outputs);
    }

    [Fact]
    public void Members_must_share_shape_and_loss()
    {
        var shape = Assert.Throws<ArgumentException>(() => new Ensemble(new EnsembleBlobNet(seed: 1), new EnsembleOtherShapeNet(seed: 1)));
        Assert.Contains("Member 1 maps 2 inputs to 4 outputs, but member 0 maps 2 to 3", shape.Message);
        var loss = Assert.Throws<ArgumentException>(() => new Ensemble(new FakeNetwork(loss: LossFunction.MeanSquaredError), new FakeNetwork(loss: LossFunction.BinaryCrossEntropy)));
        Assert.Contains("BinaryCrossEntropy", loss.Message);
        Assert.Throws<ArgumentException>(() => new Ensemble());
    }

    [Fact]
    public void A_single_member_ensemble_evaluates_like_its_member()
    {
        var (train, test) = Pinwheel(seed: 7, trainCount: 200, testCount: 300);
        var member = new EnsembleBlobNet(seed: 11);
        member.Fit(train, epochs: 2, batchSize: 20, verbose: 0, seed: 1);
        var alone = member.Evaluate(test);
        var ensemble = new Ensemble(member).Evaluate(test, batchSize: 64);
        Assert.Equal(alone.Accuracy, ensemble.Accuracy);
        Assert.Equal(alone.Loss, ensemble.Loss, 5);
        Assert.Equal(alone.Count, ensemble.Count);
        Assert.Equal(member.PredictClasses(test), new Ensemble(member).PredictClasses(test));
    }

    [Fact]
    public void An_ensemble_of_differently_seeded_networks_is_at_least_as_accurate_as_its_average_member()
    {
        // A small training set and many epochs: the members fit it in different ways, which averaging smooths out
        // (measured: the ensemble beats the mean member by 1-2.6 points for three different sets of seeds).
        var (train, test) = Pinwheel(seed: 3, trainCount: 150, testCount: 2000);
        var members = new INetwork[5];
        for (int m = 0; m < members.Length; m++)
        {
            members[m] = new EnsembleWideNet(seed: 100 + m);
            members[m].Fit(train, epochs: 60, batchSize: 10, verbose: 0, seed: m);
        }
        var accuracies = members.Select(m => m.Evaluate(test).Accuracy).ToArray();
        var ensemble = new Ensemble(members).Evaluate(test);
        Assert.True(ensemble.Accuracy >= accuracies.Average(),
            $"ensemble {ensemble.Accuracy:F4}, members {string.Join(", ", accuracies.Select(a => a.ToString("F4")))}");
        Assert.True(ensemble.Accuracy > 0.75f, $"ensemble {ensemble.Accuracy:F4}: the task was not learned");
    }

    /// <summary>
    /// Points uniform in [-1, 1]²; the class of a point turns with its angle and its radius (three interleaved
    /// spiral arms), so the boundary is curved and a small network fits it only approximately.
    /// </summary>
    private static (Dataset Train, Dataset Test) Pinwheel(int seed, int trainCount, int testCount)
    {
        var random = new SeededRandom(seed);
        Dataset Make(int count)
        {
            var features = new float[count * 2];
            var labels = new int[count];
            for (int i = 0; i < count; i++)
            {
                float x = random.NextFloat(-1, 1), y = random.NextFloat(-1, 1);
                double radius = Math.Sqrt(x * x + y * y), angle = Math.Atan2(y, x);
                labels[i] = (int)Math.Floor((angle / (2 * Math.PI) + 0.5) * 3 + radius * 2) % 3;
                features[2 * i] = x;
                features[2 * i + 1] = y;
            }
            return Dataset.FromLabels(features, 2, labels, 3);
        }
        return (Make(trainCount), Make(testCount));
    }
}
