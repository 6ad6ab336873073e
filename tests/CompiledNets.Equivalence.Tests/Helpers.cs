namespace CompiledNets.Equivalence.Tests;

public static class ThreadSafety
{
    /// <summary>A few threads predict the same samples concurrently on one network; every result equals the single-threaded one bit for bit.</summary>
    public static void AssertPredictIsThreadSafe(INetwork network, int threads = 4, int rounds = 200)
    {
        const int samples = 16;
        var (inputs, _) = TestData.Batch(network, samples, seed: 11);
        int inSize = network.InputSize, outSize = network.OutputSize;
        var expected = new float[samples * outSize];
        for (int s = 0; s < samples; s++) network.Predict(inputs.AsSpan(s * inSize, inSize), expected.AsSpan(s * outSize, outSize));

        var failures = new System.Collections.Concurrent.ConcurrentBag<string>();
        using var start = new Barrier(threads);
        var workers = Enumerable.Range(0, threads).Select(id => new Thread(() =>
        {
            var output = new float[outSize];
            start.SignalAndWait();
            for (int round = 0; round < rounds; round++)
            {
                int s = (round + id * 5) % samples;
                network.Predict(inputs.AsSpan(s * inSize, inSize), output);
                if (!output.AsSpan().SequenceEqual(expected.AsSpan(s * outSize, outSize)))
                    failures.Add($"thread {id}, round {round}, sample {s}");
            }
        })).ToList();
        workers.ForEach(t => t.Start());
        workers.ForEach(t => t.Join());
        Assert.True(failures.IsEmpty, $"{network.GetType().Name}: concurrent Predict differed: {string.Join("; ", failures.Take(5))}");
    }
}

public static class Allocations
{
    public static void AssertNoAllocations(INetwork network, string what)
    {
        int batch = Math.Min(16, network.MaxBatchSize);
        var (inputs, targets) = TestData.Batch(network, batch, seed: 3);
        var output = new float[network.OutputSize];
        var outputs = new float[batch * network.OutputSize];
        var one = inputs.AsSpan(0, network.InputSize).ToArray();
        // Warm-up: JIT, tiering, lazy statics.
        for (int i = 0; i < 50; i++)
        {
            network.TrainBatch(inputs, targets, batch);
            network.Predict(one, output);
            network.PredictBatch(inputs, outputs, batch);
        }
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 20; i++) network.TrainBatch(inputs, targets, batch);
        long train = GC.GetAllocatedBytesForCurrentThread() - before;
        before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 20; i++) network.Predict(one, output);
        long predict = GC.GetAllocatedBytesForCurrentThread() - before;
        before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 20; i++) network.PredictBatch(inputs, outputs, batch);
        long predictBatch = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.True(train == 0 && predict == 0 && predictBatch == 0,
            $"{what}: allocated {train} B in 20 TrainBatch, {predict} B in 20 Predict, {predictBatch} B in 20 PredictBatch");
    }
}
