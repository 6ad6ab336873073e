using System.Collections.Generic;

namespace CompiledNets.Generator.Emit;

/// <summary>
/// The layout of <c>_predictRows</c>, the one buffer single-sample <c>Predict</c> uses when it splits wide layers across
/// cores: the input at 0, then two row slots each as wide as the widest layer output, used in turn.
/// </summary>
internal static class PredictRows
{
    /// <summary>Floats of one row slot: the widest layer output.</summary>
    public static int Width(NetworkPlan plan) => System.Math.Max(plan.WidestHidden, plan.OutputSize);

    /// <summary>Where each layer reads and writes (a layer that is the identity at inference passes its input through).</summary>
    public static Dictionary<int, (int Input, int Output)> Offsets(NetworkPlan plan)
    {
        var offsets = new Dictionary<int, (int, int)>();
        int width = Width(plan), current = 0, slot = 0;
        foreach (var layer in plan.Layers)
        {
            if (layer.Kind.IdentityAtInference)
            {
                offsets[layer.Index] = (current, current);
                continue;
            }
            int next = plan.Spec.Inputs + (slot++ % 2) * width;
            offsets[layer.Index] = (current, next);
            current = next;
        }
        return offsets;
    }
}
