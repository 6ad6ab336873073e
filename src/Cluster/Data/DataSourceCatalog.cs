using System.Collections.Concurrent;

namespace CompiledNets.Cluster;

/// <summary>
/// The named data sources of one silo. Each source is loaded once, on first use, and kept in memory for every trial
/// and worker on the silo: training data stays where it is loaded and never travels in grain calls.
/// </summary>
public sealed class DataSourceCatalog
{
    private readonly Dictionary<string, Func<TrainingData>> _loaders;
    private readonly ConcurrentDictionary<string, Lazy<Task<TrainingData>>> _loaded = new(StringComparer.Ordinal);

    internal DataSourceCatalog(Dictionary<string, Func<TrainingData>> loaders) => _loaders = new(loaders, StringComparer.Ordinal);

    /// <summary>The registered names, sorted.</summary>
    public IReadOnlyList<string> Names => _loaders.Keys.Order(StringComparer.Ordinal).ToArray();

    /// <summary>True when <paramref name="name"/> is registered.</summary>
    public bool Contains(string name) => _loaders.ContainsKey(name);

    /// <summary>
    /// The data of source <paramref name="name"/>, loaded on a thread of its own the first time it is asked for.
    /// A load that failed is retried on the next call (the error may be transient, such as a missing download).
    /// </summary>
    /// <exception cref="KeyNotFoundException">No source has that name; the message lists the registered ones.</exception>
    public async Task<TrainingData> GetAsync(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (!_loaders.TryGetValue(name, out var loader))
            throw new KeyNotFoundException($"No data source named '{name}' is registered on this silo; registered: {NetworkCatalog.Describe(Names)}. Register it with silo.AddCompiledNets(n => n.AddData(\"{name}\", ...)).");
        // A dedicated thread: a load may parse files for seconds or minutes, which would starve the thread pool the silo runs on.
        var lazy = _loaded.GetOrAdd(name, _ => new Lazy<Task<TrainingData>>(() => Task.Factory.StartNew(() =>
        {
            var data = loader() ?? throw new InvalidOperationException($"The loader of data source '{name}' returned null.");
            data.Validate(name);
            return data;
        }, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default)));
        try
        {
            return await lazy.Value.ConfigureAwait(false);
        }
        catch
        {
            _loaded.TryRemove(new KeyValuePair<string, Lazy<Task<TrainingData>>>(name, lazy));
            throw;
        }
    }
}
