using System.CommandLine;
using SweepSample;

// Hyper-parameter sweeps, ensembles and data-parallel training of compiled MNIST networks on an Orleans cluster.
//   dotnet run -c Release --project samples/Sweep -- --silos 2 --trials 4 --epochs 1       (two silos in this process)
//   dotnet run -c Release --project samples/Sweep -- --silo                                 (terminal 1: a silo)
//   dotnet run -c Release --project samples/Sweep -- --join 127.0.0.1:11111 --trials 4      (terminal 2: a second silo that runs the sweep)

var silos = new Option<int>("--silos") { Description = "Silos to start in this process, on localhost (ignored with --silo or --join).", DefaultValueFactory = _ => 2 };
var silo = new Option<bool>("--silo") { Description = "Run one silo and serve until Ctrl+C: the primary, or with --join a silo that joins one." };
var join = new Option<string?>("--join") { Description = "HOST:PORT of a primary silo to join (its silo port, 11111 by default). Without --silo this process also runs the sweep." };
var port = new Option<int?>("--port") { Description = $"Silo port of this process with --silo or --join (default {Silos.DefaultSiloPort} for a primary, a free port otherwise); the gateway listens on a free port." };
var trials = new Option<int>("--trials") { Description = "Trials of the random search (learning rate log-uniform in [5e-4, 5e-3], batch size 32, 64 or 128).", DefaultValueFactory = _ => 4 };
var epochs = new Option<int>("--epochs") { Description = "Epochs per trial (with --halving: the most a trial gets).", DefaultValueFactory = _ => 2 };
var models = new Option<string>("--models") { Description = "Networks the search chooses from: small (784-128-10), deep (784-1024-512-256-10), or both: small,deep.", DefaultValueFactory = _ => "small" };
var seed = new Option<int>("--seed") { Description = "Seed of the search and of every trial's initialisation.", DefaultValueFactory = _ => 1 };
var halving = new Option<bool>("--halving") { Description = "Successive halving: every trial trains 1 epoch, the best third continues (3x the epochs), and so on up to --epochs." };
var ensemble = new Option<int>("--ensemble") { Description = "Instead of a sweep: train an ensemble of this many members (seeds 1..N) across the silos." };
var dataParallel = new Option<string?>("--data-parallel") { Description = "Instead of a sweep: train this network (small or deep) data-parallel and report the per-step synchronisation cost." };
var workers = new Option<int>("--workers") { Description = "Data-parallel workers (spread over the silos).", DefaultValueFactory = _ => 2 };
var steps = new Option<int>("--steps") { Description = "Data-parallel steps.", DefaultValueFactory = _ => 200 };
var batch = new Option<int>("--batch-size") { Description = "Data-parallel global batch (split evenly over the workers).", DefaultValueFactory = _ => 64 };
var syncEvery = new Option<int?>("--sync-every") { Description = "Data-parallel local SGD: average parameters every n steps instead of gradients every step." };
var threads = new Option<int?>("--threads") { Description = "Threads per network (default: the cores shared out over the silos of this process)." };
var data = new Option<DirectoryInfo?>("--data") { Description = "A directory holding the four MNIST IDX files, read by every silo. Default: the cache folder, downloaded on first use." };
var name = new Option<string?>("--name") { Description = "The sweep's name; running again with the same name and settings picks the sweep up where it is." };
var save = new Option<FileInfo?>("--save") { Description = "Write the best trial's checkpoint (.safetensors) to this path." };
var json = new Option<bool>("--json") { Description = "Print only the final JSON line (no live table, no log)." };
var verbose = new Option<bool>("--verbose") { Description = "Show the silos' information log." };

var root = new RootCommand("Trains compiled MNIST networks on an Orleans cluster: a hyper-parameter sweep with a live leaderboard, an ensemble, or one network data-parallel.")
{
    silos, silo, join, port, trials, epochs, models, seed, halving, ensemble, dataParallel, workers, steps, batch, syncEvery, threads, data, name, save, json, verbose,
};
foreach (var option in new[] { silos, trials, epochs, workers, steps, batch })
    option.Validators.Add(result =>
    {
        if (result.GetValueOrDefault<int>() < 1) result.AddError($"{result.Option.Name} must be at least 1.");
    });
models.Validators.Add(result =>
{
    var bad = result.GetValueOrDefault<string>().Split(',').FirstOrDefault(m => m is not ("small" or "deep"));
    if (bad is not null) result.AddError($"--models takes small, deep or small,deep, not '{bad}'.");
});
dataParallel.Validators.Add(result =>
{
    if (result.GetValueOrDefault<string?>() is string model && model is not ("small" or "deep")) result.AddError($"--data-parallel takes small or deep, not '{model}'.");
});

root.SetAction((parse, cancellation) =>
{
    bool separate = parse.GetValue(silo) || parse.GetValue(join) is not null;
    int inProcess = separate ? 1 : parse.GetValue(silos);
    var settings = new Settings
    {
        Silos = parse.GetValue(silos),
        SiloOnly = parse.GetValue(silo),
        Join = parse.GetValue(join),
        Port = parse.GetValue(port),
        Trials = parse.GetValue(trials),
        Epochs = parse.GetValue(epochs),
        Models = parse.GetValue(models)!.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries),
        Seed = parse.GetValue(seed),
        Halving = parse.GetValue(halving),
        Ensemble = parse.GetValue(ensemble),
        DataParallel = parse.GetValue(dataParallel),
        Workers = parse.GetValue(workers),
        Steps = parse.GetValue(steps),
        BatchSize = parse.GetValue(batch),
        SyncEvery = parse.GetValue(syncEvery),
        Threads = parse.GetValue(threads) ?? Math.Max(1, Environment.ProcessorCount / inProcess),
        DataDirectory = parse.GetValue(data)?.FullName,
        Name = parse.GetValue(name),
        SavePath = parse.GetValue(save)?.FullName,
        Json = parse.GetValue(json),
        Verbose = parse.GetValue(verbose),
    };
    return App.RunAsync(settings, cancellation);
});
return await root.Parse(args).InvokeAsync();
