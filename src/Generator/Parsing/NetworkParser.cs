using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Threading;
using CompiledNets.Generator.Layers;
using CompiledNets.Generator.Model;
using CompiledNets.Generator.Names;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace CompiledNets.Generator.Parsing;

/// <summary>
/// Reads a class marked [Network] into a <see cref="NetworkSpec"/>, checking everything that can be checked
/// at build time. Never throws for bad input: every problem becomes a CN diagnostic at the attribute, the class
/// identifier or the member. Where the C# compiler already reports the problem (an attribute on a struct, a
/// duplicate single-use attribute, arguments that do not bind) the parser adds nothing and emits nothing.
/// </summary>
internal static class NetworkParser
{
    /// <summary>
    /// The largest parameter, optimizer-state or batch buffer: <c>Kernels.AlignedFloats.MaxLength</c>, Array.MaxLength less
    /// the 15 floats an aligned buffer allocates to find its 64-byte boundary.
    /// </summary>
    internal const long ArrayLimit = 0x7FFFFFC7 - 15;

    /// <summary>Batch buffers are [MaxBatchSize, width] arrays; this bound keeps them allocatable.</summary>
    internal const int MaxBatchLimit = 1 << 20;

    private static readonly ParseResult Nothing = new(null, default);

    /// <summary>One CompiledNets attribute applied to the network class.</summary>
    private sealed class Applied
    {
        public Applied(AttributeData data, AttributeRole role, AttributeSyntax? syntax, LocationInfo? location)
        {
            Data = data;
            Role = role;
            Syntax = syntax;
            Location = location;
            Arguments = new AttributeArguments(data, syntax);
            Declaration = syntax?.FirstAncestorOrSelf<TypeDeclarationSyntax>();
        }

        public AttributeData Data { get; }
        public AttributeRole Role { get; }
        public AttributeSyntax? Syntax { get; }
        public LocationInfo? Location { get; }
        public AttributeArguments Arguments { get; }
        public TypeDeclarationSyntax? Declaration { get; }
        public string Name => Data.AttributeClass!.Name;
    }

    public static ParseResult Parse(GeneratorAttributeSyntaxContext context, CancellationToken cancellationToken)
    {
        // [Network] on a struct, interface or enum: the compiler reports CS0592 at the attribute.
        if (context.TargetSymbol is not INamedTypeSymbol { TypeKind: TypeKind.Class } type || context.TargetNode is not TypeDeclarationSyntax syntax)
            return Nothing;

        var applied = new List<Applied>();
        foreach (var attribute in type.GetAttributes())
        {
            cancellationToken.ThrowIfCancellationRequested();
            var role = AttributeNames.RoleOf(attribute.AttributeClass);
            if (role == AttributeRole.None) continue;
            var attributeSyntax = attribute.ApplicationSyntaxReference?.GetSyntax(cancellationToken) as AttributeSyntax;
            applied.Add(new Applied(attribute, role, attributeSyntax, LocationInfo.From(attributeSyntax)));
        }

        // The compiler already reports these (CS0579 duplicate attribute, CS1503/CS0029/... arguments that do not
        // bind); a [Network] on two partial declarations would also run this parse once per declaration.
        if (applied.Any(a => a.Arguments.HasErrors) || HasDuplicateSingleUseAttribute(applied)) return Nothing;

        var diagnostics = new List<DiagnosticInfo>();
        string name = type.Name;
        var classLocation = LocationInfo.From(syntax.Identifier.GetLocation());
        var network = applied.First(a => a.Role == AttributeRole.Network);
        var networkLocation = network.Location ?? classLocation;

        CheckTypeShape(type, syntax, name, classLocation, diagnostics, cancellationToken);

        // The inputs: declared with [Input] (read with the layers), or the one [Network] shapes.
        int inputAttributes = applied.Count(a => a.Role == AttributeRole.Input);
        var inputShape = inputAttributes > 0 ? null : ReadInputShape(network.Arguments, name, networkLocation, diagnostics);
        if (inputAttributes > 0 && (network.Arguments.IsSet("Inputs") || network.Arguments.IsSet("InputShape")))
            Report(diagnostics, Diagnostics.InvalidInputDeclaration, networkLocation, name, "comes with [Network(Inputs = ...)] or InputShape, which declare an input too");
        int seed = network.Arguments.NamedInt("Seed", 0);
        int maxBatch = network.Arguments.NamedInt("MaxBatchSize", 256);
        bool inferenceOnly = network.Arguments.NamedBool("InferenceOnly", false);
        var inferenceWeights = ReadEnum(network.Arguments.NamedInt("InferenceWeights", 0), WeightPrecisionKind.Float32, $"[Network] of '{name}' InferenceWeights", "WeightPrecision", networkLocation, diagnostics);
        if (maxBatch <= 0 || maxBatch > MaxBatchLimit) Report(diagnostics, Diagnostics.InvalidMaxBatchSize, networkLocation, name, Format(maxBatch), Format(MaxBatchLimit));

        var layers = new List<LayerSpec>();
        var wirings = new List<LayerWiring>();
        var declaredInputs = new List<DeclaredInput>();
        var layerLocations = new List<LocationInfo?>();
        var layersValid = new List<bool>();
        LossKind? loss = null;
        bool lossDeclared = false;
        var optimizers = new List<(OptimizerSpec Spec, string Name, LocationInfo? Location)>();
        float weightDecay = 0f;

        foreach (var item in applied)
        {
            var location = item.Location ?? classLocation;
            switch (item.Role)
            {
                case AttributeRole.Input:
                    if (ReadInput(item.Arguments, name, location, diagnostics) is { } input) declaredInputs.Add(input);
                    break;
                case AttributeRole.Layer:
                {
                    var kind = LayerCatalog.ForAttribute(item.Name);
                    if (kind is null) continue;
                    int reported = diagnostics.Count;
                    var layer = kind.Read(new LayerAttribute(item.Arguments, layers.Count + 1, location, diagnostics));
                    layers.Add(layer);
                    wirings.Add(new LayerWiring(item.Arguments.NamedString("Name"), item.Arguments.NamedString("From"),
                        kind.IsMerge ? item.Arguments.Array(0).Select(c => c.Value as string ?? "").ToList() : null, layers.Count, kind.Label(layer), location));
                    layerLocations.Add(location);
                    layersValid.Add(diagnostics.Count == reported);
                    break;
                }
                case AttributeRole.Loss:
                    lossDeclared = true;
                    loss = ReadEnum<LossKind?>(item.Arguments.Int(0, 0), null, "[Loss]", "LossFunction", location, diagnostics);
                    break;
                case AttributeRole.Optimizer:
                    if (ReadOptimizer(item.Name, item.Arguments, location, diagnostics) is { } optimizer)
                        optimizers.Add((optimizer, AttributeNames.ShortName(item.Name), location));
                    break;
                case AttributeRole.Regularizer:
                    weightDecay = item.Arguments.Float(0, 0f);
                    if (!(weightDecay >= 0) || float.IsInfinity(weightDecay))
                        Report(diagnostics, Diagnostics.InvalidHyperparameter, location, "[WeightDecay]", "lambda", Format(weightDecay), "a finite number >= 0", "1e-4f");
                    break;
            }
        }

        CheckSplitDeclarations(applied, network, name, diagnostics);
        if (layers.Count == 0) Report(diagnostics, Diagnostics.NoLayers, networkLocation, name);
        if (inferenceOnly)
        {
            foreach (var optimizer in optimizers)
                Report(diagnostics, Diagnostics.OptimizerOnInferenceOnlyNetwork, optimizer.Location, name, optimizer.Name);
        }
        else
        {
            if (!lossDeclared) Report(diagnostics, Diagnostics.MissingLoss, networkLocation, name);
            if (optimizers.Count == 0) Report(diagnostics, Diagnostics.MissingOptimizer, networkLocation, name);
        }
        if (!inferenceOnly && optimizers.Count > 1)
            Report(diagnostics, Diagnostics.MultipleOptimizers, optimizers[1].Location, name, Format(optimizers.Count), string.Join(", ", optimizers.Select(o => "[" + o.Name + "]")));

        // Declared inputs make the row their concatenation; without any, the one input is named "input" in graph form.
        bool graphForm = GraphReader.IsGraphForm(inputAttributes, wirings);
        bool inputsValid = declaredInputs.Count == inputAttributes;
        if (inputAttributes > 0)
        {
            inputShape = !inputsValid ? null
                : declaredInputs.Count == 1 ? declaredInputs[0].Shape
                : declaredInputs.Sum(i => i.Shape.Size) is long total && total <= int.MaxValue ? Shape.Flat((int)total) : null;
            if (declaredInputs.Count == inputAttributes && inputShape is null)
                Report(diagnostics, Diagnostics.InvalidInputDeclaration, networkLocation, name, "declares inputs of more than 2,147,483,647 values in all");
        }
        else if (graphForm && inputShape is not null) declaredInputs.Add(new DeclaredInput("input", inputShape, networkLocation));
        else if (graphForm) inputsValid = false;

        int errorsBeforeWiring = diagnostics.Count;
        // Without valid inputs nothing can be resolved against them: the input's problem is reported already.
        var (names, sources) = graphForm && !inputsValid
            ? (layers.Select(_ => "").ToList(), layers.Select(_ => (int[]?)null).ToList())
            : graphForm
            ? GraphReader.Resolve(declaredInputs, layers, wirings, diagnostics)
            : (new List<string>(), Enumerable.Range(0, layers.Count).Select(i => (int[]?)new[] { i == 0 ? ValueRef.Input(0) : i - 1 }).ToList());
        bool wiringValid = diagnostics.Count == errorsBeforeWiring;
        var inputShapes = graphForm && inputAttributes > 0 ? declaredInputs.Select(i => (Shape?)i.Shape).ToList() : new List<Shape?> { inputShape };
        var shapes = LayerShapes.Walk(inputShapes, graphForm ? declaredInputs.Select(i => i.Name).ToList() : null, layers, layersValid, sources, names, layerLocations, diagnostics);
        if (graphForm && inputsValid && wiringValid) GraphReader.WarnUnread(declaredInputs, wirings, sources, diagnostics);
        CheckActivations(layers, layerLocations, loss, shapes.Output, inferenceOnly, diagnostics);
        var optimizerSpec = inferenceOnly ? InferenceOnlyOptimizer : optimizers.Count == 1 ? optimizers[0].Spec : null;
        if (optimizerSpec is not null) CheckSizes(name, shapes, maxBatch, layers, optimizerSpec, networkLocation, diagnostics);
        CheckMembers(type, name, classLocation, diagnostics, cancellationToken);
        if (GeneratedMembers.Names.ContainsKey(name) || GeneratedMembers.IsLayerName(name))
            Report(diagnostics, Diagnostics.ClassNameCollision, classLocation, name);

        var found = new EquatableArray<DiagnosticInfo>(diagnostics.ToArray());
        if (diagnostics.Any(IsError) || inputShape is null || optimizerSpec is null || (loss is null && (lossDeclared || !inferenceOnly)))
            return new ParseResult(null, found);

        var spec = new NetworkSpec(
            Namespace: type.ContainingNamespace.IsGlobalNamespace ? null : type.ContainingNamespace.ToDisplayString(),
            ContainingTypes: new EquatableArray<ContainingTypeSpec>(ContainingTypes(type)),
            ClassName: type.Name,
            FullyQualifiedName: type.ToDisplayString(),
            InputShape: inputShape,
            Seed: seed,
            MaxBatchSize: maxBatch,
            Layers: new EquatableArray<LayerSpec>(layers.ToArray()),
            Loss: loss ?? LossKind.MeanSquaredError,
            Optimizer: optimizerSpec,
            WeightDecay: weightDecay,
            InferenceOnly: inferenceOnly,
            LossDeclared: loss is not null,
            Graph: graphForm
                ? new GraphSpec(
                    new EquatableArray<InputSpec>(declaredInputs.Select(i => new InputSpec(i.Name, i.Shape)).ToArray()),
                    new EquatableArray<NodeSpec>(names.Select((n, i) => new NodeSpec(n, new EquatableArray<int>(sources[i]!))).ToArray()))
                : null,
            InferenceWeights: inferenceWeights);
        return new ParseResult(spec, found);
    }

    /// <summary>
    /// The shape of one sample: <c>InputShape</c> (a size, or channels, height and width) when declared, which
    /// <c>Inputs</c> may repeat but not contradict; else <c>Inputs</c>. Null, with the problem reported, when neither is valid.
    /// </summary>
    private static Shape? ReadInputShape(AttributeArguments arguments, string name, LocationInfo? location, List<DiagnosticInfo> diagnostics)
    {
        int inputs = arguments.NamedInt("Inputs", 0);
        var dimensions = arguments.NamedIntArray("InputShape");
        if (dimensions is null)
        {
            if (inputs > 0) return Shape.Flat(inputs);
            Report(diagnostics, Diagnostics.InvalidInputs, location, name, Format(inputs));
            return null;
        }
        string text = "new[] { " + string.Join(", ", dimensions.Select(Format)) + " }";
        long size = dimensions.Aggregate(1L, (product, d) => product * Math.Max(d, 0));
        if (dimensions.Length is not (1 or 3) || dimensions.Any(d => d <= 0) || size > int.MaxValue)
        {
            Report(diagnostics, Diagnostics.InvalidInputShape, location, name, text);
            return null;
        }
        if (arguments.IsSet("Inputs") && inputs != size)
        {
            Report(diagnostics, Diagnostics.InputsDisagreeWithInputShape, location, name, Format(inputs), text, size.ToString(CultureInfo.InvariantCulture));
            return null;
        }
        return new Shape(new EquatableArray<int>(dimensions));
    }

    private static bool IsError(DiagnosticInfo diagnostic) => Diagnostics.ById(diagnostic.Id).DefaultSeverity == DiagnosticSeverity.Error;

    /// <summary>An <c>[Input(name, shape)]</c>: a name and a size, or channels, height and width; null, with the problem reported, when invalid.</summary>
    private static DeclaredInput? ReadInput(AttributeArguments arguments, string name, LocationInfo? location, List<DiagnosticInfo> diagnostics)
    {
        string? inputName = arguments.String(0);
        var dimensions = arguments.Array(1).Select(c => c.Value is int value ? value : 0).ToArray();
        long size = dimensions.Aggregate(1L, (product, d) => product * Math.Max(d, 0));
        string shape = "{ " + string.Join(", ", dimensions.Select(Format)) + " }";
        string? problem = string.IsNullOrEmpty(inputName) ? "has no name"
            : dimensions.Length is not (1 or 3) ? $"declares '{inputName}' with shape {shape}, which is neither a size nor channels, height and width"
            : dimensions.Any(d => d <= 0) || size > int.MaxValue ? $"declares '{inputName}' with shape {shape}"
            : null;
        if (problem is null) return new DeclaredInput(inputName!, new Shape(new EquatableArray<int>(dimensions)), location);
        Report(diagnostics, Diagnostics.InvalidInputDeclaration, location, name, problem);
        return null;
    }

    /// <summary>Stands in for the optimizer of an inference-only network (nothing of it is emitted).</summary>
    private static readonly OptimizerSpec InferenceOnlyOptimizer = new(OptimizerKind.Sgd, 0f, 0f, 0f, 0f);

    /// <summary>Optimizer state values per parameter (Adam's two moments), for the size check.</summary>
    internal static int StateValuesPerParameter(OptimizerKind kind) => kind switch
    {
        OptimizerKind.Sgd => 1,
        OptimizerKind.Adam or OptimizerKind.AdamW => 2,
        OptimizerKind.AdaGrad => 1,
        OptimizerKind.RmsProp => 2,
        _ => 3, // unknown: be conservative
    };

    private static OptimizerSpec? ReadOptimizer(string attributeName, AttributeArguments arguments, LocationInfo? location, List<DiagnosticInfo> diagnostics)
    {
        switch (attributeName)
        {
            case AttributeNames.Sgd:
            {
                float rate = arguments.NamedFloat("LearningRate", 0.01f);
                float momentum = arguments.NamedFloat("Momentum", 0f);
                bool nesterov = arguments.NamedBool("Nesterov", false);
                CheckPositive("[Sgd]", "LearningRate", rate, "0.01f", location, diagnostics);
                CheckUnitInterval("[Sgd]", "Momentum", momentum, "0.9f", location, diagnostics);
                if (nesterov && !(momentum > 0))
                    Report(diagnostics, Diagnostics.InvalidHyperparameter, location, "[Sgd]", "Momentum", Format(momentum), "> 0 when Nesterov = true", "0.9f");
                return new OptimizerSpec(OptimizerKind.Sgd, rate, 0, 0, 0, Momentum: momentum, Nesterov: nesterov);
            }
            case AttributeNames.AdaGrad:
            {
                float rate = arguments.NamedFloat("LearningRate", 0.01f);
                float epsilon = arguments.NamedFloat("Epsilon", 1e-10f);
                CheckPositive("[AdaGrad]", "LearningRate", rate, "0.01f", location, diagnostics);
                CheckPositive("[AdaGrad]", "Epsilon", epsilon, "1e-10f", location, diagnostics);
                return new OptimizerSpec(OptimizerKind.AdaGrad, rate, 0, 0, epsilon);
            }
            case AttributeNames.RmsProp:
            {
                float rate = arguments.NamedFloat("LearningRate", 0.01f);
                float alpha = arguments.NamedFloat("Alpha", 0.99f);
                float epsilon = arguments.NamedFloat("Epsilon", 1e-8f);
                float momentum = arguments.NamedFloat("Momentum", 0f);
                CheckPositive("[RmsProp]", "LearningRate", rate, "0.01f", location, diagnostics);
                CheckUnitInterval("[RmsProp]", "Alpha", alpha, "0.99f", location, diagnostics);
                CheckPositive("[RmsProp]", "Epsilon", epsilon, "1e-8f", location, diagnostics);
                CheckUnitInterval("[RmsProp]", "Momentum", momentum, "0.9f", location, diagnostics);
                return new OptimizerSpec(OptimizerKind.RmsProp, rate, 0, 0, epsilon, Momentum: momentum, Alpha: alpha);
            }
            case AttributeNames.AdamW:
            {
                float rate = arguments.NamedFloat("LearningRate", 1e-3f);
                float beta1 = arguments.NamedFloat("Beta1", 0.9f);
                float beta2 = arguments.NamedFloat("Beta2", 0.999f);
                float epsilon = arguments.NamedFloat("Epsilon", 1e-8f);
                float decay = arguments.NamedFloat("WeightDecay", 0.01f);
                CheckPositive("[AdamW]", "LearningRate", rate, "1e-3f", location, diagnostics);
                CheckUnitInterval("[AdamW]", "Beta1", beta1, "0.9f", location, diagnostics);
                CheckUnitInterval("[AdamW]", "Beta2", beta2, "0.999f", location, diagnostics);
                CheckPositive("[AdamW]", "Epsilon", epsilon, "1e-8f", location, diagnostics);
                if (!(decay >= 0) || float.IsInfinity(decay))
                    Report(diagnostics, Diagnostics.InvalidHyperparameter, location, "[AdamW]", "WeightDecay", Format(decay), "a finite number >= 0", "0.01f");
                return new OptimizerSpec(OptimizerKind.AdamW, rate, beta1, beta2, epsilon, WeightDecay: decay);
            }
            case AttributeNames.Adam:
            {
                float rate = arguments.NamedFloat("LearningRate", 1e-3f);
                float beta1 = arguments.NamedFloat("Beta1", 0.9f);
                float beta2 = arguments.NamedFloat("Beta2", 0.999f);
                float epsilon = arguments.NamedFloat("Epsilon", 1e-8f);
                CheckPositive("[Adam]", "LearningRate", rate, "1e-3f", location, diagnostics);
                CheckUnitInterval("[Adam]", "Beta1", beta1, "0.9f", location, diagnostics);
                CheckUnitInterval("[Adam]", "Beta2", beta2, "0.999f", location, diagnostics);
                CheckPositive("[Adam]", "Epsilon", epsilon, "1e-8f", location, diagnostics);
                return new OptimizerSpec(OptimizerKind.Adam, rate, beta1, beta2, epsilon);
            }
            default:
                return null;
        }
    }

    private static bool HasDuplicateSingleUseAttribute(List<Applied> applied)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var item in applied)
            if (!AllowsMultiple(item.Data.AttributeClass!) && !seen.Add(item.Name)) return true;
        return false;
    }

    private static bool AllowsMultiple(INamedTypeSymbol attributeClass)
    {
        foreach (var usage in attributeClass.GetAttributes())
        {
            if (usage.AttributeClass is not { Name: "AttributeUsageAttribute" }) continue;
            foreach (var pair in usage.NamedArguments)
                if (pair.Key == "AllowMultiple" && pair.Value.Value is bool allow) return allow;
        }
        return false;
    }

    private static void CheckTypeShape(INamedTypeSymbol type, TypeDeclarationSyntax syntax, string name, LocationInfo? location, List<DiagnosticInfo> diagnostics, CancellationToken cancellationToken)
    {
        string? problem = null;
        if (type.IsRecord) problem = "a record";
        else if (type.IsStatic) problem = "static";
        else if (type.IsAbstract) problem = "abstract";
        else if (type.TypeParameters.Length > 0) problem = "generic";
        else if (type.IsFileLocal) problem = "file-local";
        else
        {
            for (var outer = type.ContainingType; outer is not null; outer = outer.ContainingType)
            {
                if (outer.TypeParameters.Length > 0) { problem = "nested in the generic type '" + outer.Name + "'"; break; }
                if (outer.TypeKind == TypeKind.Interface) { problem = "nested in the interface '" + outer.Name + "'"; break; }
            }
        }
        if (problem is not null) Report(diagnostics, Diagnostics.InvalidTypeKind, location, name, problem);

        if (!syntax.Modifiers.Any(SyntaxKind.PartialKeyword))
            Report(diagnostics, Diagnostics.NotPartial, location, name);
        for (var outer = type.ContainingType; outer is not null; outer = outer.ContainingType)
        {
            if (outer.TypeKind == TypeKind.Interface) continue;
            var declaration = outer.DeclaringSyntaxReferences.Select(r => r.GetSyntax(cancellationToken)).OfType<TypeDeclarationSyntax>().FirstOrDefault();
            if (declaration is null || outer.DeclaringSyntaxReferences.Any(r => r.GetSyntax(cancellationToken) is TypeDeclarationSyntax t && t.Modifiers.Any(SyntaxKind.PartialKeyword)))
                continue;
            Report(diagnostics, Diagnostics.ContainingTypeNotPartial, LocationInfo.From(declaration.Identifier.GetLocation()), outer.Name, name, Keyword(outer));
        }

        if (syntax.ParameterList is not null || type.DeclaringSyntaxReferences.Any(r => r.GetSyntax(cancellationToken) is TypeDeclarationSyntax { ParameterList: not null }))
            Report(diagnostics, Diagnostics.PrimaryConstructor, location, name);
    }

    private static void CheckSplitDeclarations(List<Applied> applied, Applied network, string name, List<DiagnosticInfo> diagnostics)
    {
        var declarations = new HashSet<SyntaxNode>(applied.Where(a => a.Declaration is not null).Select(a => a.Declaration!));
        if (declarations.Count <= 1) return;
        // At the first attribute that is not next to [Network]: that is the one to move.
        var stray = applied.First(a => a.Declaration is not null && a.Declaration != network.Declaration);
        Report(diagnostics, Diagnostics.LayersSplitAcrossDeclarations, stray.Location, name, Format(declarations.Count));
    }

    private static void CheckActivations(List<LayerSpec> layers, List<LocationInfo?> locations, LossKind? loss, Shape? output, bool inferenceOnly, List<DiagnosticInfo> diagnostics)
    {
        for (int i = 0; i < layers.Count; i++)
        {
            var layer = layers[i];
            if (!layer.Kind.HasActivation) continue;
            string label = layer.Kind.Label(layer);
            var activation = layer.Kind.Activation(layer);
            if (activation == ActivationKind.Softmax && i < layers.Count - 1)
                Report(diagnostics, Diagnostics.SoftmaxNotLast, locations[i], Format(i + 1), label);
            if (activation == ActivationKind.Step && !inferenceOnly)
                Report(diagnostics, Diagnostics.StepInTrainableNetwork, locations[i], Format(i + 1), label);
        }
        if (layers.Count == 0 || loss is null) return;
        int lastIndex = layers.Count - 1;
        var last = layers[lastIndex];
        // Layers without an activation (normalisation, dropout, maxout) leave the output linear.
        var outputActivation = last.Kind.HasActivation ? last.Kind.Activation(last) : ActivationKind.Linear;
        // Without a known output (a shape problem is reported already), the loss is not checked against it.
        if (outputActivation == ActivationKind.Step || output is null) return;
        long width = output.Size;
        string lastLabel = $"{Format(lastIndex + 1)} ({last.Kind.Label(last)})";
        var lastLocation = locations[lastIndex];
        string units = width.ToString(CultureInfo.InvariantCulture);
        if (loss == LossKind.CrossEntropy && outputActivation != ActivationKind.Softmax)
            Report(diagnostics, Diagnostics.LossActivationMismatch, lastLocation, "CrossEntropy", "a Softmax", lastLabel, outputActivation.ToString(),
                width >= 2
                    ? $"declare [Dense({units}, Activation.Softmax)] last, or use LossFunction.BinaryCrossEntropy with a Sigmoid output"
                    : "for one output use [Dense(1, Activation.Sigmoid)] with LossFunction.BinaryCrossEntropy");
        else if (loss == LossKind.BinaryCrossEntropy && outputActivation != ActivationKind.Sigmoid)
            Report(diagnostics, Diagnostics.LossActivationMismatch, lastLocation, "BinaryCrossEntropy", "a Sigmoid", lastLabel, outputActivation.ToString(),
                outputActivation == ActivationKind.Softmax
                    ? $"declare [Dense({units}, Activation.Sigmoid)] last, or keep Softmax and use LossFunction.CrossEntropy"
                    : $"declare [Dense({units}, Activation.Sigmoid)] last, or use LossFunction.MeanSquaredError for an unbounded output");
        else if (loss == LossKind.CrossEntropy && width == 1)
            Report(diagnostics, Diagnostics.LossActivationMismatch, lastLocation, "CrossEntropy", "at least two classes of Softmax", lastLabel, "Softmax over one unit (always 1)",
                "use [Dense(1, Activation.Sigmoid)] with LossFunction.BinaryCrossEntropy for two classes");
    }

    /// <summary>Parameter, optimizer-state and batch buffers must each fit one array. Long arithmetic that cannot overflow.</summary>
    private static void CheckSizes(string name, ShapeWalk shapes, int maxBatch, List<LayerSpec> layers, OptimizerSpec optimizer, LocationInfo? location, List<DiagnosticInfo> diagnostics)
    {
        const long saturated = 1L << 50;
        long widest = 0, total = 0;
        // Up to the first layer whose input is unknown (a problem reported already).
        for (int i = 0; i < layers.Count && shapes.Inputs[i] is { } input && shapes.Outputs[i] is { } output; i++)
        {
            total = Math.Min(saturated, total + Math.Min(saturated, layers[i].Kind.ParameterCount(layers[i], input)));
            widest = Math.Max(widest, output.Size);
        }
        int slots = StateValuesPerParameter(optimizer.Kind);
        string Count(long value) => value >= saturated ? "more than " + saturated.ToString("N0", CultureInfo.InvariantCulture) : value.ToString("N0", CultureInfo.InvariantCulture);
        string limit = ArrayLimit.ToString("N0", CultureInfo.InvariantCulture);
        if (total > ArrayLimit)
            Report(diagnostics, Diagnostics.ParameterCountOverflow, location, name, Count(total), "its parameters", limit);
        else if (slots > 0 && total * slots > ArrayLimit)
            Report(diagnostics, Diagnostics.ParameterCountOverflow, location, name, Count(total * slots),
                $"the {optimizer.Kind} state ({Format(slots)} per parameter × {total.ToString("N0", CultureInfo.InvariantCulture)} parameters)", limit);
        else if (maxBatch > 0 && maxBatch <= MaxBatchLimit && widest * maxBatch > ArrayLimit)
            Report(diagnostics, Diagnostics.TrainingBuffersTooLarge, location, name, Format(maxBatch), "the widest layer (" + widest.ToString("N0", CultureInfo.InvariantCulture) + ")",
                (widest * maxBatch).ToString("N0", CultureInfo.InvariantCulture), limit);
    }

    private static void CheckMembers(INamedTypeSymbol type, string name, LocationInfo? classLocation, List<DiagnosticInfo> diagnostics, CancellationToken cancellationToken)
    {
        foreach (var member in type.GetMembers())
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (!GeneratedMembers.Collides(member)) continue;
            // The primary constructor is CN0020.
            if (member is IMethodSymbol { MethodKind: MethodKind.Constructor } && member.DeclaringSyntaxReferences.Any(r => r.GetSyntax(cancellationToken) is TypeDeclarationSyntax)) continue;
            var location = member.Locations.FirstOrDefault(l => l.IsInSource);
            Report(diagnostics, Diagnostics.MemberCollision, LocationInfo.From(location) ?? classLocation, name, GeneratedMembers.Describe(member));
        }
    }

    private static void CheckPositive(string owner, string property, float value, string example, LocationInfo? location, List<DiagnosticInfo> diagnostics)
    {
        // !(x > 0) is true for NaN as well.
        if (!(value > 0) || float.IsInfinity(value))
            Report(diagnostics, Diagnostics.InvalidHyperparameter, location, owner, property, Format(value), "a finite number > 0", example);
    }

    private static void CheckUnitInterval(string owner, string property, float value, string example, LocationInfo? location, List<DiagnosticInfo> diagnostics)
    {
        if (!(value >= 0 && value < 1))
            Report(diagnostics, Diagnostics.InvalidHyperparameter, location, owner, property, Format(value), "in [0, 1)", example);
    }

    /// <summary>Reads an enum argument; an undefined value (a cast like <c>(Activation)42</c>) is reported and gives <paramref name="fallback"/>.</summary>
    internal static T ReadEnum<T>(int value, T fallback, string owner, string enumName, LocationInfo? location, List<DiagnosticInfo> diagnostics)
    {
        var enumType = Nullable.GetUnderlyingType(typeof(T)) ?? typeof(T);
        if (Enum.IsDefined(enumType, value)) return (T)Enum.ToObject(enumType, value);
        Report(diagnostics, Diagnostics.InvalidEnumValue, location, owner, Format(value), enumName,
            string.Join(", ", Enum.GetNames(enumType).Select(n => enumName + "." + n)));
        return fallback;
    }

    private static string Keyword(INamedTypeSymbol type) =>
        type.IsRecord ? (type.TypeKind == TypeKind.Struct ? "record struct" : "record") : type.TypeKind == TypeKind.Struct ? "struct" : "class";

    internal static ContainingTypeSpec[] ContainingTypes(INamedTypeSymbol type)
    {
        var result = new List<ContainingTypeSpec>();
        for (var outer = type.ContainingType; outer is not null; outer = outer.ContainingType)
            result.Insert(0, new ContainingTypeSpec(Keyword(outer), outer.Name));
        return result.ToArray();
    }

    internal static void Report(List<DiagnosticInfo> diagnostics, DiagnosticDescriptor descriptor, LocationInfo? location, params string[] arguments) =>
        diagnostics.Add(new DiagnosticInfo(descriptor.Id, location, new EquatableArray<string>(arguments)));

    internal static string Format(int value) => value.ToString(CultureInfo.InvariantCulture);

    internal static string Format(float value) =>
        float.IsNaN(value) ? "NaN" : float.IsPositiveInfinity(value) ? "Infinity" : float.IsNegativeInfinity(value) ? "-Infinity" : value.ToString("R", CultureInfo.InvariantCulture);
}
