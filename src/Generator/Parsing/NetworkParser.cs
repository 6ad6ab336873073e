using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Threading;
using CompiledNets.Generator.Model;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace CompiledNets.Generator.Parsing;

/// <summary>
/// Reads a class marked [Network] into a <see cref="NetworkSpec"/>, checking everything that can be checked
/// at build time. Never throws for bad input: every problem becomes a CN diagnostic at the attribute.
/// </summary>
internal static class NetworkParser
{
    /// <summary>Names the generator emits on every network; a user member with one of these names collides.</summary>
    internal static readonly string[] GeneratedMemberNames =
    {
        "InputSize", "OutputSize", "ParameterCount", "MaxBatchSize", "Loss", "Parameters", "Gradients", "Buffers",
        "OptimizerState", "Tensors", "Architecture", "Summary", "LearningRate", "OptimizerStep", "TrainingOutputs",
        "Predict", "PredictBatch", "ComputeGradients", "ApplyGradients", "TrainBatch",
    };

    public static ParseResult Parse(GeneratorAttributeSyntaxContext context, CancellationToken cancellationToken)
    {
        var diagnostics = new List<DiagnosticInfo>();
        var type = (INamedTypeSymbol)context.TargetSymbol;
        var syntax = (TypeDeclarationSyntax)context.TargetNode;
        var classLocation = LocationInfo.From(syntax.Identifier.GetLocation());
        var networkAttribute = context.Attributes[0];
        var networkLocation = AttributeLocation(networkAttribute) ?? classLocation;
        string name = type.Name;

        CheckTypeShape(type, syntax, name, classLocation, diagnostics);

        int inputs = NamedInt(networkAttribute, "Inputs", 0);
        int seed = NamedInt(networkAttribute, "Seed", 0);
        int maxBatch = NamedInt(networkAttribute, "MaxBatchSize", 256);
        if (inputs <= 0) Report(diagnostics, Diagnostics.InvalidInputs, networkLocation, name, Format(inputs));
        if (maxBatch <= 0 || maxBatch > MaxBatchLimit) Report(diagnostics, Diagnostics.InvalidMaxBatchSize, networkLocation, name, Format(maxBatch), Format(MaxBatchLimit));

        var layers = new List<LayerSpec>();
        var layerLocations = new List<LocationInfo?>();
        LossKind? loss = null;
        LocationInfo? lossLocation = null;
        var optimizers = new List<(OptimizerSpec Spec, string Name, LocationInfo? Location)>();
        var declarationsWithAttributes = new HashSet<SyntaxTree>();
        var declarationNodes = new HashSet<SyntaxNode>();

        foreach (var attribute in type.GetAttributes())
        {
            cancellationToken.ThrowIfCancellationRequested();
            var attributeClass = attribute.AttributeClass;
            if (attributeClass is null || attributeClass.ContainingNamespace?.ToDisplayString() != AttributeNames.Namespace) continue;
            var location = AttributeLocation(attribute) ?? classLocation;
            if (attribute.ApplicationSyntaxReference?.GetSyntax(cancellationToken) is { } attributeSyntax)
            {
                var declaration = attributeSyntax.FirstAncestorOrSelf<TypeDeclarationSyntax>();
                if (declaration is not null) declarationNodes.Add(declaration);
            }

            switch (attributeClass.Name)
            {
                case AttributeNames.Dense:
                {
                    int position = layers.Count + 1;
                    int units = ConstructorInt(attribute, 0, 0);
                    int activationValue = ConstructorInt(attribute, 1, 0);
                    var activation = (ActivationKind)activationValue;
                    string layerName = $"Dense {Format(units)}";
                    if (!Enum.IsDefined(typeof(ActivationKind), activation))
                    {
                        Report(diagnostics, Diagnostics.InvalidEnumValue, location, $"Layer {position} ({layerName})", Format(activationValue), "Activation");
                        activation = ActivationKind.Linear;
                    }
                    if (units <= 0) Report(diagnostics, Diagnostics.InvalidUnits, location, Format(position), layerName, Format(units));
                    float alpha = NamedFloat(attribute, "Alpha", float.NaN);
                    if (float.IsNaN(alpha)) alpha = DefaultAlpha(activation);
                    else if (float.IsInfinity(alpha) || alpha < 0)
                        Report(diagnostics, Diagnostics.InvalidHyperparameter, location, $"Layer {position} ({layerName})", "Alpha", Format(alpha), "a finite number >= 0");
                    var weightInit = ReadInit(attribute, "Init", location, position, layerName, diagnostics);
                    var biasInit = ReadInit(attribute, "BiasInit", location, position, layerName, diagnostics);
                    layers.Add(new LayerSpec(LayerKind.Dense, units, activation, alpha, weightInit, biasInit));
                    layerLocations.Add(location);
                    break;
                }
                case AttributeNames.Loss:
                {
                    int value = ConstructorInt(attribute, 0, 0);
                    if (!Enum.IsDefined(typeof(LossKind), (LossKind)value))
                        Report(diagnostics, Diagnostics.InvalidEnumValue, location, "[Loss]", Format(value), "LossFunction");
                    else
                        loss = (LossKind)value;
                    lossLocation = location;
                    break;
                }
                case AttributeNames.Sgd:
                {
                    float rate = NamedFloat(attribute, "LearningRate", 0.01f);
                    CheckLearningRate("[Sgd]", rate, location, diagnostics);
                    optimizers.Add((new OptimizerSpec(OptimizerKind.Sgd, rate, 0, 0, 0), "Sgd", location));
                    break;
                }
                case AttributeNames.Adam:
                {
                    float rate = NamedFloat(attribute, "LearningRate", 1e-3f);
                    float beta1 = NamedFloat(attribute, "Beta1", 0.9f);
                    float beta2 = NamedFloat(attribute, "Beta2", 0.999f);
                    float epsilon = NamedFloat(attribute, "Epsilon", 1e-8f);
                    CheckLearningRate("[Adam]", rate, location, diagnostics);
                    CheckUnitInterval("[Adam]", "Beta1", beta1, location, diagnostics);
                    CheckUnitInterval("[Adam]", "Beta2", beta2, location, diagnostics);
                    if (!(epsilon > 0) || float.IsInfinity(epsilon))
                        Report(diagnostics, Diagnostics.InvalidHyperparameter, location, "[Adam]", "Epsilon", Format(epsilon), "a finite number > 0");
                    optimizers.Add((new OptimizerSpec(OptimizerKind.Adam, rate, beta1, beta2, epsilon), "Adam", location));
                    break;
                }
            }
        }

        if (declarationNodes.Count > 1)
            Report(diagnostics, Diagnostics.LayersSplitAcrossDeclarations, classLocation, name, Format(declarationNodes.Count));
        if (layers.Count == 0) Report(diagnostics, Diagnostics.NoLayers, networkLocation, name);
        if (loss is null && lossLocation is null) Report(diagnostics, Diagnostics.MissingLoss, networkLocation, name);
        if (optimizers.Count == 0) Report(diagnostics, Diagnostics.MissingOptimizer, networkLocation, name);
        if (optimizers.Count > 1)
            Report(diagnostics, Diagnostics.MultipleOptimizers, optimizers[1].Location, name, Format(optimizers.Count), string.Join(", ", optimizers.Select(o => "[" + o.Name + "]")));

        CheckActivations(layers, layerLocations, loss, diagnostics);
        CheckParameterCount(name, inputs, layers, networkLocation, diagnostics);
        CheckMemberCollisions(type, name, diagnostics);

        if (diagnostics.Count > 0 || loss is null || optimizers.Count != 1)
            return new ParseResult(null, new EquatableArray<DiagnosticInfo>(diagnostics.ToArray()));

        var spec = new NetworkSpec(
            Namespace: type.ContainingNamespace.IsGlobalNamespace ? null : type.ContainingNamespace.ToDisplayString(),
            ContainingTypes: new EquatableArray<ContainingTypeSpec>(ContainingTypes(type)),
            ClassName: type.Name,
            FullyQualifiedName: type.ToDisplayString(),
            IsSealed: type.IsSealed,
            Inputs: inputs,
            Seed: seed,
            MaxBatchSize: maxBatch,
            Layers: new EquatableArray<LayerSpec>(layers.ToArray()),
            Loss: loss.Value,
            Optimizer: optimizers[0].Spec);
        return new ParseResult(spec, default);
    }

    /// <summary>Batch buffers are [MaxBatchSize, width] arrays; this bound keeps them allocatable.</summary>
    internal const int MaxBatchLimit = 1 << 20;

    internal static float DefaultAlpha(ActivationKind activation) => activation switch
    {
        ActivationKind.LeakyReLU => 0.01f,
        ActivationKind.ELU => 1f,
        _ => 0f,
    };

    private static void CheckTypeShape(INamedTypeSymbol type, TypeDeclarationSyntax syntax, string name, LocationInfo? location, List<DiagnosticInfo> diagnostics)
    {
        string? problem = null;
        if (syntax is RecordDeclarationSyntax) problem = "a record";
        else if (type.TypeKind != TypeKind.Class) problem = "a " + type.TypeKind.ToString().ToLowerInvariant();
        else if (type.IsStatic) problem = "static";
        else if (type.IsGenericType) problem = "generic";
        else if (type.IsAbstract) problem = "abstract";
        else
        {
            for (var outer = type.ContainingType; outer is not null; outer = outer.ContainingType)
            {
                if (outer.IsGenericType) { problem = "nested in the generic type '" + outer.Name + "'"; break; }
                if (outer.TypeKind != TypeKind.Class && outer.TypeKind != TypeKind.Struct) { problem = "nested in " + outer.TypeKind.ToString().ToLowerInvariant() + " '" + outer.Name + "'"; break; }
            }
        }
        if (problem is not null)
        {
            Report(diagnostics, Diagnostics.InvalidTypeKind, location, name, problem);
            return;
        }
        if (!syntax.Modifiers.Any(SyntaxKind.PartialKeyword))
            Report(diagnostics, Diagnostics.NotPartial, location, name);
        else
        {
            for (var outer = type.ContainingType; outer is not null; outer = outer.ContainingType)
            {
                bool outerPartial = outer.DeclaringSyntaxReferences.Any(r => r.GetSyntax() is TypeDeclarationSyntax t && t.Modifiers.Any(SyntaxKind.PartialKeyword));
                if (!outerPartial) { Report(diagnostics, Diagnostics.NotPartial, location, outer.Name); break; }
            }
        }
    }

    private static void CheckActivations(List<LayerSpec> layers, List<LocationInfo?> locations, LossKind? loss, List<DiagnosticInfo> diagnostics)
    {
        for (int i = 0; i < layers.Count; i++)
        {
            var layer = layers[i];
            string label = $"Dense {Format(layer.Units)}";
            if (layer.Activation == ActivationKind.Softmax && i < layers.Count - 1)
                Report(diagnostics, Diagnostics.SoftmaxNotLast, locations[i], Format(i + 1), label);
            if (layer.Activation == ActivationKind.Step)
                Report(diagnostics, Diagnostics.StepInTrainableNetwork, locations[i], Format(i + 1), label);
        }
        if (layers.Count == 0 || loss is null) return;
        var last = layers[layers.Count - 1];
        string lastLabel = $"{Format(layers.Count)} (Dense {Format(last.Units)})";
        var lastLocation = locations[layers.Count - 1];
        if (loss == LossKind.CrossEntropy && last.Activation != ActivationKind.Softmax)
            Report(diagnostics, Diagnostics.LossActivationMismatch, lastLocation, "CrossEntropy", "a Softmax", lastLabel, last.Activation.ToString(),
                $"declare [Dense({Format(last.Units)}, Activation.Softmax)] last, or use LossFunction.BinaryCrossEntropy with a Sigmoid output");
        else if (loss == LossKind.BinaryCrossEntropy && last.Activation != ActivationKind.Sigmoid)
            Report(diagnostics, Diagnostics.LossActivationMismatch, lastLocation, "BinaryCrossEntropy", "a Sigmoid", lastLabel, last.Activation.ToString(),
                $"declare [Dense({Format(last.Units)}, Activation.Sigmoid)] last, or use LossFunction.CrossEntropy with a Softmax output");
        else if (loss == LossKind.CrossEntropy && last.Units < 2)
            Report(diagnostics, Diagnostics.LossActivationMismatch, lastLocation, "CrossEntropy", "at least two classes of Softmax", lastLabel, "Softmax over one unit (always 1)",
                "use one Sigmoid unit with LossFunction.BinaryCrossEntropy for two classes");
    }

    private static void CheckParameterCount(string name, int inputs, List<LayerSpec> layers, LocationInfo? location, List<DiagnosticInfo> diagnostics)
    {
        long total = 0, width = Math.Max(inputs, 0), widest = width;
        foreach (var layer in layers)
        {
            long units = Math.Max(layer.Units, 0);
            total += width * units + units;
            width = units;
            widest = Math.Max(widest, width);
        }
        // Array.MaxLength for float[]; scratch buffers must fit as well.
        const long limit = 0x7FFFFFC7;
        if (total > limit)
            Report(diagnostics, Diagnostics.ParameterCountOverflow, location, name, total.ToString("N0", CultureInfo.InvariantCulture), limit.ToString("N0", CultureInfo.InvariantCulture));
    }

    private static void CheckMemberCollisions(INamedTypeSymbol type, string name, List<DiagnosticInfo> diagnostics)
    {
        foreach (var member in type.GetMembers())
        {
            if (member.IsImplicitlyDeclared || Array.IndexOf(GeneratedMemberNames, member.Name) < 0) continue;
            var location = member.Locations.FirstOrDefault(l => l.IsInSource);
            Report(diagnostics, Diagnostics.MemberCollision, LocationInfo.From(location), name, member.Name);
        }
    }

    private static void CheckLearningRate(string owner, float rate, LocationInfo? location, List<DiagnosticInfo> diagnostics)
    {
        if (!(rate > 0) || float.IsInfinity(rate))
            Report(diagnostics, Diagnostics.InvalidHyperparameter, location, owner, "LearningRate", Format(rate), "a finite number > 0");
    }

    private static void CheckUnitInterval(string owner, string property, float value, LocationInfo? location, List<DiagnosticInfo> diagnostics)
    {
        if (!(value >= 0 && value < 1))
            Report(diagnostics, Diagnostics.InvalidHyperparameter, location, owner, property, Format(value), "in [0, 1)");
    }

    private static InitKind ReadInit(AttributeData attribute, string property, LocationInfo? location, int position, string layerName, List<DiagnosticInfo> diagnostics)
    {
        int value = NamedInt(attribute, property, 0);
        if (Enum.IsDefined(typeof(InitKind), (InitKind)value)) return (InitKind)value;
        Report(diagnostics, Diagnostics.InvalidEnumValue, location, $"Layer {position} ({layerName}) {property}", Format(value), "Init");
        return InitKind.Default;
    }

    private static ContainingTypeSpec[] ContainingTypes(INamedTypeSymbol type)
    {
        var result = new List<ContainingTypeSpec>();
        for (var outer = type.ContainingType; outer is not null; outer = outer.ContainingType)
        {
            string keyword = outer.IsRecord ? (outer.TypeKind == TypeKind.Struct ? "record struct" : "record") : outer.TypeKind == TypeKind.Struct ? "struct" : "class";
            result.Insert(0, new ContainingTypeSpec(keyword, outer.Name));
        }
        return result.ToArray();
    }

    private static LocationInfo? AttributeLocation(AttributeData attribute) =>
        LocationInfo.From(attribute.ApplicationSyntaxReference?.GetSyntax());

    private static int ConstructorInt(AttributeData attribute, int index, int fallback) =>
        index < attribute.ConstructorArguments.Length && attribute.ConstructorArguments[index].Value is { } value ? ToInt(value, fallback) : fallback;

    private static int NamedInt(AttributeData attribute, string name, int fallback)
    {
        foreach (var pair in attribute.NamedArguments)
            if (pair.Key == name && pair.Value.Value is { } value) return ToInt(value, fallback);
        return fallback;
    }

    private static float NamedFloat(AttributeData attribute, string name, float fallback)
    {
        foreach (var pair in attribute.NamedArguments)
            if (pair.Key == name && pair.Value.Value is { } value)
                return value switch { float f => f, double d => (float)d, int i => i, _ => fallback };
        return fallback;
    }

    private static int ToInt(object value, int fallback) => value switch
    {
        int i => i,
        short s => s,
        byte b => b,
        long l => l > int.MaxValue ? int.MaxValue : l < int.MinValue ? int.MinValue : (int)l,
        _ => fallback,
    };

    private static void Report(List<DiagnosticInfo> diagnostics, DiagnosticDescriptor descriptor, LocationInfo? location, params string[] arguments) =>
        diagnostics.Add(new DiagnosticInfo(descriptor.Id, location, new EquatableArray<string>(arguments)));

    private static string Format(int value) => value.ToString(CultureInfo.InvariantCulture);

    private static string Format(float value) => value.ToString("R", CultureInfo.InvariantCulture);
}
