using System.Runtime.CompilerServices;

namespace CompiledNets.Generator.Tests.Infrastructure;

/// <summary>
/// Snapshot assertions in the file conventions of Verify: <c>Snapshots/Name.verified.cs</c> is committed; on a
/// mismatch the test writes <c>Name.received.cs</c> beside it and fails with the first differing lines.
/// Set <c>COMPILEDNETS_ACCEPT_SNAPSHOTS=1</c> to accept the received output as the new verified file.
/// </summary>
internal static class Snapshot
{
    public const string AcceptVariable = "COMPILEDNETS_ACCEPT_SNAPSHOTS";

    public static void Match(string name, string actual)
    {
        string directory = SnapshotDirectory();
        Directory.CreateDirectory(directory);
        string verifiedPath = Path.Combine(directory, name + ".verified.cs");
        string receivedPath = Path.Combine(directory, name + ".received.cs");
        actual = actual.Replace("\r\n", "\n");
        string? expected = File.Exists(verifiedPath) ? File.ReadAllText(verifiedPath).Replace("\r\n", "\n") : null;
        if (expected == actual)
        {
            if (File.Exists(receivedPath)) File.Delete(receivedPath);
            return;
        }
        if (Environment.GetEnvironmentVariable(AcceptVariable) == "1")
        {
            File.WriteAllText(verifiedPath, actual);
            if (File.Exists(receivedPath)) File.Delete(receivedPath);
            return;
        }
        File.WriteAllText(receivedPath, actual);
        Assert.Fail(expected is null
            ? $"No snapshot {verifiedPath}; the output was written to {receivedPath}. Review it, then rerun with {AcceptVariable}=1 to accept."
            : $"Generated code differs from {verifiedPath} (received: {receivedPath}; rerun with {AcceptVariable}=1 to accept):\n{Diff(expected, actual)}");
    }

    /// <summary>The project's one <c>Snapshots/</c> folder, beside <c>Infrastructure/</c>, whatever folder the test is in.</summary>
    private static string SnapshotDirectory([CallerFilePath] string thisFile = "") =>
        Path.Combine(Path.GetDirectoryName(Path.GetDirectoryName(thisFile))!, "Snapshots");

    private static string Diff(string expected, string actual)
    {
        var e = expected.Split('\n');
        var a = actual.Split('\n');
        int line = 0;
        while (line < e.Length && line < a.Length && e[line] == a[line]) line++;
        var report = new List<string>();
        for (int i = line; i < Math.Min(line + 5, Math.Max(e.Length, a.Length)); i++)
        {
            if (i < e.Length) report.Add($"-{i + 1}: {e[i]}");
            if (i < a.Length) report.Add($"+{i + 1}: {a[i]}");
        }
        return string.Join("\n", report);
    }
}
