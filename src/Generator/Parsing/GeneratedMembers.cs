using System;
using System.Collections.Generic;
using System.Linq;
using CompiledNets.Generator.Model;
using Microsoft.CodeAnalysis;

namespace CompiledNets.Generator.Parsing;

/// <summary>
/// The member names the emitter writes into every network class, so a user member with one of them can be
/// reported (CN0014) instead of breaking the generated code. <c>GeneratedMemberTests</c> compiles networks and
/// fails when the emitter writes a member this list does not cover: keep the two in step.
/// </summary>
internal static class GeneratedMembers
{
    /// <summary>
    /// Fixed names, with the parameter count of generated methods (null for fields, properties and constants):
    /// a user method of the same name and another parameter count is a legal overload.
    /// </summary>
    internal static readonly IReadOnlyDictionary<string, int?> Names = new Dictionary<string, int?>(StringComparer.Ordinal)
    {
        // The INetwork contract and public constants.
        ["InputSize"] = null, ["OutputSize"] = null, ["ParameterCount"] = null, ["OptimizerStateCount"] = null,
        ["DefaultMaxBatchSize"] = null, ["MaxBatchSize"] = null, ["Loss"] = null, ["Parameters"] = null,
        ["Gradients"] = null, ["Buffers"] = null, ["OptimizerState"] = null, ["Tensors"] = null,
        ["Architecture"] = null, ["Summary"] = null, ["LearningRate"] = null, ["OptimizerStep"] = null,
        ["TrainingOutputs"] = null,
        ["Predict"] = 2, ["PredictBatch"] = 3, ["ComputeGradients"] = 3, ["ApplyGradients"] = 0, ["TrainBatch"] = 3,
        // Private constants, tables, buffers and helpers.
        ["WidestHidden"] = null, ["Widest"] = null, ["ArchitectureText"] = null, ["TensorLayout"] = null,
        ["SummaryTable"] = null, ["InitialLearningRate"] = null, ["AdamBeta1"] = null, ["AdamBeta2"] = null, ["OptimizerEpsilon"] = null,
        ["_parameters"] = null, ["_gradients"] = null, ["_optimizerState"] = null, ["_deltaA"] = null, ["_deltaB"] = null,
        ["_learningRate"] = null, ["_optimizerStep"] = null, ["_trainingRows"] = null,
        ["InitializeParameters"] = 1, ["CheckTrainingBatch"] = 3, ["ThrowLength"] = 4,
        ["BufferCount"] = null, ["Threads"] = null, ["ParallelThreshold"] = null, ["RmsPropAlpha"] = null, ["OptimizerMomentum"] = null,
        ["DecoupledWeightDecay"] = null, ["_input"] = null, ["_buffers"] = null, ["_pool"] = null, ["_threads"] = null,
        ["_rows"] = null, ["t_predictScratch"] = null, ["_dropoutRandom"] = null, ["SplitsAcrossCores"] = 1, ["_predictRows"] = null, ["_predictBusy"] = null, ["PredictAcrossCores"] = 2, ["RunAcrossCores"] = 1, ["PartitionOf"] = 3,
        ["ApplyGradientsRange"] = 2, ["_applyGradientsPart"] = null, ["_inferenceWeights"] = null, ["_winogradWeights"] = null,
        ["PredictBlockRows"] = null, ["t_predictBlock"] = null, ["_predictBlocks"] = null, ["PredictBlock"] = 4,
    };

    /// <summary>
    /// Per-layer names start with the layer kind and its 1-based index: <c>Dense1Units</c>, <c>_dense1Output</c>; the
    /// training segments' with <c>ForwardSegment</c> or <c>BackwardSegment</c> and a 0-based one (<c>BackwardSegment0</c>,
    /// <c>_backwardSegment0</c>). Every such name is reserved, for every layer kind.
    /// </summary>
    internal static bool IsLayerName(string name)
    {
        foreach (string stem in Layers.LayerCatalog.Kinds.Select(k => k.Identifier).Concat(SegmentStems))
        {
            if (StartsWithIndexed(name, stem)) return true;
            if (StartsWithIndexed(name, "_" + char.ToLowerInvariant(stem[0]) + stem.Substring(1))) return true;
        }
        return false;
    }

    private static readonly string[] SegmentStems = { "ForwardSegment", "BackwardSegment" };

    private static bool StartsWithIndexed(string name, string prefix) =>
        name.Length > prefix.Length && name.StartsWith(prefix, StringComparison.Ordinal) && char.IsDigit(name[prefix.Length]);

    /// <summary>Whether <paramref name="member"/> (declared by the user) clashes with a generated member.</summary>
    public static bool Collides(ISymbol member)
    {
        if (member.IsImplicitlyDeclared) return false;
        if (member is IMethodSymbol { MethodKind: MethodKind.Constructor } constructor)
            return !constructor.IsStatic && constructor.Parameters.Length <= 2 && constructor.Parameters.All(p => p.Type.SpecialType == SpecialType.System_Int32);
        if (member is IMethodSymbol { MethodKind: not MethodKind.Ordinary }) return false;
        if (IsLayerName(member.Name)) return true;
        if (!Names.TryGetValue(member.Name, out int? parameters)) return false;
        return parameters is null || member is not IMethodSymbol method || method.Parameters.Length == parameters;
    }

    /// <summary>How messages name the member: <c>a member named 'Predict'</c> or <c>the constructor Net(int)</c>.</summary>
    public static string Describe(ISymbol member) => member is IMethodSymbol { MethodKind: MethodKind.Constructor } constructor
        ? "the constructor " + constructor.ContainingType.Name + "(" + string.Join(", ", constructor.Parameters.Select(p => "int")) + ")"
        : "a member named '" + member.Name + "'";
}
