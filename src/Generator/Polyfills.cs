// Lets records and init-only setters compile for netstandard2.0, the target Roslyn requires of generators.
namespace System.Runtime.CompilerServices
{
    internal static class IsExternalInit { }
}
