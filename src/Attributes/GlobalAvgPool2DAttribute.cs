using System;

namespace CompiledNets;

/// <summary>Global average pooling: <c>[channels, height, width]</c> to <c>[channels]</c>, the mean of each channel. No parameters.</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class GlobalAvgPool2DAttribute : Attribute
{
}
