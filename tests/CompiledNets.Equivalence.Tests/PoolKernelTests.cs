using System.Reflection;
using CompiledNets.Kernels;
using System.Text;
using Microsoft.CodeAnalysis.CSharp;

namespace CompiledNets.Equivalence.Tests;

/// <summary>
/// The generated 2 × 2 stride-2 pooling kernels, called directly and compared bit for bit with the scalar semantics the
/// interpreted engine documents: rows of exactly eight outputs (one AVX-512 step), of thirteen and seventeen (a last step
/// that overlaps the one before), of fewer than eight (AVX2 steps only) and of three (scalar), odd heights and widths
/// whose last row or column no window covers, ties within a window and NaN. Max pooling avoids -0: the vector maximum of
/// -0 and +0 is +0 where the scalar loop keeps the first, and the vector gradient stores a -0 where the scalar loop adds it
/// to a cleared plane. The max pooling a convolution runs in its own training steps (its record of each window's chosen
/// input, and the gradient from that record, with or without the ReLU's derivative) is held to the same semantics.
/// </summary>
public sealed class PoolKernelTests
{
    private delegate void Forward(ref float x, ref float y, int rows);

    private delegate void Backward(ref float x, ref float y, ref float dy, ref float dx, int rows);

    private delegate void ArgmaxForward(ref float x, ref float y, ref uint chosen, int rows);

    private delegate void ArgmaxBackward(ref float y, ref uint chosen, ref float dy, ref float dx, int rows);

    /// <summary>The max-pooling shapes whose pooling a convolution runs in its own steps: rows of at least four outputs.</summary>
    public static TheoryData<bool, int, int, int> FusedShapes()
    {
        var data = new TheoryData<bool, int, int, int>();
        foreach (bool relu in new[] { false, true })
            foreach (var (c, h, w) in Dimensions.Where(d => d.W / 2 >= 4))
                data.Add(relu, c, h, w);
        return data;
    }

    public static TheoryData<bool, int, int, int> Shapes()
    {
        var data = new TheoryData<bool, int, int, int>();
        foreach (bool max in new[] { true, false })
            foreach (var (c, h, w) in Dimensions)
                data.Add(max, c, h, w);
        return data;
    }

    private static readonly (int C, int H, int W)[] Dimensions =
        [(3, 16, 16), (3, 26, 26), (2, 34, 34), (3, 27, 27), (2, 10, 10), (2, 11, 11), (2, 9, 9), (2, 7, 20), (2, 6, 6)];

    /// <summary>
    /// Networks per kind and shape; each generated file keeps its kernels in a file-local class, which the tests make public
    /// under a name of its own so that they can call the kernels. A Tanh convolution keeps max pooling as a layer of its
    /// own; Linear and ReLU ones run it in their steps, with its record.
    /// </summary>
    private static readonly Lazy<Assembly> Networks = new(() =>
    {
        var source = new StringBuilder("using CompiledNets;\nnamespace Pools;\n");
        foreach (var (kind, activation) in new[] { ("Max", "Tanh"), ("Max", "Linear"), ("Max", "ReLU"), ("Avg", "Linear") })
            foreach (var (c, h, w) in Dimensions)
                source.Append(System.Globalization.CultureInfo.InvariantCulture,
                    $"[Network(InputShape = new[] {{ {c}, {h}, {w} }})] [Conv2D({c}, 1, Activation.{activation})] [{kind}Pool2D(2)] [Flatten] [Dense(2)] [Loss(LossFunction.MeanSquaredError)] [Sgd(LearningRate = 0.1f)]\npublic partial class {kind}{activation}{c}x{h}x{w};\n");
        var (_, generated) = GeneratedCorpus.CompileSources([("Pools.cs", source.ToString())]);
        var trees = generated.Select((tree, i) => CSharpSyntaxTree.ParseText(
            tree.ToString().Replace("file static class Kernels", $"public static class Kernels{i}", StringComparison.Ordinal)
                .Replace("Generated.Kernels.", $"Generated.Kernels{i}.", StringComparison.Ordinal),
            (CSharpParseOptions)tree.Options, tree.FilePath));
        var compilation = GeneratedCorpus.Compilation(trees.Prepend(CSharpSyntaxTree.ParseText(source.ToString(), (CSharpParseOptions)generated[0].Options, "Pools.cs")));
        using var image = new MemoryStream();
        var result = compilation.Emit(image);
        Assert.True(result.Success, string.Join("\n", result.Diagnostics));
        return GeneratedCorpus.Load("Pools", image.ToArray());
    });

    private static T Kernel<T>(string name) where T : Delegate
    {
        var method = Networks.Value.GetTypes().Select(t => t.GetMethod(name, BindingFlags.Static | BindingFlags.Public | BindingFlags.NonPublic)).First(m => m is not null)!;
        return (T)Delegate.CreateDelegate(typeof(T), method);
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Generated_pooling_matches_the_scalar_semantics_bitwise(bool max, int c, int h, int w)
    {
        string name = $"{(max ? "MaxPool" : "AvgPool")}_{c}x{h}x{w}_2", backwardName = name.Replace("Pool_", "PoolBackward_", StringComparison.Ordinal);
        var forward = Kernel<Forward>(name);
        var backward = Kernel<Backward>(backwardName);
        var random = new Random(c * 1000 + h * 37 + w);
        foreach (int rows in new[] { 1, 3 })
        {
            var (x, dy) = Samples(random, max, rows, c, h, w);
            var (expectedY, expectedDx) = Reference(max, x, dy, rows * c, h, w);
            var y = new float[expectedY.Length];
            forward(ref x[0], ref y[0], rows);
            AssertBitwise(expectedY, y, name, rows);
            var dx = new float[x.Length];
            Array.Fill(dx, 42f); // every input gradient must be written, covered or not
            backward(ref x[0], ref y[0], ref dy[0], ref dx[0], rows);
            AssertBitwise(expectedDx, dx, backwardName, rows);
        }
    }

    /// <summary>
    /// At inference a pooling after a stride-1 convolution reads the convolution's extended planes as they are (rows of w,
    /// planes rounded up to whole 512-bit vectors). It must give the bits the compacted inputs' kernel gives, on every
    /// shape whose planes have such a tail (the scalar path of rows of three outputs included).
    /// </summary>
    [Theory]
    [MemberData(nameof(Shapes))]
    public void Pooling_over_extended_planes_matches_the_compacted_kernel_bitwise(bool max, int c, int h, int w)
    {
        int plane = (h * w + 15) / 16 * 16;
        if (plane == h * w) return; // no tail: the compacted kernel itself reads these planes
        string name = $"{(max ? "MaxPool" : "AvgPool")}_{c}x{h}x{w}_2";
        var compacted = Kernel<Forward>(name);
        var extended = Kernel<Forward>($"{name}_in{w}x{plane}");
        var random = new Random(c * 1000 + h * 37 + w + 5);
        foreach (int rows in new[] { 1, 3 })
        {
            var (x, _) = Samples(random, max, rows, c, h, w);
            var planes = new float[rows * c * plane];
            Array.Fill(planes, float.NaN); // the tail is never read
            for (int p = 0; p < rows * c; p++) Array.Copy(x, p * h * w, planes, p * plane, h * w);
            var expected = new float[rows * c * (h / 2) * (w / 2)];
            var actual = new float[expected.Length];
            compacted(ref x[0], ref expected[0], rows);
            extended(ref planes[0], ref actual[0], rows);
            AssertBitwise(expected, actual, name + "_in", rows);
        }
    }

    [Theory]
    [MemberData(nameof(FusedShapes))]
    public void Recorded_max_pooling_matches_the_scalar_semantics_bitwise(bool relu, int c, int h, int w)
    {
        // The 1 × 1 convolution's extended planes: its outputs in rows of w, each plane rounded up to whole 512-bit vectors.
        // The pooling reads them as they are and writes its gradient back in the same layout, zeros past the rows.
        int plane = (h * w + 15) / 16 * 16;
        string layout = plane == h * w ? "" : $"_in{w}x{plane}";
        string name = $"MaxPoolArgmax_{c}x{h}x{w}_2{layout}";
        string backwardName = $"MaxPoolArgmaxBackward_{c}x{h}x{w}_2{(relu ? "_ReLU" : "")}{layout.Replace("_in", "_out", StringComparison.Ordinal)}";
        var forward = Kernel<ArgmaxForward>(name);
        var backward = Kernel<ArgmaxBackward>(backwardName);
        int oh = h / 2, ow = w / 2;
        var random = new Random(c * 1000 + h * 37 + w + (relu ? 1 : 0));
        foreach (int rows in new[] { 1, 3 })
        {
            var (x, dy) = Samples(random, max: true, rows, c, h, w);
            for (int i = 0; i < dy.Length; i += 7) dy[i] = (i & 8) == 0 ? 1e-40f : -1e-41f; // subnormal gradients
            var (expectedY, expectedDx) = Reference(max: true, x, dy, rows * c, h, w);
            if (relu)
                for (int i = 0; i < x.Length; i++)
                    if (!(x[i] > 0) || MathF.Abs(expectedDx[i]) < Subnormals.SmallestNormal) expectedDx[i] = 0f; // the ReLU's derivative at the chosen input, then the flush
            var extended = Extend(x, rows * c, h * w, plane, float.NaN); // NaN in the gaps the pooling must not read
            var y = new float[expectedY.Length];
            var chosen = new uint[rows * c * oh * ((ow + 3) / 4)];
            forward(ref extended[0], ref y[0], ref chosen[0], rows);
            AssertBitwise(expectedY, y, name, rows);
            var dx = new float[extended.Length];
            Array.Fill(dx, 42f); // every value of the planes must be written, covered or not
            backward(ref y[0], ref chosen[0], ref dy[0], ref dx[0], rows);
            AssertBitwise(Extend(expectedDx, rows * c, h * w, plane, 0f), dx, backwardName, rows);
        }
    }

    /// <summary><paramref name="planes"/> planes of <paramref name="size"/> values, each from a multiple of <paramref name="stride"/>, <paramref name="gap"/> between them.</summary>
    private static float[] Extend(float[] values, int planes, int size, int stride, float gap)
    {
        var extended = new float[planes * stride];
        Array.Fill(extended, gap);
        for (int p = 0; p < planes; p++) Array.Copy(values, p * size, extended, p * stride, size);
        return extended;
    }

    /// <summary>Inputs of few distinct values, so that windows tie, and NaN (average pooling also sees -0), and output gradients.</summary>
    private static (float[] X, float[] Dy) Samples(Random random, bool max, int rows, int c, int h, int w)
    {
        var x = new float[rows * c * h * w];
        for (int i = 0; i < x.Length; i++)
        {
            int k = random.Next(20);
            x[i] = k == 0 ? float.NaN : k < 4 ? 0f : k < 6 && !max ? -0f : k < 12 ? random.Next(-1, 3) : (float)random.NextDouble() - 0.5f;
        }
        var dy = new float[rows * c * (h / 2) * (w / 2)];
        for (int i = 0; i < dy.Length; i++) dy[i] = random.Next(10) == 0 && !max ? -0f : (float)random.NextDouble() - 0.5f;
        return (x, dy);
    }

    /// <summary>
    /// The scalar loops: max takes a later value when it is greater or NaN, and routes the gradient to the window's first
    /// maximum (its first NaN if any); average sums from zero in row-major order, divides by four and adds a quarter of
    /// the gradient to each input of a cleared plane.
    /// </summary>
    private static (float[] Y, float[] Dx) Reference(bool max, float[] x, float[] dy, int planes, int h, int w)
    {
        int oh = h / 2, ow = w / 2;
        var y = new float[planes * oh * ow];
        var dx = new float[x.Length];
        for (int p = 0; p < planes; p++)
            for (int r = 0; r < oh; r++)
                for (int col = 0; col < ow; col++)
                {
                    int o = (p * oh + r) * ow + col, first = p * h * w + 2 * r * w + 2 * col;
                    int[] window = [first, first + 1, first + w, first + w + 1];
                    if (max)
                    {
                        float m = x[first], best = x[first];
                        int at = first;
                        foreach (int i in window.Skip(1))
                        {
                            if (x[i] > m || float.IsNaN(x[i])) m = x[i];
                            if (x[i] > best || (float.IsNaN(x[i]) && !float.IsNaN(best))) { best = x[i]; at = i; }
                        }
                        y[o] = m;
                        dx[at] = dy[o];
                    }
                    else
                    {
                        float s = 0f;
                        foreach (int i in window) s += x[i];
                        y[o] = s / 4;
                        foreach (int i in window) dx[i] += dy[o] / 4;
                    }
                }
        return (y, dx);
    }

    private static void AssertBitwise(float[] expected, float[] actual, string kernel, int rows)
    {
        for (int i = 0; i < expected.Length; i++)
            if (BitConverter.SingleToInt32Bits(expected[i]) != BitConverter.SingleToInt32Bits(actual[i]))
                Assert.Fail($"{kernel} at {rows} rows, element {i}: expected {expected[i]:R} ({BitConverter.SingleToInt32Bits(expected[i]):X8}), got {actual[i]:R} ({BitConverter.SingleToInt32Bits(actual[i]):X8})");
    }
}
