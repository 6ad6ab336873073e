using System.Reflection;
using System.Runtime.Intrinsics;
using CompiledNets.Generator.Tests.Infrastructure;

namespace CompiledNets.Generator.Tests.Emit;

/// <summary>
/// The combined lane sums that end a 512-bit dot-product tile (<c>SumEach16</c>, <c>SumEach4</c>) are bitwise
/// <c>Vector512.Sum</c> of each accumulator: the forward kernels' results do not depend on the tile an output falls in.
/// </summary>
public class DotProductSumOrderTests
{
    private static readonly Lazy<Type> KernelClass = new(() =>
    {
        var assembly = GeneratorHarness.CompileAndLoad("""
            using CompiledNets;
            namespace DotSums;

            [Network(Inputs = 64)]
            [Dense(8, Activation.ReLU)]
            [Dense(2)]
            [Loss(LossFunction.MeanSquaredError)]
            [Sgd]
            public partial class Wide;
            """);
        return assembly.GetTypes().Single(t => t.Name.EndsWith("Kernels", StringComparison.Ordinal) && t.GetMethod("SumEach16", BindingFlags.NonPublic | BindingFlags.Static) is not null);
    });

    /// <summary>Accumulators whose lanes span many magnitudes and both signs, so any change of summation order shows.</summary>
    private static Vector512<float>[] Accumulators(int count, Random random)
    {
        var vectors = new Vector512<float>[count];
        var lanes = new float[16];
        for (int v = 0; v < count; v++)
        {
            for (int l = 0; l < 16; l++) lanes[l] = (float)((random.NextDouble() - 0.5) * Math.Pow(10, random.Next(-7, 8)));
            vectors[v] = Vector512.Create(lanes);
        }
        return vectors;
    }

    [Theory]
    [InlineData("SumEach16", 16)]
    [InlineData("SumEach4", 4)]
    public void Combined_sums_are_bitwise_each_accumulators_Vector512_Sum(string helper, int count)
    {
        var method = KernelClass.Value.GetMethod(helper, BindingFlags.NonPublic | BindingFlags.Static)!;
        var random = new Random(count);
        for (int trial = 0; trial < 2000; trial++)
        {
            var accumulators = Accumulators(count, random);
            object result = method.Invoke(null, accumulators.Cast<object>().ToArray())!;
            for (int i = 0; i < count; i++)
            {
                float combined = result is Vector512<float> wide ? wide.GetElement(i) : ((Vector128<float>)result).GetElement(i);
                float expected = Vector512.Sum(accumulators[i]);
                Assert.True(BitConverter.SingleToInt32Bits(combined) == BitConverter.SingleToInt32Bits(expected),
                    $"{helper}, trial {trial}, accumulator {i}: {combined:R} instead of {expected:R}");
            }
        }
    }
}
