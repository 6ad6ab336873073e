using System.Collections.Generic;
using System.Linq;
using Microsoft.CodeAnalysis;

namespace CompiledNets.Generator;

/// <summary>
/// The one catalog of the generator's diagnostics. Each message names the class, the layer ("Layer 3 (Dense 10)")
/// or the member, and says how to fix it; each has a section in <c>docs/diagnostics.md</c>. IDs are stable: new
/// diagnostics get the next free number and a line in <c>AnalyzerReleases.Unshipped.md</c>.
/// </summary>
/// <remarks>
/// Descriptors are written as plain <c>new DiagnosticDescriptor(...)</c> with literal arguments so the
/// Microsoft.CodeAnalysis.Analyzers release-tracking rules (RS2000-RS2008) can check them against the release files.
/// </remarks>
internal static class Diagnostics
{
    /// <summary>The shape of the class: partial, static, generic, nesting, members.</summary>
    public const string DeclarationCategory = "CompiledNets.Declaration";
    /// <summary>Layers, sizes, loss and activations.</summary>
    public const string ArchitectureCategory = "CompiledNets.Architecture";
    /// <summary>Optimizer and hyper-parameters.</summary>
    public const string TrainingCategory = "CompiledNets.Training";
    /// <summary>Failures of the generator itself.</summary>
    public const string GeneratorCategory = "CompiledNets.Generator";

    public static readonly DiagnosticDescriptor NotPartial = new(
        "CN0001", "Network class must be partial",
        "The network class '{0}' must be declared partial so the generator can complete it: write 'public partial class {0}'",
        DeclarationCategory, DiagnosticSeverity.Error, isEnabledByDefault: true, helpLinkUri: DocumentationLinks.DiagnosticsPage + "#cn0001");

    public static readonly DiagnosticDescriptor InvalidTypeKind = new(
        "CN0002", "Network must be a plain class",
        "'{0}' is {1}; a network must be a non-static, non-abstract, non-generic, non-file-local class (not a record) that is not nested in a generic type or an interface",
        DeclarationCategory, DiagnosticSeverity.Error, isEnabledByDefault: true, helpLinkUri: DocumentationLinks.DiagnosticsPage + "#cn0002");

    public static readonly DiagnosticDescriptor InvalidInputs = new(
        "CN0003", "Inputs must be positive",
        "[Network] on '{0}' has Inputs = {1}; declare the number of input features, for example [Network(Inputs = 784)], or the inputs with [Input(\"image\", 784)]",
        ArchitectureCategory, DiagnosticSeverity.Error, isEnabledByDefault: true, helpLinkUri: DocumentationLinks.DiagnosticsPage + "#cn0003");

    public static readonly DiagnosticDescriptor InvalidUnits = new(
        "CN0004", "Layer size must be positive",
        "Layer {0} ({1}) has {2} units; a layer needs at least one unit, for example [Dense(128, Activation.ReLU)]",
        ArchitectureCategory, DiagnosticSeverity.Error, isEnabledByDefault: true, helpLinkUri: DocumentationLinks.DiagnosticsPage + "#cn0004");

    public static readonly DiagnosticDescriptor NoLayers = new(
        "CN0005", "Network has no layers",
        "'{0}' declares no layers; add at least one layer after [Network], for example [Dense(10, Activation.Softmax)]",
        ArchitectureCategory, DiagnosticSeverity.Error, isEnabledByDefault: true, helpLinkUri: DocumentationLinks.DiagnosticsPage + "#cn0005");

    public static readonly DiagnosticDescriptor MissingLoss = new(
        "CN0006", "Network has no loss",
        "'{0}' declares no loss; add one, for example [Loss(LossFunction.CrossEntropy)] for a softmax output",
        ArchitectureCategory, DiagnosticSeverity.Error, isEnabledByDefault: true, helpLinkUri: DocumentationLinks.DiagnosticsPage + "#cn0006");

    public static readonly DiagnosticDescriptor MissingOptimizer = new(
        "CN0007", "Network has no optimizer",
        "'{0}' declares no optimizer; add exactly one, for example [Adam(LearningRate = 1e-3f)] or [Sgd(LearningRate = 0.1f)]",
        TrainingCategory, DiagnosticSeverity.Error, isEnabledByDefault: true, helpLinkUri: DocumentationLinks.DiagnosticsPage + "#cn0007");

    public static readonly DiagnosticDescriptor MultipleOptimizers = new(
        "CN0008", "Network has more than one optimizer",
        "'{0}' declares {1} optimizers ({2}); keep exactly one",
        TrainingCategory, DiagnosticSeverity.Error, isEnabledByDefault: true, helpLinkUri: DocumentationLinks.DiagnosticsPage + "#cn0008");

    public static readonly DiagnosticDescriptor LossActivationMismatch = new(
        "CN0009", "Loss does not fit the output activation",
        "{0} needs {1} output, but the last layer {2} uses {3}; {4}",
        ArchitectureCategory, DiagnosticSeverity.Error, isEnabledByDefault: true, helpLinkUri: DocumentationLinks.DiagnosticsPage + "#cn0009");

    public static readonly DiagnosticDescriptor SoftmaxNotLast = new(
        "CN0010", "Softmax before the last layer",
        "Layer {0} ({1}) uses Softmax, which is only valid on the last layer; use ReLU, Tanh or another element-wise activation here",
        ArchitectureCategory, DiagnosticSeverity.Error, isEnabledByDefault: true, helpLinkUri: DocumentationLinks.DiagnosticsPage + "#cn0010");

    public static readonly DiagnosticDescriptor StepInTrainableNetwork = new(
        "CN0011", "Step activation in a trainable network",
        "Layer {0} ({1}) uses Step, whose derivative is zero almost everywhere, so the network cannot be trained by gradient descent; use Sigmoid for a smooth perceptron output",
        ArchitectureCategory, DiagnosticSeverity.Error, isEnabledByDefault: true, helpLinkUri: DocumentationLinks.DiagnosticsPage + "#cn0011");

    public static readonly DiagnosticDescriptor InvalidHyperparameter = new(
        "CN0012", "Hyper-parameter out of range",
        "{0}: {1} = {2} is out of range; it must be {3}, for example {1} = {4}",
        TrainingCategory, DiagnosticSeverity.Error, isEnabledByDefault: true, helpLinkUri: DocumentationLinks.DiagnosticsPage + "#cn0012");

    public static readonly DiagnosticDescriptor InvalidEnumValue = new(
        "CN0013", "Unknown enum value",
        "{0}: {1} is not a defined {2} value; use one of {3}",
        ArchitectureCategory, DiagnosticSeverity.Error, isEnabledByDefault: true, helpLinkUri: DocumentationLinks.DiagnosticsPage + "#cn0013");

    public static readonly DiagnosticDescriptor MemberCollision = new(
        "CN0014", "Member collides with a generated one",
        "'{0}' already declares {1}, which the generator emits for every network; rename or remove it",
        DeclarationCategory, DiagnosticSeverity.Error, isEnabledByDefault: true, helpLinkUri: DocumentationLinks.DiagnosticsPage + "#cn0014");

    public static readonly DiagnosticDescriptor LayersSplitAcrossDeclarations = new(
        "CN0015", "Layers split across partial declarations",
        "'{0}' has network, layer, loss or optimizer attributes on {1} partial declarations; the layer order is only defined within one declaration, so move them all next to [Network]",
        ArchitectureCategory, DiagnosticSeverity.Error, isEnabledByDefault: true, helpLinkUri: DocumentationLinks.DiagnosticsPage + "#cn0015");

    public static readonly DiagnosticDescriptor ParameterCountOverflow = new(
        "CN0016", "Too many parameters",
        "'{0}' needs {1} values for {2}, more than one array can hold ({3}); make the layers smaller",
        ArchitectureCategory, DiagnosticSeverity.Error, isEnabledByDefault: true, helpLinkUri: DocumentationLinks.DiagnosticsPage + "#cn0016");

    public static readonly DiagnosticDescriptor InvalidMaxBatchSize = new(
        "CN0017", "MaxBatchSize out of range",
        "[Network] on '{0}' has MaxBatchSize = {1}; it must be between 1 and {2}, for example MaxBatchSize = 256",
        ArchitectureCategory, DiagnosticSeverity.Error, isEnabledByDefault: true, helpLinkUri: DocumentationLinks.DiagnosticsPage + "#cn0017");

    public static readonly DiagnosticDescriptor ContainingTypeNotPartial = new(
        "CN0018", "Type containing a network must be partial",
        "'{0}' contains the network '{1}', so it must be declared partial as well: write 'partial {2} {0}'",
        DeclarationCategory, DiagnosticSeverity.Error, isEnabledByDefault: true, helpLinkUri: DocumentationLinks.DiagnosticsPage + "#cn0018");

    public static readonly DiagnosticDescriptor AttributeWithoutNetwork = new(
        "CN0019", "Network attribute on a class without [Network]",
        "[{0}] on '{1}' has no effect because '{1}' is not marked [Network]; add [Network(Inputs = ...)] before its layers, or remove the attribute",
        DeclarationCategory, DiagnosticSeverity.Error, isEnabledByDefault: true, helpLinkUri: DocumentationLinks.DiagnosticsPage + "#cn0019");

    public static readonly DiagnosticDescriptor PrimaryConstructor = new(
        "CN0020", "Network class has a primary constructor",
        "'{0}' has a primary constructor, but the generator emits the constructors of a network ({0}(), {0}(int seed), {0}(int seed, int maxBatchSize)); remove the parameter list and keep the state in fields or properties",
        DeclarationCategory, DiagnosticSeverity.Error, isEnabledByDefault: true, helpLinkUri: DocumentationLinks.DiagnosticsPage + "#cn0020");

    public static readonly DiagnosticDescriptor TrainingBuffersTooLarge = new(
        "CN0021", "Training buffers too large",
        "'{0}' needs MaxBatchSize ({1}) × {2} = {3} values for one training buffer, more than one array can hold ({4}); lower MaxBatchSize or make the layer smaller",
        ArchitectureCategory, DiagnosticSeverity.Error, isEnabledByDefault: true, helpLinkUri: DocumentationLinks.DiagnosticsPage + "#cn0021");

    public static readonly DiagnosticDescriptor ClassNameCollision = new(
        "CN0022", "Network class name collides with a generated member",
        "The network class is named '{0}', which is also the name of a member the generator emits into it (a member cannot share its class's name); rename the class, for example '{0}Net'",
        DeclarationCategory, DiagnosticSeverity.Error, isEnabledByDefault: true, helpLinkUri: DocumentationLinks.DiagnosticsPage + "#cn0022");

    public static readonly DiagnosticDescriptor OptimizerOnInferenceOnlyNetwork = new(
        "CN0023", "Optimizer on an inference-only network",
        "'{0}' is declared InferenceOnly, so it never takes an optimizer step; remove [{1}], or remove InferenceOnly to train the network",
        DeclarationCategory, DiagnosticSeverity.Error, isEnabledByDefault: true, helpLinkUri: DocumentationLinks.DiagnosticsPage + "#cn0023");

    public static readonly DiagnosticDescriptor InvalidInputShape = new(
        "CN0024", "InputShape must be a size or channels, height and width",
        "[Network] on '{0}' has InputShape = {1}; declare new[] {{ channels, height, width }} for images or new[] {{ features }}, every value positive, for example InputShape = new[] {{ 1, 28, 28 }}",
        ArchitectureCategory, DiagnosticSeverity.Error, isEnabledByDefault: true, helpLinkUri: DocumentationLinks.DiagnosticsPage + "#cn0024");

    public static readonly DiagnosticDescriptor InputsDisagreeWithInputShape = new(
        "CN0025", "Inputs disagrees with InputShape",
        "[Network] on '{0}' declares Inputs = {1}, but InputShape = {2} holds {3} values; remove Inputs (InputShape implies it)",
        ArchitectureCategory, DiagnosticSeverity.Error, isEnabledByDefault: true, helpLinkUri: DocumentationLinks.DiagnosticsPage + "#cn0025");

    public static readonly DiagnosticDescriptor WindowLargerThanInput = new(
        "CN0026", "Window larger than its input",
        "Layer {0} ({1}) has a {2} window but its input is {3} (padded: {4}); use a smaller window, Padding = Padding.Same, or fewer pooling layers before it",
        ArchitectureCategory, DiagnosticSeverity.Error, isEnabledByDefault: true, helpLinkUri: DocumentationLinks.DiagnosticsPage + "#cn0026");

    public static readonly DiagnosticDescriptor FlatLayerAfterImage = new(
        "CN0027", "Layer needs a flat input",
        "Layer {0} ({1}) needs a vector of features but gets the {2} image of {3}; add [Flatten] (or [GlobalAvgPool2D]) before it",
        ArchitectureCategory, DiagnosticSeverity.Error, isEnabledByDefault: true, helpLinkUri: DocumentationLinks.DiagnosticsPage + "#cn0027");

    public static readonly DiagnosticDescriptor ImageLayerAfterFlat = new(
        "CN0028", "Layer needs an image input",
        "Layer {0} ({1}) needs a [channels, height, width] input but gets the {2} vector of {3}; declare [Network(InputShape = new[] {{ channels, height, width }})], or place it before [Flatten] and Dense layers",
        ArchitectureCategory, DiagnosticSeverity.Error, isEnabledByDefault: true, helpLinkUri: DocumentationLinks.DiagnosticsPage + "#cn0028");

    public static readonly DiagnosticDescriptor UnknownSource = new(
        "CN0029", "Layer reads a name not declared before it",
        "Layer {0} ({1}) reads '{2}', which is {3}; name an earlier layer or input ({4})",
        ArchitectureCategory, DiagnosticSeverity.Error, isEnabledByDefault: true, helpLinkUri: DocumentationLinks.DiagnosticsPage + "#cn0029");

    public static readonly DiagnosticDescriptor DuplicateName = new(
        "CN0030", "Two layers or inputs share a name",
        "{0} is named '{1}', like {2}; give every layer and input its own name",
        ArchitectureCategory, DiagnosticSeverity.Error, isEnabledByDefault: true, helpLinkUri: DocumentationLinks.DiagnosticsPage + "#cn0030");

    public static readonly DiagnosticDescriptor MergeTooFewInputs = new(
        "CN0031", "A merge needs at least two inputs",
        "Layer {0} ({1}) merges {2}; name at least two earlier layers or inputs, for example [{1}(\"h1\", \"h3\")]",
        ArchitectureCategory, DiagnosticSeverity.Error, isEnabledByDefault: true, helpLinkUri: DocumentationLinks.DiagnosticsPage + "#cn0031");

    public static readonly DiagnosticDescriptor MergeShapeMismatch = new(
        "CN0032", "Shapes that cannot be merged",
        "Layer {0} ({1}) cannot merge '{2}' {3} with '{4}' {5}; {6}",
        ArchitectureCategory, DiagnosticSeverity.Error, isEnabledByDefault: true, helpLinkUri: DocumentationLinks.DiagnosticsPage + "#cn0032");

    public static readonly DiagnosticDescriptor InvalidInputDeclaration = new(
        "CN0033", "Invalid [Input]",
        "[Input] on '{0}' {1}; declare each input once, with a name and a positive size or channels, height and width, for example [Input(\"image\", 1, 28, 28)]",
        ArchitectureCategory, DiagnosticSeverity.Error, isEnabledByDefault: true, helpLinkUri: DocumentationLinks.DiagnosticsPage + "#cn0033");

    public static readonly DiagnosticDescriptor UnreadValue = new(
        "CN0034", "A layer or input that nothing reads",
        "{0} is read by no layer and is not the output; its values are computed and thrown away; name it in a From or a merge, or remove it",
        ArchitectureCategory, DiagnosticSeverity.Warning, isEnabledByDefault: true, helpLinkUri: DocumentationLinks.DiagnosticsPage + "#cn0034");

    public static readonly DiagnosticDescriptor InvalidName = new(
        "CN0035", "Invalid layer or input name",
        "{0} is named '{1}'; a name is a letter or underscore followed by letters, digits or underscores, for example Name = \"h1\"",
        ArchitectureCategory, DiagnosticSeverity.Error, isEnabledByDefault: true, helpLinkUri: DocumentationLinks.DiagnosticsPage + "#cn0035");

    public static readonly DiagnosticDescriptor InternalError = new(
        "CN0099", "The generator failed",
        "The CompiledNets generator failed on '{0}' ({1}); no code was generated for it. Please report this with the declaration.",
        GeneratorCategory, DiagnosticSeverity.Error, isEnabledByDefault: true, helpLinkUri: DocumentationLinks.DiagnosticsPage + "#cn0099");

    /// <summary>Every descriptor of the catalog, by ID.</summary>
    internal static readonly IReadOnlyDictionary<string, DiagnosticDescriptor> All = typeof(Diagnostics)
        .GetFields()
        .Where(f => f.FieldType == typeof(DiagnosticDescriptor))
        .Select(f => (DiagnosticDescriptor)f.GetValue(null))
        .ToDictionary(d => d.Id);

    public static DiagnosticDescriptor ById(string id) => All[id];
}
