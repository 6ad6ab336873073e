namespace CompiledNets.Generator.Model;

/// <summary>
/// A network class whose declaration has CN errors but whose public members can still be declared: the emitter writes
/// its constructors and <c>INetwork</c> members, each throwing <see cref="ErrorMessage"/>, so uses of the class compile
/// and the build shows the CN errors alone.
/// </summary>
/// <param name="Namespace">The class's namespace; null for the global namespace.</param>
/// <param name="ContainingTypes">Types the class is nested in, outermost first.</param>
/// <param name="ClassName">The class's name.</param>
/// <param name="FullyQualifiedName">For the hint name and comments.</param>
/// <param name="ErrorIds">The IDs of the declaration's CN errors, in the order they were found.</param>
/// <param name="ErrorMessage">What every member throws: the class, the first error's ID and message, and the count of the others.</param>
internal sealed record ShellSpec(
    string? Namespace,
    EquatableArray<ContainingTypeSpec> ContainingTypes,
    string ClassName,
    string FullyQualifiedName,
    EquatableArray<string> ErrorIds,
    string ErrorMessage);
