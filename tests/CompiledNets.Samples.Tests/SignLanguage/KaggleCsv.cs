using System.Text;

namespace CompiledNets.Samples.Tests.SignLanguage;

/// <summary>
/// Writes files in the format of Kaggle's sign_mnist_train.csv / sign_mnist_test.csv: a header
/// <c>label,pixel1,...,pixel784</c>, then one row per image with pixels 0-255. The images are synthetic and easy:
/// each letter lights its own 5 × 4 patch over dim noise, so two epochs learn them.
/// </summary>
internal static class KaggleCsv
{
    /// <summary>Sign Language MNIST's labels: 0-24 without 9 (J).</summary>
    public static readonly int[] Labels = Enumerable.Range(0, 25).Where(label => label != 9).ToArray();

    public static readonly string Header = "label," + string.Join(",", Enumerable.Range(1, 784).Select(i => $"pixel{i}"));

    /// <summary>Writes <paramref name="rows"/> images cycling through the 24 labels in order.</summary>
    public static void Write(string path, int rows, int seed)
    {
        var random = new Random(seed);
        var text = new StringBuilder(Header).Append('\n');
        var pixels = new int[784];
        for (int row = 0; row < rows; row++)
        {
            int letter = row % Labels.Length;
            for (int p = 0; p < pixels.Length; p++) pixels[p] = random.Next(0, 61);
            int top = letter / 6 * 7, left = letter % 6 * 4;
            for (int y = top; y < top + 5; y++)
                for (int x = left; x < left + 4; x++)
                    pixels[y * 28 + x] = random.Next(180, 256);
            text.Append(Labels[letter]).Append(',').AppendJoin(',', pixels).Append('\n');
        }
        File.WriteAllText(path, text.ToString());
    }
}
