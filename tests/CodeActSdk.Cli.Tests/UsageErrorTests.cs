namespace CodeActSdk.Cli.Tests;

/// <summary>Every wrong command line exits 2 with one precise line on stderr and nothing on stdout.</summary>
[Parallelizable(ParallelScope.All)]
public sealed class UsageErrorTests
{
    private static readonly string ExistingFile = Path.Combine(CodeActProcess.RepositoryRoot, "samples", "scripts", "gross-margin.md");
    private static readonly string MissingFile = Path.Combine(CodeActProcess.RepositoryRoot, "no-such-file.js");

    private static IEnumerable<TestCaseData> Cases()
    {
        yield return Case("missing --backend", "'--backend' is required", "exec", "--file", ExistingFile);
        yield return Case("both --file and -", "not both", "exec", "--backend", "jint", "--file", ExistingFile, "-");
        yield return Case("neither --file nor -", "No code given", "exec", "--backend", "jint");
        yield return Case("non-existent file", "does not exist", "exec", "--backend", "jint", "--file", MissingFile);
        yield return Case("non-numeric --timeout-ms", "--timeout-ms must be a whole number, but was 'abc'", "exec", "--backend", "jint", "--timeout-ms", "abc", "-");
        yield return Case("zero --timeout-ms", "--timeout-ms must be positive", "exec", "--backend", "jint", "--timeout-ms", "0", "-");
        yield return Case("negative --timeout-ms", "--timeout-ms must be positive", "exec", "--backend", "jint", "--timeout-ms", "-5", "-");
        yield return Case("non-numeric --memory-mb", "--memory-mb must be a whole number, but was '1.5'", "exec", "--backend", "jint", "--memory-mb", "1.5", "-");
        yield return Case("non-positive --memory-mb", "--memory-mb must be positive", "exec", "--backend", "jint", "--memory-mb", "0", "-");
        yield return Case("unknown option", "'--verbose'", "exec", "--backend", "jint", "--verbose", "-");
        yield return Case("stray argument", "Unexpected argument 'code.js'", "exec", "--backend", "jint", "code.js");
        yield return Case("unknown backend", "Unknown backend 'python'", "exec", "--backend", "python", "-");
        yield return Case("unknown isolation", "Unknown isolation 'container'; use --isolation inprocess or --isolation process", "exec", "--backend", "jint", "--isolation", "container", "-");
        yield return Case("run with an unknown isolation", "Unknown isolation 'vm'; use --isolation inprocess or --isolation process", "run", "--isolation", "vm", "--script", ExistingFile, "a task");
        yield return Case("no command", "Required command was not provided", []);
        yield return Case("run without a task", "No task given", "run", "--script", ExistingFile);
        yield return Case("run with a blank task", "No task given", "run", "--script", ExistingFile, "  ");
        yield return Case("run with a missing script", "The script file", "run", "--script", MissingFile, "a task");
        yield return Case("bench with a missing task folder", "does not exist; pass --tasks DIR", "bench", "--tasks", MissingFile);
        yield return Case("bench with an unknown backend", "Unknown backend 'ruby'", "bench", "--backend", "ruby");
        yield return Case("bench with --repeat 0", "--repeat must be positive", "bench", "--repeat", "0");
        yield return Case("run with a malformed --mcp", "is not NAME=COMMAND or NAME=URL", "run", "--mcp", "no-equals-sign", "--script", ExistingFile, "a task");
        yield return Case("run with --max-steps 0", "--max-steps must be positive", "run", "--max-steps", "0", "--script", ExistingFile, "a task");
    }

    [TestCaseSource(nameof(Cases))]
    public async Task Exits_2_with_one_line_on_stderr_and_nothing_on_stdout(string[] args, string expected)
    {
        var run = await CodeActProcess.RunAsync(args, stdin: "1");

        run.ExitCode.Should().Be(2, run.ToString());
        run.Stdout.Should().BeEmpty();
        run.Stderr.TrimEnd().Should().NotContain("\n", "the message is one line").And.Contain(expected);
        run.Stderr.Should().NotContain("Exception").And.NotContain("   at ", "no stack trace is shown");
    }

    [Test]
    public async Task An_empty_script_file_is_a_usage_error()
    {
        var script = Path.Combine(Path.GetTempPath(), $"codeact-empty-{Guid.NewGuid():N}.md");
        await File.WriteAllTextAsync(script, "# a title but no turns\n");
        try
        {
            var run = await CodeActProcess.RunAsync("run", "--script", script, "a task");

            run.ExitCode.Should().Be(2, run.ToString());
            run.Stdout.Should().BeEmpty();
            run.Stderr.Should().Contain("has no turns").And.Contain("## turn");
        }
        finally
        {
            File.Delete(script);
        }
    }

    private static TestCaseData Case(string name, string expected, params string[] args) =>
        new TestCaseData(args, expected).SetName($"Usage error: {name}");
}
