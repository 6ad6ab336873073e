using CompiledNets;

namespace SignLanguageSample;

/// <summary>
/// Sign Language MNIST's classes: the letters A-Y without J (J and Z need motion, and Z is past Y), labelled by their
/// position in the alphabet, so label 9 never occurs and the 24 labels become classes 0-23.
/// </summary>
internal static class Letters
{
    /// <summary>Labels 0-24 without 9, in order: class 9 is label 10 (K).</summary>
    public static readonly LabelMap Map = new(Enumerable.Range(0, 25).Where(label => label != 9));

    /// <summary>Number of classes the network outputs.</summary>
    public static int Count => Map.ClassCount;

    /// <summary>The letter of class <paramref name="classIndex"/>: its label is its position in the alphabet.</summary>
    public static string Name(int classIndex) => ((char)('A' + Map.ToLabel(classIndex))).ToString();

    /// <summary>Every class's letter, in class order.</summary>
    public static string[] Names => Enumerable.Range(0, Count).Select(Name).ToArray();
}
