using System.Diagnostics;
using System.Globalization;
using CompiledNets;
using EnsembleSample;

// Five small MNIST networks trained from different seeds, then averaged: the ensemble beats every member.
//   dotnet run -c Release --project samples/Ensemble
const int Members = 5, Epochs = 2, BatchSize = 32;
CultureInfo.DefaultThreadCurrentCulture = CultureInfo.InvariantCulture;
CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;

Console.WriteLine($"Loading MNIST from {Mnist.DefaultDirectory} (downloaded on first use) ...");
var data = Mnist.Load();
Console.WriteLine($"{data.Train.Count:N0} training and {data.Test.Count:N0} test samples; {Members} members of 784-128-10, {Epochs} epochs each, batch {BatchSize}.");
Console.WriteLine();

var members = new MemberNet[Members];
var accuracies = new float[Members];
var clock = Stopwatch.StartNew();
for (int m = 0; m < Members; m++)
{
    int seed = m + 1;
    // A different seed changes the initial weights and the order of the minibatches.
    members[m] = new MemberNet(seed);
    members[m].Fit(data.Train, epochs: Epochs, batchSize: BatchSize, verbose: 0, seed: seed);
    var result = members[m].Evaluate(data.Test);
    accuracies[m] = result.Accuracy;
    Console.WriteLine($"member {m + 1} (seed {seed}): test accuracy {result.Accuracy * 100:0.00}%  loss {result.Loss:0.0000}");
}

var ensemble = new Ensemble(members);
var combined = ensemble.Evaluate(data.Test);
Console.WriteLine();
Console.WriteLine($"best member:   {accuracies.Max() * 100:0.00}%   mean member: {accuracies.Average() * 100:0.00}%");
Console.WriteLine($"ensemble of {Members}: test accuracy {combined.Accuracy * 100:0.00}%  loss {combined.Loss:0.0000}");
Console.WriteLine(combined.Accuracy > accuracies.Max()
    ? $"The ensemble beats every member (+{(combined.Accuracy - accuracies.Max()) * 100:0.00} points over the best)."
    : "The ensemble does not beat every member this time.");
Console.WriteLine($"({clock.Elapsed.TotalSeconds:0.0} s)");
return 0;
