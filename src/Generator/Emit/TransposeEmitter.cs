using System.Linq;

namespace CompiledNets.Generator.Emit;

/// <summary>
/// Statements that transpose a 16 × 16 block of floats held in sixteen 512-bit vectors, for kernels that move data
/// between channels-first and channels-last layouts. 64 shuffles where element-by-element copies take 256 loads and
/// stores: pairs of rows are interleaved, then pairs of pairs (as doubles), then the 128-bit lanes, twice.
/// </summary>
internal static class TransposeEmitter
{
    /// <summary>The kernel file's alias: a network whose kernels transpose declares it (<see cref="KernelClassEmitter"/>).</summary>
    private const string Avx512 = Names.RuntimeNames.Avx512F;

    /// <summary>
    /// Loads the block's 16 rows, <paramref name="stride"/> floats apart from <c>ref float</c> <paramref name="source"/>, as
    /// <c>r0</c> … <c>r15</c>, declares <paramref name="columns"/>0 … 15 as its columns (element <c>i</c> of column
    /// <c>j</c> is element <c>j</c> of row <c>i</c>), and stores column <c>j</c> into <c>ref float</c>
    /// <paramref name="target"/> at the index <paramref name="targetIndex"/>(j) gives.
    /// </summary>
    public static void Emit(SourceWriter w, string source, string stride, string columns, string target, System.Func<int, string> targetIndex)
    {
        const string rows = "r";
        w.Line("Vector512<float> " + string.Join(", ", Enumerable.Range(0, 16).Select(i => $"{rows}{i} = Vector512.LoadUnsafe(ref {source}, {i} * {stride})")) + ";");
        // a: each pair of rows interleaved. In every 128-bit lane k of rows 4g … 4g + 3 the unpacks leave, for b, the
        // four rows' elements 4k + j in one lane of b[4g + j].
        for (int i = 0; i < 16; i += 2)
            w.Line($"Vector512<float> {Name("a", i)} = {Avx512}.UnpackLow({rows}{i}, {rows}{i + 1}), {Name("a", i + 1)} = {Avx512}.UnpackHigh({rows}{i}, {rows}{i + 1});");
        for (int g = 0; g < 16; g += 4)
        {
            string Pair(string unpack, int x, int y) => $"{Avx512}.{unpack}({Name("a", g + x)}.AsDouble(), {Name("a", g + y)}.AsDouble()).AsSingle()";
            w.Line($"Vector512<float> {Name("b", g)} = {Pair("UnpackLow", 0, 2)}, {Name("b", g + 1)} = {Pair("UnpackHigh", 0, 2)}, " +
                $"{Name("b", g + 2)} = {Pair("UnpackLow", 1, 3)}, {Name("b", g + 3)} = {Pair("UnpackHigh", 1, 3)};");
        }
        // d, then the columns: lanes k of b[j], b[4 + j], b[8 + j] and b[12 + j] gathered into column 4k + j
        // (0x88 takes lanes 0 and 2 of each source, 0xDD lanes 1 and 3).
        for (int j = 0; j < 4; j++)
            w.Line($"Vector512<float> {Name("d", j)} = {Lanes(Name("b", j), Name("b", 4 + j), "0x88")}, {Name("d", 4 + j)} = {Lanes(Name("b", j), Name("b", 4 + j), "0xDD")}, " +
                $"{Name("d", 8 + j)} = {Lanes(Name("b", 8 + j), Name("b", 12 + j), "0x88")}, {Name("d", 12 + j)} = {Lanes(Name("b", 8 + j), Name("b", 12 + j), "0xDD")};");
        for (int j = 0; j < 4; j++)
            w.Line($"Vector512<float> {columns}{j} = {Lanes(Name("d", j), Name("d", 8 + j), "0x88")}, {columns}{8 + j} = {Lanes(Name("d", j), Name("d", 8 + j), "0xDD")}, " +
                $"{columns}{4 + j} = {Lanes(Name("d", 4 + j), Name("d", 12 + j), "0x88")}, {columns}{12 + j} = {Lanes(Name("d", 4 + j), Name("d", 12 + j), "0xDD")};");

        for (int j = 0; j < 16; j++) w.Line($"{columns}{j}.StoreUnsafe(ref {target}, {targetIndex(j)});");

        string Name(string stage, int index) => $"{columns}_{stage}{index}";
    }

    private static string Lanes(string x, string y, string selector) => $"{Avx512}.Shuffle4x128({x}, {y}, {selector})";
}
