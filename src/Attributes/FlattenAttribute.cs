using System;

namespace CompiledNets;

/// <summary>
/// <c>[channels, height, width]</c> to <c>[channels · height · width]</c> in the same order (channel, then row, then
/// column), as <c>torch.flatten(x, 1)</c>: the values do not move. Needed before a <see cref="DenseAttribute"/> layer.
/// </summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class FlattenAttribute : Attribute
{
}
