using System.Reflection;
using System.Runtime.CompilerServices;
using CompiledNets.Equivalence.Tests;
using CompiledNets.Kernels;
using Xunit.Sdk;

[assembly: VerifiesBufferGuards]

namespace CompiledNets.Equivalence.Tests;

/// <summary>
/// Every buffer this suite's networks allocate carries guard bands, and every test ends by checking that no generated
/// kernel wrote into one: a stray store fails the test that made it (or one running beside it), with the buffer's
/// allocation site, instead of corrupting the process for a later test to crash on.
/// </summary>
[AttributeUsage(AttributeTargets.Assembly | AttributeTargets.Class)]
public sealed class VerifiesBufferGuardsAttribute : BeforeAfterTestAttribute
{
    [ModuleInitializer]
    internal static void GuardEveryBuffer() => BufferGuards.Enabled = true;

    public override void After(MethodInfo methodUnderTest) => BufferGuards.Verify();
}
