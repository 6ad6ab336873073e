using CompiledNets.Generator.Tests.Infrastructure;
using Microsoft.CodeAnalysis;

namespace CompiledNets.Generator.Tests.Parsing;

/// <summary>Each invalid graph declaration produces its CN diagnostic at the attribute that is wrong, and nothing else.</summary>
public class GraphDiagnosticTests
{
    private static Diagnostic Single(string layers)
    {
        var run = GeneratorHarness.Run(Declaration(layers));
        Assert.True(run.OnlyShells, "a network was generated despite an error");
        Assert.Empty(run.CompilationDiagnostics);
        return Assert.Single(run.GeneratorDiagnostics);
    }

    private static string Declaration(string layers) => $$"""
        using CompiledNets;
        {{layers}}
        [Loss(LossFunction.CrossEntropy)]
        [Adam]
        public partial class Graph;
        """;

    private static string At(Diagnostic diagnostic) => diagnostic.Location.SourceTree!.GetText().ToString(diagnostic.Location.SourceSpan);

    [Fact]
    public void A_merge_of_an_unknown_name_lists_the_names_there_are()
    {
        var d = Single("""
            [Network(Inputs = 8)]
            [Dense(6, Activation.ReLU, Name = "h1")]
            [Dense(6, Name = "h2")]
            [Add("h1", "h3")]
            [Dense(3, Activation.Softmax)]
            """);
        Assert.Equal("CN0029", d.Id);
        Assert.Equal("Add(\"h1\", \"h3\")", At(d));
        Assert.Equal("Layer 3 (Add) reads 'h3', which is not declared; name an earlier layer or input ('input', 'h1', 'h2')", d.GetMessage());
    }

    [Fact]
    public void From_a_later_layer_is_refused_so_no_cycle_can_be_written()
    {
        var d = Single("""
            [Network(Inputs = 8)]
            [Dense(6, Activation.ReLU, Name = "h1", From = "h2")]
            [Dense(6, Activation.ReLU, Name = "h2")]
            [Dense(3, Activation.Softmax)]
            """);
        Assert.Equal("CN0029", d.Id);
        Assert.Contains("reads 'h2', which is declared after it (layer 2)", d.GetMessage());
        Assert.StartsWith("Dense(6, Activation.ReLU, Name = \"h1\"", At(d));
    }

    [Fact]
    public void A_layer_cannot_read_itself()
    {
        var d = Single("""
            [Network(Inputs = 8)]
            [Dense(6, Activation.ReLU, Name = "h1", From = "h1")]
            [Dense(3, Activation.Softmax)]
            """);
        Assert.Equal("CN0029", d.Id);
        Assert.Contains("which is the layer itself", d.GetMessage());
    }

    [Fact]
    public void A_duplicate_name_points_at_the_second_and_names_the_first()
    {
        var d = Single("""
            [Network(Inputs = 8)]
            [Dense(6, Activation.ReLU, Name = "hidden")]
            [Dense(6, Activation.ReLU, Name = "hidden")]
            [Dense(3, Activation.Softmax)]
            """);
        Assert.Equal("CN0030", d.Id);
        Assert.Equal("Layer 2 (Dense 6) is named 'hidden', like Layer 1 (Dense 6); give every layer and input its own name", d.GetMessage());
        Assert.Contains("Dense(6, Activation.ReLU, Name = \"hidden\")", At(d));
    }

    [Fact]
    public void A_name_may_not_repeat_an_unnamed_layers_numbered_name()
    {
        var d = Single("""
            [Network(Inputs = 8)]
            [Dense(6, Activation.ReLU)]
            [Dense(6, Activation.ReLU, Name = "dense1")]
            [Dense(3, Activation.Softmax)]
            """);
        Assert.Equal("CN0030", d.Id);
    }

    [Fact]
    public void A_merge_of_one_value_is_refused()
    {
        var d = Single("""
            [Network(Inputs = 8)]
            [Dense(6, Activation.ReLU, Name = "a")]
            [Concat("a")]
            [Dense(3, Activation.Softmax)]
            """);
        Assert.Equal("CN0031", d.Id);
        Assert.Equal("Layer 2 (Concat) merges only 'a'; name at least two earlier layers or inputs, for example [Concat(\"h1\", \"h3\")]", d.GetMessage());
    }

    [Fact]
    public void Adding_different_shapes_names_both_shapes()
    {
        var d = Single("""
            [Network(Inputs = 8)]
            [Dense(6, Activation.ReLU, Name = "a")]
            [Dense(5, Name = "b")]
            [Add("a", "b")]
            [Dense(3, Activation.Softmax)]
            """);
        Assert.Equal("CN0032", d.Id);
        Assert.Contains("Layer 3 (Add) cannot merge 'a' [6] with 'b' [5]", d.GetMessage());
    }

    [Fact]
    public void Concatenating_images_of_different_sizes_names_both_shapes()
    {
        var d = Single("""
            [Network(InputShape = new[] { 1, 8, 8 })]
            [Conv2D(4, 3, Activation.ReLU, Name = "a")]
            [Conv2D(4, 5, Activation.ReLU, Name = "b", From = "input")]
            [Concat("a", "b")]
            [Flatten]
            [Dense(3, Activation.Softmax)]
            """);
        Assert.Equal("CN0032", d.Id);
        Assert.Contains("cannot merge 'a' [4, 6, 6] with 'b' [4, 4, 4]; images are joined along channels and need the same height and width", d.GetMessage());
    }

    [Fact]
    public void Concatenating_an_image_and_a_vector_asks_for_a_flatten()
    {
        var d = Single("""
            [Network(InputShape = new[] { 1, 8, 8 })]
            [Conv2D(4, 3, Activation.ReLU, Name = "a")]
            [Flatten(Name = "f", From = "input")]
            [Concat("a", "f")]
            [Flatten]
            [Dense(3, Activation.Softmax)]
            """);
        Assert.Equal("CN0032", d.Id);
        Assert.Contains("[Flatten] the image first", d.GetMessage());
    }

    [Fact]
    public void An_input_of_size_zero_is_refused_at_its_attribute()
    {
        var d = Single("""
            [Network]
            [Input("image", 0)]
            [Dense(3, Activation.Softmax)]
            """);
        Assert.Equal("CN0033", d.Id);
        Assert.Equal("Input(\"image\", 0)", At(d));
        Assert.Contains("declares 'image' with shape { 0 }", d.GetMessage());
    }

    [Fact]
    public void Inputs_declared_twice_over_are_refused()
    {
        var d = Single("""
            [Network(Inputs = 4)]
            [Input("image", 4)]
            [Dense(3, Activation.Softmax)]
            """);
        Assert.Equal("CN0033", d.Id);
        Assert.Contains("comes with [Network(Inputs = ...)]", d.GetMessage());
    }

    [Fact]
    public void A_network_with_no_input_at_all_is_refused()
    {
        var d = Single("""
            [Network]
            [Dense(6, Activation.ReLU, Name = "h")]
            [Dense(3, Activation.Softmax)]
            """);
        Assert.Equal("CN0003", d.Id);
        Assert.Contains("[Input(\"image\", 784)]", d.GetMessage());
    }

    [Fact]
    public void A_name_that_is_not_an_identifier_is_refused()
    {
        var d = Single("""
            [Network(Inputs = 8)]
            [Dense(6, Activation.ReLU, Name = "hidden layer")]
            [Dense(3, Activation.Softmax)]
            """);
        Assert.Equal("CN0035", d.Id);
        Assert.Contains("'hidden layer'", d.GetMessage());
    }

    [Fact]
    public void A_layer_that_nothing_reads_is_a_warning_and_the_network_is_still_generated()
    {
        var run = GeneratorHarness.Run(Declaration("""
            [Network(Inputs = 8)]
            [Dense(6, Activation.ReLU, Name = "main")]
            [Dense(4, Activation.ReLU, Name = "side", From = "input")]
            [Dense(3, Activation.Softmax, From = "main")]
            """));
        var d = Assert.Single(run.GeneratorDiagnostics);
        Assert.Equal("CN0034", d.Id);
        Assert.Equal(DiagnosticSeverity.Warning, d.Severity);
        Assert.Equal("Layer 2 (Dense 4) is read by no layer and is not the output; its values are computed and thrown away; name it in a From or a merge, or remove it", d.GetMessage());
        Assert.False(run.OnlyShells);
        Assert.Empty(run.CompilationDiagnostics);
    }

    [Fact]
    public void An_input_that_nothing_reads_is_a_warning()
    {
        var run = GeneratorHarness.Run(Declaration("""
            [Network]
            [Input("image", 8)]
            [Input("meta", 2)]
            [Dense(3, Activation.Softmax)]
            """));
        var d = Assert.Single(run.GeneratorDiagnostics);
        Assert.Equal("CN0034", d.Id);
        Assert.StartsWith("Input 'meta' is read by no layer", d.GetMessage());
        Assert.Equal("Input(\"meta\", 2)", At(d));
    }

    [Fact]
    public void A_dense_layer_reading_an_image_input_names_that_input()
    {
        var d = Single("""
            [Network]
            [Input("image", 1, 8, 8)]
            [Input("meta", 3)]
            [Dense(6, Activation.ReLU, Name = "pixels")]
            [Dense(3, Activation.ReLU, Name = "facts", From = "meta")]
            [Concat("pixels", "facts")]
            [Dense(3, Activation.Softmax)]
            """);
        Assert.Equal("CN0027", d.Id);
        Assert.Contains("gets the [1, 8, 8] image of input 'image'", d.GetMessage());
    }
}
