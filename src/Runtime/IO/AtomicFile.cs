using System.Security.Cryptography;

namespace CompiledNets.IO;

/// <summary>
/// Writes a file so that a crash at any point leaves either the old file or the complete new one: the content goes to a
/// temporary file beside the target (<c>path.tmp-…</c>), is flushed to disk, then renamed over the target. On failure
/// the temporary file is deleted and the exception propagates.
/// </summary>
internal static class AtomicFile
{
    /// <summary>Writes <paramref name="path"/> through <paramref name="write"/>; <paramref name="wrap"/> lets tests interpose a failing stream.</summary>
    public static void Write(string path, Action<Stream> write, Func<Stream, Stream>? wrap = null, int bufferSize = 4096)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        string fullPath = Path.GetFullPath(path);
        string temporary = fullPath + ".tmp-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(6));
        try
        {
            using (var file = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None, bufferSize))
            {
                Stream target = wrap is null ? file : wrap(file);
                write(target);
                target.Flush();
                file.Flush(flushToDisk: true);
            }
            File.Move(temporary, fullPath, overwrite: true);
        }
        catch
        {
            try { File.Delete(temporary); }
            catch (IOException) { }
            catch (UnauthorizedAccessException) { }
            throw;
        }
    }
}
