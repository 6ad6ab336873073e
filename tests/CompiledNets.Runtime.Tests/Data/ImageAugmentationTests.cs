using CompiledNets.Kernels;

namespace CompiledNets.Runtime.Tests.Data;

public class ImageAugmentationTests
{
    private static float[] RandomImages(int count, int pixels, int seed)
    {
        var random = new SeededRandom(seed);
        var images = new float[count * pixels];
        for (int i = 0; i < images.Length; i++) images[i] = random.NextFloat();
        return images;
    }

    [Fact]
    public void The_same_seed_gives_the_same_augmented_batches()
    {
        var original = RandomImages(8, 784, 1);
        float[] Augment(int seed, int batches)
        {
            var augmentation = new ImageAugmentation(maxShift: 3, maxRotationDegrees: 15, noiseStdDev: 0.1f, seed: seed);
            var images = original.ToArray();
            for (int b = 0; b < batches; b++) augmentation.Apply(images, 8);
            return images;
        }
        Assert.Equal(Augment(5, 2), Augment(5, 2));
        Assert.NotEqual(Augment(5, 2), Augment(6, 2));
        Assert.NotEqual(original, Augment(5, 1));
    }

    [Fact]
    public void Reset_restarts_the_random_stream()
    {
        var augmentation = new ImageAugmentation(maxShift: 2, maxRotationDegrees: 10, noiseStdDev: 0.05f, seed: 9);
        var original = RandomImages(4, 784, 2);
        var first = original.ToArray();
        augmentation.Apply(first, 4);
        augmentation.Reset();
        var again = original.ToArray();
        augmentation.Apply(again, 4);
        Assert.Equal(first, again);
    }

    [Fact]
    public void Shift_moves_a_known_image_and_fills_with_zeros()
    {
        // 4 wide, 3 high, pixel (x, y) = 1 + x + 4y.
        float[] image = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12];
        var shifted = new float[12];
        ImageAugmentation.Shift(image, shifted, width: 4, height: 3, dx: 1, dy: -1);
        Assert.Equal([0, 5, 6, 7, 0, 9, 10, 11, 0, 0, 0, 0], shifted);
        ImageAugmentation.Shift(image, shifted, 4, 3, -2, 1);
        Assert.Equal([0, 0, 0, 0, 3, 4, 0, 0, 7, 8, 0, 0], shifted);
        ImageAugmentation.Shift(image, shifted, 4, 3, 0, 0);
        Assert.Equal(image, shifted);
        ImageAugmentation.Shift(image, shifted, 4, 3, 4, 0);
        Assert.All(shifted, v => Assert.Equal(0f, v));
    }

    [Fact]
    public void A_shift_only_augmentation_produces_an_exact_shift_of_each_image()
    {
        const int size = 28, maxShift = 2;
        var original = RandomImages(16, size * size, 3);
        var augmented = original.ToArray();
        new ImageAugmentation(maxShift: maxShift, maxRotationDegrees: 0, seed: 4).Apply(augmented, 16);
        var candidate = new float[size * size];
        var shiftsSeen = new HashSet<(int, int)>();
        for (int i = 0; i < 16; i++)
        {
            var source = original.AsSpan(i * size * size, size * size);
            var result = augmented.AsSpan(i * size * size, size * size).ToArray();
            bool matched = false;
            for (int dy = -maxShift; dy <= maxShift && !matched; dy++)
                for (int dx = -maxShift; dx <= maxShift && !matched; dx++)
                {
                    ImageAugmentation.Shift(source, candidate, size, size, dx, dy);
                    if (candidate.AsSpan().SequenceEqual(result))
                    {
                        matched = true;
                        shiftsSeen.Add((dx, dy));
                    }
                }
            Assert.True(matched, $"image {i} is not an exact shift of at most {maxShift} pixels");
        }
        Assert.True(shiftsSeen.Count > 3, "the shifts should vary between images");
    }

    [Fact]
    public void Rotating_a_quarter_turn_permutes_the_pixels_counter_clockwise()
    {
        // a b c      c f i
        // d e f  ->  b e h
        // g h i      a d g
        float[] image = [1, 2, 3, 4, 5, 6, 7, 8, 9];
        var rotated = new float[9];
        ImageAugmentation.Rotate(image, rotated, 3, 3, 90);
        float[] expected = [3, 6, 9, 2, 5, 8, 1, 4, 7];
        for (int i = 0; i < 9; i++) Assert.Equal(expected[i], rotated[i], 4);
    }

    [Fact]
    public void Rotating_by_zero_with_an_integer_offset_is_the_exact_shift()
    {
        var image = RandomImages(1, 28 * 28, 5);
        var rotated = new float[28 * 28];
        var shifted = new float[28 * 28];
        ImageAugmentation.Rotate(image, rotated, 28, 28, 0, dx: 2, dy: -1);
        ImageAugmentation.Shift(image, shifted, 28, 28, 2, -1);
        Assert.Equal(shifted, rotated);
    }

    [Fact]
    public void A_small_rotation_keeps_a_centred_blob_roughly_in_place()
    {
        var image = new float[28 * 28];
        for (int y = 10; y < 18; y++) for (int x = 10; x < 18; x++) image[y * 28 + x] = 1;
        var rotated = new float[28 * 28];
        ImageAugmentation.Rotate(image, rotated, 28, 28, 10);
        Assert.Equal(image.Sum(), rotated.Sum(), 1.0); // area is preserved by a rotation
        Assert.Equal(1f, rotated[14 * 28 + 14], 5);    // the centre stays covered
        Assert.Equal(0f, rotated[0]);
    }

    [Fact]
    public void Noise_has_the_requested_mean_and_standard_deviation()
    {
        const int images = 40, pixels = 784;
        var batch = Enumerable.Repeat(0.5f, images * pixels).ToArray();
        new ImageAugmentation(maxShift: 0, maxRotationDegrees: 0, noiseStdDev: 0.1f, seed: 6).Apply(batch, images);
        double mean = batch.Average(v => (double)v);
        double std = Math.Sqrt(batch.Average(v => (v - mean) * (v - mean)));
        Assert.Equal(0.5, mean, 0.003);  // standard error 0.1 / sqrt(31360) ≈ 0.0006
        Assert.Equal(0.1, std, 0.003);
    }

    [Fact]
    public void Every_value_stays_in_the_unit_interval()
    {
        var batch = RandomImages(32, 784, 7);
        var augmentation = new ImageAugmentation(maxShift: 3, maxRotationDegrees: 20, noiseStdDev: 0.5f, seed: 8);
        augmentation.Apply(batch, 32);
        Assert.All(batch, v => Assert.InRange(v, 0f, 1f));
        Assert.Contains(batch, v => v == 0f);
        Assert.Contains(batch, v => v == 1f);
    }

    [Fact]
    public void Applying_a_batch_does_not_allocate()
    {
        var batch = RandomImages(64, 784, 9);
        var augmentation = new ImageAugmentation(maxShift: 2, maxRotationDegrees: 10, noiseStdDev: 0.05f, seed: 1);
        // Warm up both entry points first: the runtime's first calls (delegate stubs, tiering) may allocate on this thread.
        for (int i = 0; i < 3; i++)
        {
            augmentation.Apply(batch, 64);
            augmentation.Transform(batch, 64);
        }
        long before = GC.GetAllocatedBytesForCurrentThread();
        augmentation.Apply(batch, 64);
        augmentation.Transform(batch, 64);
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Fact]
    public void It_plugs_into_a_batch_loader_and_leaves_the_dataset_unchanged()
    {
        var features = RandomImages(10, 784, 10);
        var data = Dataset.FromLabels(features.ToArray(), 784, new int[10], 2);
        float[] FirstBatch(int seed)
        {
            var loader = new BatchLoader(data, 10, shuffle: false) { Transform = new ImageAugmentation(noiseStdDev: 0.1f, seed: seed).Transform };
            loader.StartEpoch();
            return loader.GetBatch(0).Inputs.ToArray();
        }
        var augmented = FirstBatch(1);
        Assert.NotEqual(features, augmented);
        Assert.Equal(augmented, FirstBatch(1));
        Assert.Equal(features, data.Features.ToArray());
    }

    [Fact]
    public void A_batch_of_the_wrong_size_names_the_image_size()
    {
        var augmentation = new ImageAugmentation(width: 28, height: 28);
        var error = Assert.Throws<ArgumentException>(() => augmentation.Apply(new float[100], 1));
        Assert.Contains("28×28", error.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => new ImageAugmentation(maxRotationDegrees: 200));
        Assert.Throws<ArgumentOutOfRangeException>(() => new ImageAugmentation(noiseStdDev: -1));
    }
}
