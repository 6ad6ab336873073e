using System;

namespace CompiledNets;

/// <summary>
/// A named input of a network with several (the Keras Functional API's <c>Input</c>): <c>[Input("image", 1, 28, 28)]</c>,
/// <c>[Input("meta", 4)]</c>. A sample's row is the concatenation of its inputs in declaration order; the generated class
/// also gets a <c>Predict</c> overload taking one span per input. The first layer reads the first input; a layer reads
/// another with <c>From</c>. Without any <c>[Input]</c> the network has one input named <c>input</c>, shaped by
/// <see cref="NetworkAttribute.Inputs"/> or <see cref="NetworkAttribute.InputShape"/>.
/// </summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class InputAttribute : Attribute
{
    /// <summary>Declares input <paramref name="name"/> of <paramref name="shape"/>: a size, or <c>channels, height, width</c>.</summary>
    public InputAttribute(string name, params int[] shape)
    {
        Name = name;
        Shape = shape;
    }

    /// <summary>The name layers read it by (<c>From</c>, merges) and the <c>Predict</c> overload's parameter name.</summary>
    public string Name { get; }

    /// <summary>One sample's shape: <c>{ features }</c> or <c>{ channels, height, width }</c>.</summary>
    public int[] Shape { get; }
}
