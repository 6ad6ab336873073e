using System.Diagnostics;
using System.Runtime.InteropServices;

namespace CompiledNets.Kernels;

/// <summary>
/// A check that no kernel writes outside its <see cref="AlignedFloats"/>. Generated kernels index by reference, without
/// bounds checks, into pinned arrays; a store past a buffer's end lands in its neighbour on the pinned heap (another
/// buffer, or the runtime's own statics) and surfaces much later as a crash somewhere unrelated. With guards on, every
/// buffer allocated afterwards carries a band of marker floats on each side, and <see cref="Verify"/> reports the first
/// buffer whose band changed, with where it was allocated. Off by default (no extra memory or work); tests turn it on.
/// </summary>
internal static class BufferGuards
{
    /// <summary>Floats of marker on each side of a guarded buffer: more than a tile of four 512-bit vectors reaches.</summary>
    public const int Floats = 256;

    /// <summary>The bits of a NaN no kernel computes, written and compared as integers.</summary>
    private const int MarkerBits = 0x7FC0_0DED;

    private static readonly List<(WeakReference<AlignedFloats> Buffer, StackTrace AllocatedAt)> Guarded = [];
    private static volatile bool s_enabled;

    /// <summary>Whether buffers allocated from now on are guarded.</summary>
    public static bool Enabled
    {
        get => s_enabled;
        set => s_enabled = value;
    }

    /// <summary>Fills the bands around <paramref name="start"/>..<paramref name="start"/>+<paramref name="length"/> and remembers the buffer.</summary>
    public static void Arm(AlignedFloats buffer, float[] storage, int start, int length)
    {
        MemoryMarshal.Cast<float, int>(storage.AsSpan(0, start)).Fill(MarkerBits);
        MemoryMarshal.Cast<float, int>(storage.AsSpan(start + length)).Fill(MarkerBits);
        var allocatedAt = new StackTrace(2, fNeedFileInfo: false);
        lock (Guarded) Guarded.Add((new WeakReference<AlignedFloats>(buffer), allocatedAt));
    }

    /// <summary>Throws if any live guarded buffer's bands changed; forgets buffers the GC has collected.</summary>
    public static void Verify()
    {
        lock (Guarded)
        {
            Guarded.RemoveAll(entry => !entry.Buffer.TryGetTarget(out _));
            foreach (var (reference, allocatedAt) in Guarded)
            {
                if (!reference.TryGetTarget(out var buffer)) continue;
                var (storage, start) = buffer.Storage;
                int before = FarthestChanged(storage.AsSpan(0, start), endsAtBuffer: true);
                int after = FarthestChanged(storage.AsSpan(start + buffer.Length), endsAtBuffer: false);
                if (before < 0 && after < 0) continue;
                string where = after >= 0
                    ? $"{after + 1} float(s) past its end"
                    : $"{start - before} float(s) before its start";
                throw new InvalidOperationException(
                    $"A kernel wrote {where} in a buffer of {buffer.Length} floats allocated at:\n{allocatedAt}");
            }
        }
    }

    /// <summary>The index in <paramref name="floats"/> of the changed marker farthest from the buffer (the stray write's reach), or -1.</summary>
    private static int FarthestChanged(Span<float> floats, bool endsAtBuffer)
    {
        var band = MemoryMarshal.Cast<float, int>(floats);
        int found = -1;
        for (int i = 0; i < band.Length; i++)
        {
            if (band[i] == MarkerBits) continue;
            if (endsAtBuffer) return i;
            found = i;
        }
        return found;
    }
}
