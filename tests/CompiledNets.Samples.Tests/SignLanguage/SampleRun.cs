using SignLanguageSample;

namespace CompiledNets.Samples.Tests.SignLanguage;

/// <summary>The sample's command line run in process: its exit code and what it wrote to each stream.</summary>
internal sealed record SampleRun(int ExitCode, string Output, string Error)
{
    public static SampleRun Of(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        int code = SignLanguageCommand.Invoke(args, output, error);
        return new SampleRun(code, output.ToString(), error.ToString());
    }

    /// <summary>The last non-empty line of the output (the JSON line with --json).</summary>
    public string LastLine => Output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)[^1];
}
