using System.Buffers;
using System.Buffers.Binary;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace CompiledNets;

/// <summary>
/// Saving and loading networks as <c>.safetensors</c> checkpoints: every tensor of <see cref="INetwork.Tensors"/>
/// (parameters, buffers, optimizer state) as little-endian F32, with the architecture, its fingerprint, the
/// optimizer step, the learning rate and a checksum in the metadata. The files follow the safetensors
/// specification, so <c>safetensors.torch.load_file</c> reads them, and files PyTorch writes load here
/// (see <see cref="CheckpointNames"/>). Described in <c>docs/checkpoints.md</c>.
/// </summary>
/// <remarks>
/// <para><b>Atomic save.</b> <see cref="Save(INetwork, string)"/> writes a temporary file in the same directory,
/// flushes it to disk and renames it over <c>path</c>: a crash at any point leaves either the old checkpoint or the
/// new one, never a partial file.</para>
/// <para><b>All-or-nothing load.</b> <see cref="Load(INetwork, string, IReadOnlyDictionary{string, string}?, bool)"/> reads
/// and validates the whole file into temporary arrays before it changes the network; any problem throws
/// <see cref="InvalidDataException"/> and leaves the network exactly as it was.</para>
/// <para><b>Train with one declaration, deploy with another.</b> The layers (sizes, kinds, tensor names and shapes) must
/// match; the loss and the optimizer need not. A checkpoint trained with Adam loads into the same layers declared
/// <c>InferenceOnly</c> or with another optimizer; the optimizer state then is skipped and the <see cref="LoadResult"/>
/// says why.</para>
/// </remarks>
public static class Checkpoint
{
    /// <summary>The checkpoint format version written to <see cref="CheckpointMetadata.Version"/>.</summary>
    public const string FormatVersion = "1";

    /// <summary>Largest header accepted (the limit of the reference safetensors implementation).</summary>
    public const long MaxHeaderBytes = 100_000_000;

    private const string MetadataEntry = "__metadata__";
    private const int CopyChunk = 1 << 16;

    /// <summary>
    /// Saves every tensor of the network, the optimizer step and the learning rate to <paramref name="path"/>
    /// (conventionally <c>*.safetensors</c>), atomically: the data goes to a temporary file next to it
    /// (<c>path.tmp-…</c>), is flushed to disk, then renamed over <paramref name="path"/>. If anything fails the
    /// temporary file is deleted and an existing checkpoint at <paramref name="path"/> is left untouched.
    /// </summary>
    /// <param name="network">The network to save.</param>
    /// <param name="path">The checkpoint file; its directory must exist.</param>
    public static void Save(this INetwork network, string path) => SaveAtomic(network, path, wrap: null);

    /// <summary>
    /// Writes the checkpoint to <paramref name="stream"/> at its current position (not atomic: use
    /// <see cref="Save(INetwork, string)"/> for files).
    /// </summary>
    /// <param name="network">The network to save.</param>
    /// <param name="stream">A writable stream.</param>
    public static void Save(this INetwork network, Stream stream)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(stream);
        Write(network, stream);
    }

    /// <summary>
    /// Loads a checkpoint into the network, all or nothing. Checks, before anything changes: the safetensors
    /// structure, the layers (a checkpoint of other layers is an error naming both architectures), every tensor's
    /// name, dtype (F32 only), shape and data offsets, and the checksum. Then copies the parameters and buffers and,
    /// when the checkpoint was saved with the same optimizer, the optimizer state, <see cref="INetwork.OptimizerStep"/>
    /// and <see cref="INetwork.LearningRate"/>.
    /// </summary>
    /// <remarks>
    /// <para>
    /// The layers must match exactly; the loss and the optimizer need not (as in PyTorch, where the model's and the
    /// optimizer's state dicts load separately). A checkpoint trained with Adam loads into the same layers declared
    /// <c>InferenceOnly</c> or with another optimizer and predicts identically. The optimizer state loads only when the
    /// optimizer's kind and its state tensors match; otherwise the network's optimizer starts fresh (zero state, step 0,
    /// its own learning rate) and <see cref="LoadResult.OptimizerStateSkipReason"/> says why.
    /// </para>
    /// <para>
    /// A checkpoint without optimizer tensors (for example one written by PyTorch) loads the parameters and buffers the
    /// same way, with a fresh optimizer. A file without <c>compilednets.*</c> metadata (a foreign file) is accepted when
    /// its tensor names (after <paramref name="nameMap"/>) and shapes match; it has no checksum or architecture to check,
    /// and its optimizer state (if any) is skipped.
    /// </para>
    /// </remarks>
    /// <param name="network">The network to load into.</param>
    /// <param name="path">The checkpoint file.</param>
    /// <param name="nameMap">
    /// Optional map from the checkpoint's tensor names to the network's (see <see cref="CheckpointNames"/>);
    /// unmapped names are used as they are, names mapped to <c>""</c> are skipped. Without one,
    /// <see cref="CheckpointNames.FromPyTorchModule"/> applies, so the state dict of a PyTorch module whose submodules have
    /// the network's layer names (<c>h1</c>, <c>bn</c>, ...) loads as it is.
    /// </param>
    /// <param name="requireOptimizerState">
    /// True to resume training exactly or not at all: a checkpoint whose optimizer state cannot be loaded is then an
    /// <see cref="InvalidDataException"/> (and the network is unchanged) instead of a load of the weights alone.
    /// </param>
    /// <returns>What was loaded: whether the optimizer state was, why not, and which tensors of the file were skipped.</returns>
    /// <exception cref="InvalidDataException">The file is not a valid checkpoint for this network; the network is unchanged.</exception>
    /// <exception cref="FileNotFoundException">There is no file at <paramref name="path"/>.</exception>
    public static LoadResult Load(this INetwork network, string path, IReadOnlyDictionary<string, string>? nameMap = null, bool requireOptimizerState = false)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentException.ThrowIfNullOrEmpty(path);
        LoadedCheckpoint loaded;
        using (var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, CopyChunk, FileOptions.SequentialScan))
            loaded = Read(network, file, nameMap, "'" + path + "'", requireOptimizerState);
        loaded.ApplyTo(network);
        return loaded.Result;
    }

    /// <summary>
    /// <see cref="Load(INetwork, string, IReadOnlyDictionary{string, string}?, bool)"/> from a stream, read from its
    /// current position to its end.
    /// </summary>
    /// <param name="network">The network to load into.</param>
    /// <param name="stream">A readable stream holding exactly one checkpoint from its position on.</param>
    /// <param name="nameMap">Optional map from the checkpoint's tensor names to the network's.</param>
    /// <param name="requireOptimizerState">True to fail, changing nothing, when the optimizer state cannot be loaded.</param>
    /// <returns>What was loaded.</returns>
    /// <exception cref="InvalidDataException">The data is not a valid checkpoint for this network; the network is unchanged.</exception>
    public static LoadResult Load(this INetwork network, Stream stream, IReadOnlyDictionary<string, string>? nameMap = null, bool requireOptimizerState = false)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(stream);
        var loaded = Read(network, stream, nameMap, "stream", requireOptimizerState);
        loaded.ApplyTo(network);
        return loaded.Result;
    }

    /// <summary>
    /// The architecture fingerprint stored in <see cref="CheckpointMetadata.Fingerprint"/>: the first 16 lower-case
    /// hex digits of the SHA-256 of the UTF-8 <paramref name="architecture"/> string.
    /// </summary>
    /// <param name="architecture">An <see cref="INetwork.Architecture"/> string.</param>
    /// <returns>16 hex digits.</returns>
    public static string Fingerprint(string architecture)
    {
        ArgumentNullException.ThrowIfNull(architecture);
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(architecture)), 0, 8);
    }

    // ---------------------------------------------------------------- saving

    /// <summary>The atomic save; <paramref name="wrap"/> lets tests interpose a stream that fails mid-write.</summary>
    internal static void SaveAtomic(INetwork network, string path, Func<Stream, Stream>? wrap)
    {
        ArgumentNullException.ThrowIfNull(network);
        CompiledNets.IO.AtomicFile.Write(path, stream => Write(network, stream), wrap, CopyChunk);
    }

    internal static void Write(INetwork network, Stream stream)
    {
        var tensors = network.Tensors;
        CheckLayout(network, tensors);

        var metadata = new SortedDictionary<string, string>(StringComparer.Ordinal)
        {
            [CheckpointMetadata.Architecture] = network.Architecture,
            [CheckpointMetadata.Fingerprint] = Fingerprint(network.Architecture),
            [CheckpointMetadata.OptimizerStep] = network.OptimizerStep.ToString(CultureInfo.InvariantCulture),
            [CheckpointMetadata.LearningRate] = network.LearningRate.ToString("R", CultureInfo.InvariantCulture),
            [CheckpointMetadata.Version] = FormatVersion,
        };

        byte[]? scratch = null;
        string checksum;
        using (var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256))
        {
            foreach (var tensor in tensors)
                hash.AppendData(LittleEndianBytes(Slice(network, tensor), ref scratch));
            AppendMetadata(hash, metadata);
            checksum = Convert.ToHexStringLower(hash.GetHashAndReset());
        }

        byte[] header = BuildHeader(tensors, metadata, checksum);
        Span<byte> length = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(length, (ulong)header.Length);
        stream.Write(length);
        stream.Write(header);
        foreach (var tensor in tensors)
            stream.Write(LittleEndianBytes(Slice(network, tensor), ref scratch));
    }

    private static byte[] BuildHeader(IReadOnlyList<TensorInfo> tensors, SortedDictionary<string, string> metadata, string checksum)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            json.WriteStartObject();
            json.WriteStartObject(MetadataEntry);
            json.WriteString(CheckpointMetadata.Format, CheckpointMetadata.FormatValue);
            foreach (var (key, value) in metadata) json.WriteString(key, value);
            json.WriteString(CheckpointMetadata.Checksum, checksum);
            json.WriteEndObject();
            long offset = 0;
            foreach (var tensor in tensors)
            {
                json.WriteStartObject(tensor.Name);
                json.WriteString("dtype", "F32");
                json.WriteStartArray("shape");
                foreach (int dimension in tensor.Shape) json.WriteNumberValue(dimension);
                json.WriteEndArray();
                json.WriteStartArray("data_offsets");
                json.WriteNumberValue(offset);
                offset += (long)tensor.Length * sizeof(float);
                json.WriteNumberValue(offset);
                json.WriteEndArray();
                json.WriteEndObject();
            }
            json.WriteEndObject();
        }
        // Pad with spaces so the data starts 8-byte aligned (8 + header length is a multiple of 8).
        int padded = (buffer.WrittenCount + 7) & ~7;
        byte[] header = new byte[padded];
        buffer.WrittenSpan.CopyTo(header);
        header.AsSpan(buffer.WrittenCount).Fill((byte)' ');
        return header;
    }

    /// <summary>Feeds every <c>compilednets.*</c> entry but the checksum to the hash: key, 0, value, 0, in ordinal key order.</summary>
    private static void AppendMetadata(IncrementalHash hash, IEnumerable<KeyValuePair<string, string>> metadata)
    {
        foreach (var (key, value) in metadata.OrderBy(entry => entry.Key, StringComparer.Ordinal))
        {
            if (!key.StartsWith(CheckpointMetadata.Prefix, StringComparison.Ordinal) || key == CheckpointMetadata.Checksum) continue;
            hash.AppendData(Encoding.UTF8.GetBytes(key));
            hash.AppendData([0]);
            hash.AppendData(Encoding.UTF8.GetBytes(value));
            hash.AppendData([0]);
        }
    }

    private static ReadOnlySpan<byte> LittleEndianBytes(ReadOnlySpan<float> values, ref byte[]? scratch)
    {
        if (BitConverter.IsLittleEndian) return MemoryMarshal.AsBytes(values);
        if (scratch is null || scratch.Length < values.Length * sizeof(float)) scratch = new byte[values.Length * sizeof(float)];
        for (int i = 0; i < values.Length; i++)
            BinaryPrimitives.WriteSingleLittleEndian(scratch.AsSpan(i * sizeof(float)), values[i]);
        return scratch.AsSpan(0, values.Length * sizeof(float));
    }

    private static Span<float> Storage(INetwork network, TensorStorage storage) => storage switch
    {
        TensorStorage.Parameters => network.Parameters,
        TensorStorage.Buffers => network.Buffers,
        _ => network.OptimizerState,
    };

    private static ReadOnlySpan<float> Slice(INetwork network, TensorInfo tensor) =>
        Storage(network, tensor.Storage).Slice(tensor.Offset, tensor.Length);

    /// <summary>The network's own tensor list must be consistent; a violation is a bug in the network, not in a file.</summary>
    private static void CheckLayout(INetwork network, IReadOnlyList<TensorInfo> tensors)
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var tensor in tensors)
        {
            if (tensor.Name == MetadataEntry || !names.Add(tensor.Name))
                throw new InvalidOperationException($"The network's tensor list names '{tensor.Name}' twice (or uses the reserved name); checkpoints need unique names.");
            long length = 1;
            foreach (int dimension in tensor.Shape)
            {
                if (dimension < 0) throw new InvalidOperationException($"The network's tensor '{tensor.Name}' has a negative dimension.");
                length *= dimension;
            }
            int available = Storage(network, tensor.Storage).Length;
            if (tensor.Offset < 0 || tensor.Offset + length > available)
                throw new InvalidOperationException(
                    $"The network's tensor '{tensor.Name}' {tensor.ShapeText} at offset {tensor.Offset} does not fit in its {tensor.Storage} buffer of {available} values.");
        }
    }

    // ---------------------------------------------------------------- loading

    private sealed record Entry(string FileName, string Name, string DType, long[] Shape, ulong Begin, ulong End)
    {
        public string ShapeText => "[" + string.Join(", ", Shape) + "]";
        public string Describe => Name == FileName ? $"'{Name}'" : $"'{FileName}' (mapped to '{Name}')";
    }

    internal sealed class LoadedCheckpoint
    {
        public required float[] Parameters { get; init; }
        public required float[] Buffers { get; init; }
        public required float[] OptimizerState { get; init; }
        public required long OptimizerStep { get; init; }
        public required float? LearningRate { get; init; }
        public required LoadResult Result { get; init; }

        /// <summary>The commit: plain copies that cannot fail once every check has passed.</summary>
        public void ApplyTo(INetwork network)
        {
            Parameters.CopyTo(network.Parameters);
            Buffers.CopyTo(network.Buffers);
            OptimizerState.CopyTo(network.OptimizerState);
            network.OptimizerStep = OptimizerStep;
            if (LearningRate is float rate) network.LearningRate = rate;
        }
    }

    /// <summary>Reads and validates everything into temporary arrays; never touches the network.</summary>
    internal static LoadedCheckpoint Read(INetwork network, Stream stream, IReadOnlyDictionary<string, string>? nameMap, string source, bool requireOptimizerState = false)
    {
        var tensors = network.Tensors;
        CheckLayout(network, tensors);
        string what = "The checkpoint " + source;
        // PyTorch's names for the norm layers' tensors never clash with the network's own, so they are always understood.
        nameMap ??= CheckpointNames.FromPyTorchModule(network);

        // 1. The header length: 8 bytes, little-endian, and never trusted for an allocation.
        long? available = stream.CanSeek ? Math.Max(0, stream.Length - stream.Position) : null;
        Span<byte> prefix = stackalloc byte[8];
        int got = stream.ReadAtLeast(prefix, 8, throwOnEndOfStream: false);
        if (got < 8)
            throw Fail($"{what} is {got} bytes long, shorter than the 8-byte header length that starts every safetensors file: it is truncated or not a checkpoint.");
        ulong headerLength = BinaryPrimitives.ReadUInt64LittleEndian(prefix);
        if (headerLength == 0)
            throw Fail($"{what} declares an empty header (length 0): it is corrupt or not a safetensors file.");
        if (headerLength > MaxHeaderBytes)
            throw Fail($"{what} declares a header of {headerLength} bytes, more than the {MaxHeaderBytes}-byte limit: it is corrupt or not a safetensors file.");
        if (available is long total && headerLength > (ulong)(total - 8))
            throw Fail($"{what} declares a header of {headerLength} bytes, but only {total - 8} bytes follow the header length: the file is truncated or corrupt.");
        byte[] headerBytes = ReadBlock(stream, (long)headerLength, available is not null, $"{what} is truncated: it ends inside its {headerLength}-byte header.");

        // 2. The JSON header.
        var (entries, metadata) = ParseHeader(headerBytes, what, nameMap);

        // 3. Metadata: architecture first, so a mismatch is reported as such rather than as a shape error. The layers
        //    must match; another optimizer only keeps its state from loading (decided with the tensors below).
        bool ours = metadata.Keys.Any(key => key.StartsWith(CheckpointMetadata.Prefix, StringComparison.Ordinal));
        long step = 0;
        float? learningRate = null;
        string? expectedChecksum = null;
        string? savedArchitecture = null;
        string? skipReason = null;
        if (ours)
        {
            if (metadata.TryGetValue(CheckpointMetadata.Version, out string? version) && version != FormatVersion)
                throw Fail($"{what} has checkpoint format version '{version}'; this runtime reads version {FormatVersion}.");
            if (!metadata.TryGetValue(CheckpointMetadata.Architecture, out string? architecture))
                throw Fail($"{what} has CompiledNets metadata but no '{CheckpointMetadata.Architecture}' entry: it is corrupt.");
            var saved = ArchitectureParts.Parse(architecture);
            var current = ArchitectureParts.Parse(network.Architecture);
            if (saved.Layers != current.Layers)
                throw Fail(
                    $"{what} was saved from a different architecture and cannot be loaded into this network: the layers differ.{Environment.NewLine}" +
                    $"  checkpoint: {architecture}{Environment.NewLine}" +
                    $"  network:    {network.Architecture}{Environment.NewLine}" +
                    "Load it into a network declared with the same layers (the loss and the optimizer may differ).");
            savedArchitecture = architecture;
            skipReason = OptimizerDifference(saved.Optimizer, current.Optimizer);
            if (metadata.TryGetValue(CheckpointMetadata.Fingerprint, out string? fingerprint) && fingerprint != Fingerprint(architecture))
                throw Fail($"{what} has the fingerprint '{fingerprint}', which is not the fingerprint of its architecture ('{Fingerprint(architecture)}'): the metadata is corrupt.");
            if (!metadata.TryGetValue(CheckpointMetadata.Checksum, out expectedChecksum))
                throw Fail($"{what} has CompiledNets metadata but no '{CheckpointMetadata.Checksum}' entry, so its data cannot be verified: it is corrupt.");
            if (metadata.TryGetValue(CheckpointMetadata.OptimizerStep, out string? stepText)
                && (!long.TryParse(stepText, NumberStyles.None, CultureInfo.InvariantCulture, out step) || step < 0))
                throw Fail($"{what} has the optimizer step '{stepText}', which is not a non-negative integer.");
            if (metadata.TryGetValue(CheckpointMetadata.LearningRate, out string? rateText))
            {
                if (!float.TryParse(rateText, NumberStyles.Float, CultureInfo.InvariantCulture, out float rate))
                    throw Fail($"{what} has the learning rate '{rateText}', which is not a number.");
                learningRate = rate;
            }
        }

        // 4. Tensors: names, dtypes, shapes and sizes against the network. The optimizer's tensors are checked when its
        //    state loads and skipped when it does not.
        var expected = new Dictionary<string, TensorInfo>(StringComparer.Ordinal);
        foreach (var tensor in tensors) expected[tensor.Name] = tensor;
        bool IsOptimizerEntry(Entry entry) =>
            expected.TryGetValue(entry.Name, out var tensor) ? tensor.Storage == TensorStorage.OptimizerState : entry.Name.StartsWith(OptimizerTensorPrefix, StringComparison.Ordinal);
        var stateEntries = entries.Where(e => e.Name.Length > 0 && IsOptimizerEntry(e)).ToList();
        var stateTensors = tensors.Where(t => t.Storage == TensorStorage.OptimizerState).ToList();
        if (!ours)
            skipReason = stateEntries.Count == 0
                ? "the file holds no optimizer state (it has no CompiledNets metadata, as files PyTorch writes)"
                : "the file has no CompiledNets metadata, so its optimizer tensors cannot be checked against this network's optimizer";
        skipReason ??= StateDifference(stateEntries, stateTensors);
        bool loadsState = skipReason is null;
        var skipped = entries.Where(e => e.Name.Length == 0 || (!loadsState && IsOptimizerEntry(e))).Select(e => e.FileName).ToList();
        var matched = new Dictionary<string, Entry>(StringComparer.Ordinal);
        foreach (var entry in entries)
        {
            if (entry.Name.Length == 0) continue; // skipped by the name map
            if (!loadsState && IsOptimizerEntry(entry)) continue; // another optimizer's state
            if (!expected.TryGetValue(entry.Name, out var tensor))
                throw Fail($"{what} contains the tensor {entry.Describe}, which the network does not have. The network's tensors are: {string.Join(", ", tensors.Select(t => t.Name))}.");
            if (matched.TryGetValue(entry.Name, out var other))
                throw Fail($"{what} contains both {other.Describe} and {entry.Describe} for the network's tensor '{entry.Name}'.");
            matched[entry.Name] = entry;
            if (entry.DType != "F32")
                throw Fail($"{what} stores the tensor {entry.Describe} as dtype {entry.DType}; only F32 (32-bit float) is supported. Convert it before saving (in PyTorch: tensor.float()).");
            if (!entry.Shape.AsSpan().SequenceEqual(Array.ConvertAll(tensor.Shape, d => (long)d)))
                throw Fail($"{what} has the tensor {entry.Describe} with shape {entry.ShapeText}, but the network expects {tensor.ShapeText}.");
            ulong bytes = (ulong)tensor.Length * sizeof(float);
            if (entry.End - entry.Begin != bytes)
                throw Fail($"{what} gives the tensor {entry.Describe} the data_offsets [{entry.Begin}, {entry.End}] ({entry.End - entry.Begin} bytes), but F32 {tensor.ShapeText} takes {bytes} bytes.");
        }
        foreach (var tensor in tensors)
        {
            if (matched.ContainsKey(tensor.Name)) continue;
            if (tensor.Storage == TensorStorage.OptimizerState && !loadsState) continue; // reset below
            throw Fail($"{what} is missing the tensor '{tensor.Name}' {tensor.ShapeText}.");
        }
        if (!loadsState && requireOptimizerState)
            throw Fail($"{what} cannot restore the optimizer state: {skipReason}. Load it with requireOptimizerState: false to load the weights alone, with a fresh optimizer.");

        // 5. Offsets: the tensors tile the data buffer exactly, without holes or overlaps (as the specification requires).
        ulong cursor = 0;
        foreach (var entry in entries.OrderBy(e => e.Begin).ThenBy(e => e.End))
        {
            if (entry.Begin != cursor)
                throw Fail(entry.Begin < cursor
                    ? $"{what} has overlapping tensors: {entry.Describe} starts at byte {entry.Begin}, before the previous tensor ends at {cursor}."
                    : $"{what} has a hole in its data: no tensor covers bytes {cursor} to {entry.Begin} (next is {entry.Describe}).");
            cursor = entry.End;
        }
        ulong dataLength = cursor;
        if (available is long size)
        {
            ulong follows = (ulong)(size - 8) - headerLength;
            if (follows < dataLength)
                throw Fail($"{what} is truncated: its header describes {dataLength} bytes of tensor data, but only {follows} follow the header.");
            if (follows > dataLength)
                throw Fail($"{what} has {follows - dataLength} bytes after the {dataLength} bytes of tensor data its header describes: it is corrupt.");
        }
        if (dataLength > (ulong)Array.MaxLength)
            throw Fail($"{what} describes {dataLength} bytes of tensor data, more than one array can hold.");
        byte[] data = ReadBlock(stream, (long)dataLength, available is not null,
            $"{what} is truncated: its header describes {dataLength} bytes of tensor data, but the stream ends before.");
        if (available is null && stream.ReadByte() >= 0)
            throw Fail($"{what} has bytes after the {dataLength} bytes of tensor data its header describes: it is corrupt.");

        // 6. Checksum (CompiledNets files only).
        if (expectedChecksum is not null)
        {
            using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            hash.AppendData(data);
            AppendMetadata(hash, metadata);
            string actual = Convert.ToHexStringLower(hash.GetHashAndReset());
            if (!string.Equals(actual, expectedChecksum, StringComparison.Ordinal))
                throw Fail($"{what} fails its checksum: the data is corrupt (stored {expectedChecksum}, computed {actual}).");
        }

        // 7. Decode into temporary copies of the network's buffers.
        var result = new LoadedCheckpoint
        {
            Parameters = network.Parameters.ToArray(),
            Buffers = network.Buffers.ToArray(),
            OptimizerState = loadsState ? network.OptimizerState.ToArray() : new float[network.OptimizerState.Length],
            // The step and the learning rate belong to the optimizer: restored with its state, else a fresh start.
            OptimizerStep = loadsState ? step : 0,
            LearningRate = loadsState ? learningRate : null,
            Result = new LoadResult
            {
                CheckpointArchitecture = savedArchitecture,
                OptimizerStateLoaded = loadsState,
                OptimizerStateSkipReason = skipReason,
                SkippedTensors = skipped,
            },
        };
        foreach (var entry in matched.Values)
        {
            var tensor = expected[entry.Name];
            float[] target = tensor.Storage switch
            {
                TensorStorage.Parameters => result.Parameters,
                TensorStorage.Buffers => result.Buffers,
                _ => result.OptimizerState,
            };
            ReadFloats(data.AsSpan((int)entry.Begin, (int)(entry.End - entry.Begin)), target.AsSpan(tensor.Offset, tensor.Length));
        }
        return result;
    }

    /// <summary>The optimizer's state tensors are named <c>optimizer.*</c> (<c>optimizer.exp_avg</c>, ...).</summary>
    private const string OptimizerTensorPrefix = "optimizer.";

    /// <summary>Why the saved optimizer's state cannot serve the network's, from the architecture's optimizer parts; null when the kinds agree.</summary>
    private static string? OptimizerDifference(string? saved, string? current)
    {
        if (saved == current) return null;
        if (current == ArchitectureParts.InferenceOnly) return $"this network is InferenceOnly, so it has no optimizer (the checkpoint was saved with {saved ?? "an unknown optimizer"})";
        if (saved == ArchitectureParts.InferenceOnly) return "the checkpoint was saved by an InferenceOnly network, which has no optimizer state";
        return $"the checkpoint was saved with the optimizer {saved ?? "(unknown)"}, this network uses {current ?? "(unknown)"}";
    }

    /// <summary>Why the file's optimizer tensors cannot fill the network's optimizer state; null when they are the same set.</summary>
    private static string? StateDifference(List<Entry> stateEntries, List<TensorInfo> stateTensors)
    {
        var saved = stateEntries.Select(e => e.Name).ToHashSet(StringComparer.Ordinal);
        if (saved.SetEquals(stateTensors.Select(t => t.Name))) return null;
        if (saved.Count == 0) return "the checkpoint holds no optimizer state (it was saved without one, for example by PyTorch)";
        string Names(IEnumerable<string> names) => names.Any() ? string.Join(", ", names) : "none";
        return $"its optimizer tensors ({Names(stateEntries.Select(e => e.Name))}) are not this network's ({Names(stateTensors.Select(t => t.Name))}): the optimizer is configured differently";
    }

    private static (List<Entry> Entries, Dictionary<string, string> Metadata) ParseHeader(
        byte[] headerBytes, string what, IReadOnlyDictionary<string, string>? nameMap)
    {
        if (headerBytes[0] != (byte)'{')
            throw Fail($"{what} has a header that does not start with '{{': it is not a safetensors file.");
        // JsonDocument validates UTF-8 only when a string is materialised; check the whole header up front.
        if (!System.Text.Unicode.Utf8.IsValid(headerBytes))
            throw Fail($"{what} has a header that is not valid UTF-8: it is corrupt.");
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(headerBytes, new JsonDocumentOptions { MaxDepth = 8 });
        }
        catch (JsonException e)
        {
            throw Fail($"{what} has a header that is not valid JSON ({e.Message}).", e);
        }
        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
                throw Fail($"{what} has a header that is not a JSON object.");
            var entries = new List<Entry>();
            var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
            var seen = new HashSet<string>(StringComparer.Ordinal);
            bool sawMetadata = false;
            foreach (var property in root.EnumerateObject())
            {
                if (property.Name == MetadataEntry)
                {
                    if (sawMetadata) throw Fail($"{what} has two '{MetadataEntry}' entries.");
                    sawMetadata = true;
                    if (property.Value.ValueKind != JsonValueKind.Object)
                        throw Fail($"{what} has a '{MetadataEntry}' entry that is not an object of strings.");
                    foreach (var item in property.Value.EnumerateObject())
                    {
                        if (item.Value.ValueKind != JsonValueKind.String)
                            throw Fail($"{what} has the metadata entry '{item.Name}' with a {item.Value.ValueKind} value; safetensors metadata values are strings.");
                        if (!metadata.TryAdd(item.Name, item.Value.GetString()!))
                            throw Fail($"{what} has the metadata entry '{item.Name}' twice.");
                    }
                    continue;
                }
                if (!seen.Add(property.Name))
                    throw Fail($"{what} has the tensor '{property.Name}' twice.");
                entries.Add(ParseEntry(property, what, nameMap));
            }
            return (entries, metadata);
        }
    }

    private static Entry ParseEntry(JsonProperty property, string what, IReadOnlyDictionary<string, string>? nameMap)
    {
        string name = property.Name;
        var value = property.Value;
        if (value.ValueKind != JsonValueKind.Object)
            throw Fail($"{what} has the tensor '{name}' described by a {value.ValueKind}, not an object with dtype, shape and data_offsets.");
        if (!value.TryGetProperty("dtype", out var dtype) || dtype.ValueKind != JsonValueKind.String)
            throw Fail($"{what} has the tensor '{name}' without a string 'dtype'.");
        if (!value.TryGetProperty("shape", out var shape) || shape.ValueKind != JsonValueKind.Array)
            throw Fail($"{what} has the tensor '{name}' without a 'shape' array.");
        if (!value.TryGetProperty("data_offsets", out var offsets) || offsets.ValueKind != JsonValueKind.Array || offsets.GetArrayLength() != 2)
            throw Fail($"{what} has the tensor '{name}' without 'data_offsets' [begin, end].");
        var dimensions = new long[shape.GetArrayLength()];
        int i = 0;
        foreach (var dimension in shape.EnumerateArray())
        {
            if (dimension.ValueKind != JsonValueKind.Number || !dimension.TryGetInt64(out long d) || d < 0)
                throw Fail($"{what} has the tensor '{name}' with a shape entry that is not a non-negative integer: {dimension.GetRawText()}.");
            dimensions[i++] = d;
        }
        if (offsets[0].ValueKind != JsonValueKind.Number || !offsets[0].TryGetUInt64(out ulong begin)
            || offsets[1].ValueKind != JsonValueKind.Number || !offsets[1].TryGetUInt64(out ulong end))
            throw Fail($"{what} has the tensor '{name}' with data_offsets that are not non-negative integers: {offsets.GetRawText()}.");
        if (end < begin)
            throw Fail($"{what} has the tensor '{name}' with data_offsets [{begin}, {end}] that end before they begin.");
        string mapped = nameMap is not null && nameMap.TryGetValue(name, out string? target) ? target ?? "" : name;
        return new Entry(name, mapped, dtype.GetString()!, dimensions, begin, end);
    }

    private static void ReadFloats(ReadOnlySpan<byte> source, Span<float> destination)
    {
        if (BitConverter.IsLittleEndian)
        {
            MemoryMarshal.Cast<byte, float>(source).CopyTo(destination);
            return;
        }
        for (int i = 0; i < destination.Length; i++)
            destination[i] = BinaryPrimitives.ReadSingleLittleEndian(source.Slice(i * sizeof(float)));
    }

    /// <summary>
    /// Reads exactly <paramref name="count"/> bytes. When the stream's length is unknown the buffer grows with the
    /// bytes that actually arrive, so a lying length cannot cause a large allocation.
    /// </summary>
    private static byte[] ReadBlock(Stream stream, long count, bool lengthChecked, string truncated)
    {
        if (lengthChecked)
        {
            byte[] exact = new byte[count];
            if (stream.ReadAtLeast(exact, exact.Length, throwOnEndOfStream: false) < count) throw Fail(truncated);
            return exact;
        }
        var collected = new MemoryStream();
        byte[] chunk = ArrayPool<byte>.Shared.Rent(CopyChunk);
        try
        {
            long remaining = count;
            while (remaining > 0)
            {
                int read = stream.Read(chunk, 0, (int)Math.Min(chunk.Length, remaining));
                if (read == 0) throw Fail(truncated);
                collected.Write(chunk, 0, read);
                remaining -= read;
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(chunk);
        }
        return collected.ToArray();
    }

    // InvalidDataException is sealed, so checkpoints use it directly rather than a subclass.
    private static InvalidDataException Fail(string message) => new(message);

    private static InvalidDataException Fail(string message, Exception inner) => new(message, inner);
}
