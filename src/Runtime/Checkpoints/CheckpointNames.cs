namespace CompiledNets;

/// <summary>
/// Name maps for <see cref="Checkpoint.Load(INetwork, string, IReadOnlyDictionary{string, string}?, bool)"/>: they
/// translate the tensor names of a checkpoint written elsewhere into the network's names
/// (<c>dense1.weight</c>, <c>dense1.bias</c>, ...). A map goes from the checkpoint's name to the network's
/// name; names it does not contain are used unchanged, and a name mapped to the empty string is skipped.
/// </summary>
public static class CheckpointNames
{
    /// <summary>
    /// Maps the state dict of a PyTorch <c>nn.Sequential</c> onto the network: the network's layers that own
    /// tensors, in order (<c>dense1</c>, <c>dense2</c>, ...), correspond to the given module names of the
    /// <c>Sequential</c> (the indices of its <c>nn.Linear</c>, ... modules; activations own no tensors and are
    /// left out). For <c>nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 3))</c> pass <c>"0", "2"</c>:
    /// <c>0.weight</c> becomes <c>dense1.weight</c>, <c>2.bias</c> becomes <c>dense2.bias</c>. Tensors named
    /// <c>gamma</c>/<c>beta</c> here are PyTorch's <c>weight</c>/<c>bias</c>, and a norm layer's
    /// <c>num_batches_tracked</c> is skipped. Convnets work the same way, since <c>conv1.weight</c> is PyTorch's
    /// <c>[out, in, kh, kw]</c> and pooling and Flatten own no tensors: for <c>nn.Sequential(nn.Conv2d(1, 32, 3), nn.ReLU(),
    /// nn.MaxPool2d(2), nn.Conv2d(32, 64, 3), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(), nn.Dropout(0.5), nn.Linear(1600, 10))</c>
    /// pass <c>0, 3, 8</c>.
    /// </summary>
    /// <param name="network">The network the checkpoint is loaded into.</param>
    /// <param name="moduleNames">One PyTorch module name (or index) per layer of the network that owns tensors.</param>
    /// <returns>A map from PyTorch names to the network's names.</returns>
    /// <exception cref="ArgumentException">The number of module names differs from the number of layers with tensors.</exception>
    public static IReadOnlyDictionary<string, string> FromPyTorchSequential(INetwork network, params string[] moduleNames)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(moduleNames);
        var layers = new List<string>();
        foreach (var tensor in network.Tensors)
        {
            if (tensor.Storage == TensorStorage.OptimizerState) continue;
            string layer = LayerOf(tensor.Name);
            if (!layers.Contains(layer)) layers.Add(layer);
        }
        if (layers.Count != moduleNames.Length)
            throw new ArgumentException(
                $"The network has {layers.Count} layers with tensors ({string.Join(", ", layers)}), but {moduleNames.Length} PyTorch module names were given ({string.Join(", ", moduleNames)}); give one per layer, in order.",
                nameof(moduleNames));

        var map = new Dictionary<string, string>(StringComparer.Ordinal);
        for (int i = 0; i < layers.Count; i++)
        {
            string module = moduleNames[i];
            foreach (var tensor in network.Tensors)
            {
                if (tensor.Storage == TensorStorage.OptimizerState || LayerOf(tensor.Name) != layers[i]) continue;
                if (tensor.Name.Length == layers[i].Length)
                {
                    map[module] = tensor.Name; // a tensor named like its layer (no '.suffix')
                    continue;
                }
                string suffix = tensor.Name.Substring(layers[i].Length + 1);
                string torchSuffix = suffix switch { "gamma" => "weight", "beta" => "bias", _ => suffix };
                map[module + "." + torchSuffix] = tensor.Name;
                if (torchSuffix is "running_mean" or "running_var") map[module + ".num_batches_tracked"] = "";
            }
        }
        return map;
    }

    /// <summary>
    /// <see cref="FromPyTorchSequential(INetwork, string[])"/> with the module indices of the <c>nn.Sequential</c>
    /// as numbers: for <c>nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 3))</c> pass <c>0, 2</c>.
    /// </summary>
    /// <param name="network">The network the checkpoint is loaded into.</param>
    /// <param name="moduleIndices">One module index per layer of the network that owns tensors.</param>
    /// <returns>A map from PyTorch names to the network's names.</returns>
    public static IReadOnlyDictionary<string, string> FromPyTorchSequential(INetwork network, params int[] moduleIndices)
    {
        ArgumentNullException.ThrowIfNull(moduleIndices);
        return FromPyTorchSequential(network, Array.ConvertAll(moduleIndices, i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)));
    }

    /// <summary>
    /// Maps the state dict of a PyTorch module whose submodules carry the network's layer names (a graph's node names:
    /// <c>self.h1 = nn.Linear(...)</c>, <c>self.bn = nn.BatchNorm1d(...)</c>) onto the network: the names already agree
    /// except for the normalisation layers, whose <c>weight</c>/<c>bias</c> are the network's <c>gamma</c>/<c>beta</c>
    /// and whose <c>num_batches_tracked</c> is skipped. <see cref="Checkpoint.Load(INetwork, string, IReadOnlyDictionary{string, string}?, bool)"/>
    /// applies this map when it is given none: none of its names is a name of the network.
    /// </summary>
    /// <param name="network">The network the checkpoint is loaded into.</param>
    /// <returns>A map from PyTorch names to the network's names (empty for a network without normalisation layers).</returns>
    public static IReadOnlyDictionary<string, string> FromPyTorchModule(INetwork network)
    {
        ArgumentNullException.ThrowIfNull(network);
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var tensor in network.Tensors) names.Add(tensor.Name);
        var map = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var tensor in network.Tensors)
        {
            if (tensor.Storage == TensorStorage.OptimizerState) continue;
            string layer = LayerOf(tensor.Name);
            if (layer.Length == tensor.Name.Length) continue;
            string? alias = tensor.Name[(layer.Length + 1)..] switch
            {
                "gamma" => "weight",
                "beta" => "bias",
                "running_mean" => "num_batches_tracked",
                _ => null,
            };
            if (alias is null || names.Contains(layer + "." + alias)) continue;
            map[layer + "." + alias] = alias == "num_batches_tracked" ? "" : tensor.Name;
        }
        return map;
    }

    private static string LayerOf(string tensorName)
    {
        int dot = tensorName.LastIndexOf('.');
        return dot < 0 ? tensorName : tensorName.Substring(0, dot);
    }
}
