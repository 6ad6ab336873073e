using System.Collections.Generic;
using System.Linq;
using Microsoft.CodeAnalysis;

namespace CompiledNets.Generator;

/// <summary>The one catalog of the generator's diagnostics. Each message names the layer or member and the fix.</summary>
internal static class Diagnostics
{
    private const string Category = "CompiledNets";
    private const string Docs = "docs/diagnostics.md#";

    public static readonly DiagnosticDescriptor NotPartial = Error("CN0001", "Network class must be partial",
        "The network class '{0}' must be declared partial so the generator can complete it: write 'public partial class {0}'");

    public static readonly DiagnosticDescriptor InvalidTypeKind = Error("CN0002", "Network must be a plain class",
        "'{0}' is {1}; a network must be a non-static, non-generic class that is not nested in a generic type or declared as a struct or record");

    public static readonly DiagnosticDescriptor InvalidInputs = Error("CN0003", "Inputs must be positive",
        "[Network] on '{0}' has Inputs = {1}; declare the number of input features, for example [Network(Inputs = 784)]");

    public static readonly DiagnosticDescriptor InvalidUnits = Error("CN0004", "Layer size must be positive",
        "Layer {0} ({1}) has {2} units; a layer needs at least one unit, for example [Dense(128, Activation.ReLU)]");

    public static readonly DiagnosticDescriptor NoLayers = Error("CN0005", "Network has no layers",
        "'{0}' declares no layers; add at least one layer after [Network], for example [Dense(10, Activation.Softmax)]");

    public static readonly DiagnosticDescriptor MissingLoss = Error("CN0006", "Network has no loss",
        "'{0}' declares no loss; add one, for example [Loss(LossFunction.CrossEntropy)] for a softmax output");

    public static readonly DiagnosticDescriptor MissingOptimizer = Error("CN0007", "Network has no optimizer",
        "'{0}' declares no optimizer; add exactly one, for example [Adam(LearningRate = 1e-3f)] or [Sgd(LearningRate = 0.1f)]");

    public static readonly DiagnosticDescriptor MultipleOptimizers = Error("CN0008", "Network has more than one optimizer",
        "'{0}' declares {1} optimizers ({2}); keep exactly one");

    public static readonly DiagnosticDescriptor LossActivationMismatch = Error("CN0009", "Loss does not fit the output activation",
        "{0} needs {1} output, but the last layer {2} uses {3}; {4}");

    public static readonly DiagnosticDescriptor SoftmaxNotLast = Error("CN0010", "Softmax before the last layer",
        "Layer {0} ({1}) uses Softmax, which is only valid on the last layer; use ReLU, Tanh or another element-wise activation here");

    public static readonly DiagnosticDescriptor StepInTrainableNetwork = Error("CN0011", "Step activation in a trainable network",
        "Layer {0} ({1}) uses Step, whose derivative is zero almost everywhere, so the network cannot be trained by gradient descent; use Sigmoid for a smooth perceptron output");

    public static readonly DiagnosticDescriptor InvalidHyperparameter = Error("CN0012", "Hyper-parameter out of range",
        "{0}: {1} = {2} is out of range; it must be {3}");

    public static readonly DiagnosticDescriptor InvalidEnumValue = Error("CN0013", "Unknown enum value",
        "{0}: {1} is not a defined {2} value");

    public static readonly DiagnosticDescriptor MemberCollision = Error("CN0014", "Member collides with a generated one",
        "'{0}' already declares a member named '{1}', which the generator emits for every network; rename or remove it");

    public static readonly DiagnosticDescriptor LayersSplitAcrossDeclarations = Error("CN0015", "Layers split across partial declarations",
        "'{0}' has layer or network attributes on {1} partial declarations; the layer order is only defined within one declaration, so put them all on one");

    public static readonly DiagnosticDescriptor ParameterCountOverflow = Error("CN0016", "Too many parameters",
        "'{0}' has {1} parameters, more than one array can hold ({2}); make the layers smaller");

    public static readonly DiagnosticDescriptor InvalidMaxBatchSize = Error("CN0017", "MaxBatchSize must be positive",
        "[Network] on '{0}' has MaxBatchSize = {1}; it must be between 1 and {2}, for example MaxBatchSize = 256");

    public static readonly DiagnosticDescriptor InternalError = Error("CN0099", "The generator failed",
        "The CompiledNets generator failed on '{0}' ({1}); no code was generated for it. Please report this with the declaration");

    private static readonly Dictionary<string, DiagnosticDescriptor> All = typeof(Diagnostics)
        .GetFields()
        .Where(f => f.FieldType == typeof(DiagnosticDescriptor))
        .Select(f => (DiagnosticDescriptor)f.GetValue(null))
        .ToDictionary(d => d.Id);

    public static DiagnosticDescriptor ById(string id) => All[id];

    private static DiagnosticDescriptor Error(string id, string title, string message) =>
        new(id, title, message, Category, DiagnosticSeverity.Error, isEnabledByDefault: true, helpLinkUri: Docs + id.ToLowerInvariant());
}
