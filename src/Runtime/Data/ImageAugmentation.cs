using System.Numerics.Tensors;
using CompiledNets.Kernels;

namespace CompiledNets;

/// <summary>
/// Seeded augmentation of single-channel images (28×28 by default, any width × height) stored row-major, one image
/// per row of a batch: a random shift, a small random rotation and Gaussian noise, with the result clamped to
/// [0, 1]. Made to be a <see cref="BatchLoader.Transform"/>: <c>loader.Transform = augmentation.Transform;</c>.
/// </summary>
/// <remarks>
/// <para>
/// For each image, in this order: a shift <c>(dx, dy)</c> drawn uniformly from the integers in
/// <c>[-MaxShift, MaxShift]</c> and an angle drawn uniformly from <c>[-MaxRotationDegrees, MaxRotationDegrees]</c>
/// (positive is counter-clockwise as displayed, about the image centre) are applied together as one resampling
/// (bilinear; pixels from outside the image are 0, the background of MNIST-style data); then, when
/// <see cref="NoiseStdDev"/> is positive, independent Gaussian noise is added to every pixel. Finally every pixel is
/// clamped to [0, 1], so the inputs are expected to be scaled to [0, 1] (not standardised).
/// </para>
/// <para>
/// Random numbers come from one <see cref="SeededRandom"/> stream owned by the instance: the same seed gives the same
/// sequence of augmented batches on every machine. The scratch image is allocated once; <see cref="Apply"/> does not
/// allocate. An instance is not thread-safe.
/// </para>
/// </remarks>
public sealed class ImageAugmentation
{
    private readonly float[] _scratch;
    private SeededRandom _random;

    /// <summary>Creates an augmentation.</summary>
    /// <param name="width">Image width in pixels.</param>
    /// <param name="height">Image height in pixels.</param>
    /// <param name="maxShift">Largest shift in pixels along each axis (0 disables shifting).</param>
    /// <param name="maxRotationDegrees">Largest rotation in degrees either way (0 disables rotating); at most 180.</param>
    /// <param name="noiseStdDev">Standard deviation of the added Gaussian noise (0 disables it).</param>
    /// <param name="seed">Seed of the random stream.</param>
    public ImageAugmentation(int width = 28, int height = 28, int maxShift = 2, float maxRotationDegrees = 10, float noiseStdDev = 0, int seed = 0)
    {
        if (width <= 0) throw new ArgumentOutOfRangeException(nameof(width), width, "The width must be positive.");
        if (height <= 0) throw new ArgumentOutOfRangeException(nameof(height), height, "The height must be positive.");
        if (maxShift < 0 || maxShift >= Math.Max(width, height))
            throw new ArgumentOutOfRangeException(nameof(maxShift), maxShift, "The shift must be in [0, image size).");
        if (!(maxRotationDegrees >= 0 && maxRotationDegrees <= 180))
            throw new ArgumentOutOfRangeException(nameof(maxRotationDegrees), maxRotationDegrees, "The rotation must be in [0, 180] degrees.");
        if (!(noiseStdDev >= 0) || float.IsInfinity(noiseStdDev))
            throw new ArgumentOutOfRangeException(nameof(noiseStdDev), noiseStdDev, "The noise standard deviation must be finite and not negative.");
        Width = width;
        Height = height;
        MaxShift = maxShift;
        MaxRotationDegrees = maxRotationDegrees;
        NoiseStdDev = noiseStdDev;
        Seed = seed;
        _random = new SeededRandom(seed);
        _scratch = new float[width * height];
        Transform = Apply;
    }

    /// <summary>Image width in pixels.</summary>
    public int Width { get; }

    /// <summary>Image height in pixels.</summary>
    public int Height { get; }

    /// <summary>Pixels per image (<see cref="Width"/> × <see cref="Height"/>).</summary>
    public int PixelCount => Width * Height;

    /// <summary>Largest shift in pixels along each axis.</summary>
    public int MaxShift { get; }

    /// <summary>Largest rotation in degrees either way.</summary>
    public float MaxRotationDegrees { get; }

    /// <summary>Standard deviation of the Gaussian noise.</summary>
    public float NoiseStdDev { get; }

    /// <summary>The seed the random stream started from (and restarts from on <see cref="Reset"/>).</summary>
    public int Seed { get; }

    /// <summary><see cref="Apply"/> as a <see cref="BatchTransform"/>, created once (assigning it allocates nothing).</summary>
    public BatchTransform Transform { get; }

    /// <summary>Restarts the random stream from <see cref="Seed"/>.</summary>
    public void Reset() => _random = new SeededRandom(Seed);

    /// <summary>Augments the first <paramref name="batchSize"/> images of <paramref name="inputs"/> in place, each independently.</summary>
    public void Apply(Span<float> inputs, int batchSize)
    {
        int pixels = PixelCount;
        if (batchSize < 0) throw new ArgumentOutOfRangeException(nameof(batchSize), batchSize, "The batch size must not be negative.");
        if (inputs.Length < (long)batchSize * pixels)
            throw new ArgumentException(
                $"{batchSize} images of {Width}×{Height} need {(long)batchSize * pixels} values, got {inputs.Length}; is the image size right?", nameof(inputs));
        for (int i = 0; i < batchSize; i++) ApplyOne(inputs.Slice(i * pixels, pixels));
    }

    private void ApplyOne(Span<float> image)
    {
        int dx = 0, dy = 0;
        float degrees = 0;
        if (MaxShift > 0)
        {
            dx = _random.NextInt(2 * MaxShift + 1) - MaxShift;
            dy = _random.NextInt(2 * MaxShift + 1) - MaxShift;
        }
        if (MaxRotationDegrees > 0) degrees = _random.NextFloat(-MaxRotationDegrees, MaxRotationDegrees);
        if (dx != 0 || dy != 0 || degrees != 0)
        {
            image.CopyTo(_scratch);
            if (degrees == 0) Shift(_scratch, image, Width, Height, dx, dy);
            else Rotate(_scratch, image, Width, Height, degrees, dx, dy);
        }
        if (NoiseStdDev > 0)
            for (int p = 0; p < image.Length; p++) image[p] += NoiseStdDev * _random.NextGaussian();
        TensorPrimitives.Max(image, 0f, image);
        TensorPrimitives.Min(image, 1f, image);
    }

    /// <summary>
    /// Writes <paramref name="source"/> moved right by <paramref name="dx"/> and down by <paramref name="dy"/> pixels
    /// into <paramref name="destination"/>, filling the uncovered pixels with 0 (exact: no resampling).
    /// </summary>
    public static void Shift(ReadOnlySpan<float> source, Span<float> destination, int width, int height, int dx, int dy)
    {
        CheckImage(source, destination, width, height);
        destination[..(width * height)].Clear();
        int x0 = Math.Max(0, dx), x1 = Math.Min(width, width + dx);
        if (x0 >= x1) return;
        for (int y = Math.Max(0, dy); y < Math.Min(height, height + dy); y++)
            source.Slice((y - dy) * width + x0 - dx, x1 - x0).CopyTo(destination.Slice(y * width + x0, x1 - x0));
    }

    /// <summary>
    /// Writes <paramref name="source"/> rotated by <paramref name="degrees"/> (counter-clockwise as displayed, rows
    /// top to bottom) about its centre and then moved by (<paramref name="dx"/>, <paramref name="dy"/>) pixels into
    /// <paramref name="destination"/>, sampling bilinearly with 0 outside the image.
    /// </summary>
    public static void Rotate(ReadOnlySpan<float> source, Span<float> destination, int width, int height, float degrees, float dx = 0, float dy = 0)
    {
        CheckImage(source, destination, width, height);
        double radians = degrees * (Math.PI / 180);
        float cos = (float)Math.Cos(radians), sin = (float)Math.Sin(radians);
        float cx = (width - 1) * 0.5f, cy = (height - 1) * 0.5f;
        for (int y = 0; y < height; y++)
        {
            float v = y - dy - cy;
            for (int x = 0; x < width; x++)
            {
                // Inverse mapping: the destination pixel's position in the source image.
                float u = x - dx - cx;
                float sx = cx + cos * u - sin * v;
                float sy = cy + sin * u + cos * v;
                destination[y * width + x] = Bilinear(source, width, height, sx, sy);
            }
        }
    }

    private static float Bilinear(ReadOnlySpan<float> image, int width, int height, float x, float y)
    {
        if (!(x > -1 && x < width && y > -1 && y < height)) return 0;
        int x0 = (int)MathF.Floor(x), y0 = (int)MathF.Floor(y);
        float fx = x - x0, fy = y - y0;
        float top = (1 - fx) * Pixel(image, width, height, x0, y0) + fx * Pixel(image, width, height, x0 + 1, y0);
        float bottom = (1 - fx) * Pixel(image, width, height, x0, y0 + 1) + fx * Pixel(image, width, height, x0 + 1, y0 + 1);
        return (1 - fy) * top + fy * bottom;
    }

    private static float Pixel(ReadOnlySpan<float> image, int width, int height, int x, int y) =>
        (uint)x < (uint)width && (uint)y < (uint)height ? image[y * width + x] : 0;

    private static void CheckImage(ReadOnlySpan<float> source, Span<float> destination, int width, int height)
    {
        if (width <= 0) throw new ArgumentOutOfRangeException(nameof(width), width, "The image width must be positive.");
        if (height <= 0) throw new ArgumentOutOfRangeException(nameof(height), height, "The image height must be positive.");
        long pixels = (long)width * height;
        if (source.Length < pixels) throw new ArgumentException($"A {width}×{height} image needs {pixels} values, got {source.Length}.", nameof(source));
        if (destination.Length < pixels)
            throw new ArgumentException($"A {width}×{height} image needs room for {pixels} values, got {destination.Length}.", nameof(destination));
    }
}
