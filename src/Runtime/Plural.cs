using System.Globalization;

namespace CompiledNets;

/// <summary>Counts in messages: "1 value", "3 values".</summary>
internal static class Plural
{
    /// <summary><paramref name="count"/> and <paramref name="noun"/>, with an "s" unless the count is exactly one.</summary>
    public static string Count(long count, string noun) =>
        count.ToString(CultureInfo.InvariantCulture) + " " + noun + (count == 1 ? "" : "s");
}
