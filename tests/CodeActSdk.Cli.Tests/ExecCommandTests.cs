using System.Text.Json;

namespace CodeActSdk.Cli.Tests;

/// <summary><c>codeact exec</c> as a user runs it: one JSON object on stdout, exit code 0 or 1.</summary>
[Parallelizable(ParallelScope.All)]
public sealed class ExecCommandTests
{
    private static readonly string[] ContractKeys = ["ok", "status", "stdout", "value", "error", "durationMs"];

    [Test]
    public async Task Valid_code_from_a_file_prints_its_output_and_value_and_exits_0()
    {
        var file = Path.Combine(Path.GetTempPath(), $"codeact-exec-{Guid.NewGuid():N}.js");
        await File.WriteAllTextAsync(file, "console.log('hello'); var x = 6 * 7; x");
        try
        {
            var run = await CodeActProcess.RunAsync("exec", "--backend", "jint", "--file", file);

            run.ExitCode.Should().Be(0, run.ToString());
            run.Stderr.Should().BeEmpty();
            var json = ParseSingleObject(run);
            json.GetProperty("ok").GetBoolean().Should().BeTrue();
            json.GetProperty("status").GetString().Should().Be("Completed");
            json.GetProperty("stdout").GetString().Should().Be("hello\n");
            json.GetProperty("value").GetInt32().Should().Be(42);
            json.GetProperty("error").ValueKind.Should().Be(JsonValueKind.Null);
            json.GetProperty("durationMs").GetDouble().Should().BeGreaterThanOrEqualTo(0);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Test]
    public async Task The_v8_backend_runs_modern_javascript_under_the_same_contract()
    {
        var run = await CodeActProcess.RunAsync(["exec", "--backend", "v8", "-"], "const xs = [3, 1, 2].map(x => x ** 2);\nconsole.log(`n=${xs.length}`);\nxs.sort((a, b) => a - b)");

        run.ExitCode.Should().Be(0, run.ToString());
        var json = ParseSingleObject(run);
        json.GetProperty("status").GetString().Should().Be("Completed");
        json.GetProperty("stdout").GetString().Should().Be("n=3\n");
        json.GetProperty("value").EnumerateArray().Select(v => v.GetInt32()).Should().Equal(1, 4, 9);
    }

    [Test]
    public async Task The_csharp_backend_runs_csharp_and_refuses_what_reaches_outside()
    {
        var ok = await CodeActProcess.RunAsync(["exec", "--backend", "csharp", "-"], "var xs = new[] { 3, 1, 2 }.Select(x => x * x).OrderBy(x => x).ToArray();\nConsole.WriteLine(xs.Length);\nxs");
        var refused = await CodeActProcess.RunAsync(["exec", "--backend", "csharp", "-"], "System.IO.File.ReadAllText(\"/etc/passwd\")");

        ok.ExitCode.Should().Be(0, ok.ToString());
        var json = ParseSingleObject(ok);
        json.GetProperty("stdout").GetString().Should().Be("3\n");
        json.GetProperty("value").EnumerateArray().Select(v => v.GetInt32()).Should().Equal(1, 4, 9);
        refused.ExitCode.Should().Be(1, refused.ToString());
        ParseSingleObject(refused).GetProperty("status").GetString().Should().Be("PolicyViolation");
    }

    [Test]
    public async Task The_v8_backend_reports_a_timeout_as_exit_1()
    {
        var run = await CodeActProcess.RunAsync(["exec", "--backend", "v8", "--timeout-ms", "200", "-"], "for (;;) {}");

        run.ExitCode.Should().Be(1, run.ToString());
        ParseSingleObject(run).GetProperty("status").GetString().Should().Be("Timeout");
    }

    [Test]
    public async Task Dash_reads_the_code_from_stdin_and_keeps_non_ascii_text_and_structured_values()
    {
        var run = await CodeActProcess.RunAsync(
            ["exec", "--backend", "jint", "-"],
            "console.log('héllo ✓\\nsecond line');\nfinal_answer({ total: 3, tags: ['a', 'b'] });\n({ n: 1, s: 'x' })");

        run.ExitCode.Should().Be(0, run.ToString());
        var json = ParseSingleObject(run);
        json.GetProperty("status").GetString().Should().Be("Completed");
        json.GetProperty("stdout").GetString().Should().Be("héllo ✓\nsecond line\n");
        json.GetProperty("finalAnswer").GetProperty("total").GetInt32().Should().Be(3);
        json.GetProperty("finalAnswer").GetProperty("tags").EnumerateArray().Select(t => t.GetString()).Should().Equal("a", "b");
    }

    [Test]
    public async Task A_syntax_error_is_reported_with_its_hint_and_position_and_exits_1()
    {
        var run = await CodeActProcess.RunAsync(["exec", "--backend", "jint", "-"], "const rows = await loadRows();");

        run.ExitCode.Should().Be(1, run.ToString());
        var json = ParseSingleObject(run);
        json.GetProperty("ok").GetBoolean().Should().BeFalse();
        json.GetProperty("status").GetString().Should().Be("SyntaxError");
        var error = json.GetProperty("error");
        error.GetProperty("kind").GetString().Should().Be("SyntaxError");
        error.GetProperty("message").GetString().Should().Contain("Top-level await is not available");
        error.GetProperty("line").GetInt32().Should().Be(1);
        json.GetProperty("value").ValueKind.Should().Be(JsonValueKind.Null);
    }

    [TestCase("console.log('before'); throw new RangeError('too far');", "RangeError", "too far", "before\n")]
    [TestCase("var order = {}; order.total();", "TypeError", "total", "")]
    [TestCase("undefinedVariable + 1", "ReferenceError", "undefinedVariable", "")]
    public async Task A_thrown_error_is_a_RuntimeError_with_its_kind_and_keeps_the_output_printed_before(
        string code, string kind, string messagePart, string stdout)
    {
        var run = await CodeActProcess.RunAsync(["exec", "--backend", "jint", "-"], code);

        run.ExitCode.Should().Be(1, run.ToString());
        var json = ParseSingleObject(run);
        json.GetProperty("status").GetString().Should().Be("RuntimeError");
        json.GetProperty("error").GetProperty("kind").GetString().Should().Be(kind);
        json.GetProperty("error").GetProperty("message").GetString().Should().Contain(messagePart);
        json.GetProperty("stdout").GetString().Should().Be(stdout);
    }

    [Test]
    public async Task Deep_recursion_is_a_RuntimeError_not_a_crash()
    {
        var run = await CodeActProcess.RunAsync(["exec", "--backend", "jint", "-"], "function down(n) { return down(n + 1); } down(0);");

        run.ExitCode.Should().Be(1, run.ToString());
        var json = ParseSingleObject(run);
        json.GetProperty("status").GetString().Should().Be("RuntimeError");
        json.GetProperty("error").GetProperty("kind").GetString().Should().Be("RecursionLimit");
    }

    [Test]
    public async Task An_endless_loop_stops_at_the_timeout()
    {
        var run = await CodeActProcess.RunAsync(["exec", "--backend", "jint", "--timeout-ms", "200", "-"], "while (true) {}");

        run.ExitCode.Should().Be(1, run.ToString());
        var json = ParseSingleObject(run);
        json.GetProperty("status").GetString().Should().Be("Timeout");

        // Whichever bound comes first on this machine: the 200 ms wall clock or the operation budget.
        json.GetProperty("error").GetProperty("kind").GetString().Should().BeOneOf("Timeout", "OperationLimit");
    }

    [Test]
    public async Task Doubling_a_string_stops_at_the_memory_limit()
    {
        var run = await CodeActProcess.RunAsync(
            ["exec", "--backend", "jint", "--memory-mb", "16", "-"],
            "var s = 'x'; while (true) { s = s + s; }");

        run.ExitCode.Should().Be(1, run.ToString());
        var json = ParseSingleObject(run);
        json.GetProperty("status").GetString().Should().Be("MemoryLimit");
        json.GetProperty("error").GetProperty("kind").GetString().Should().Be("MemoryLimit");
        json.GetProperty("error").GetProperty("message").GetString().Should().Contain("16 MiB");
    }

    // Alone: a cold C# compile in a fresh process on a machine busy with the other tests' processes can pass the
    // backend's compile time limit, and the result would then be that Timeout instead of the one under test.
    [NonParallelizable]
    [TestCase("throw new InvalidOperationException(\"bad message\");", "RuntimeError", "Nasty", "whose Message could not be read (InvalidOperationException)")]
    [TestCase("while (true) { }", "Timeout", "Timeout", "whose Message could not be read: The code")]
    public async Task A_csharp_exception_whose_members_misbehave_is_a_result_not_a_crash(string body, string status, string kind, string messagePart)
    {
        var code = $$"""
            class Nasty : Exception
            {
                public override string Message { get { {{body}} } }
                public override string ToString() { {{body}} }
                public override string StackTrace { get { {{body}} } }
            }
            Console.WriteLine("before");
            throw new Nasty();
            """;

        // The loop ends on the operation budget long before this time limit, which only bounds a machine that stalls.
        var run = await CodeActProcess.RunAsync(["exec", "--backend", "csharp", "--timeout-ms", "5000", "-"], code);

        run.ExitCode.Should().Be(1, run.ToString());
        run.Stderr.Should().NotContain("Unhandled exception");
        var json = ParseSingleObject(run);
        if (json.GetProperty("error").GetProperty("message").GetString()!.StartsWith("Compiling the code took longer", StringComparison.Ordinal))
        {
            // A fresh process compiles cold; on a machine this busy the backend's compile time limit came first, and
            // the code never ran: nothing was tested (the process answered, which is still the point).
            Assert.Inconclusive("The cold compile passed the backend's compile time limit on this busy machine.");
        }

        json.GetProperty("status").GetString().Should().Be(status, run.ToString());
        json.GetProperty("stdout").GetString().Should().Be("before\n");
        // A loop ends on whichever bound comes first: the operation budget, or the wall clock on a stalled machine.
        json.GetProperty("error").GetProperty("kind").GetString().Should().BeOneOf(kind, kind == "Timeout" ? "OperationLimit" : kind);
        json.GetProperty("error").GetProperty("message").GetString().Should().Contain(messagePart);
    }

    /// <summary>Checks the stdout contract: exactly one JSON object on one line, its keys in the contract's order first.</summary>
    private static JsonElement ParseSingleObject(CliRun run)
    {
        run.Stdout.Should().EndWith("\n", run.ToString());
        run.Stdout.TrimEnd('\n').Should().NotContain("\n", "the JSON object is on one line");

        // JsonDocument.Parse rejects anything after the first value, so this also proves there is only one.
        using var document = JsonDocument.Parse(run.Stdout);
        var root = document.RootElement.Clone();
        root.ValueKind.Should().Be(JsonValueKind.Object);
        root.EnumerateObject().Select(p => p.Name).Take(ContractKeys.Length).Should().Equal(ContractKeys);
        root.GetProperty("ok").GetBoolean().Should().Be(run.ExitCode == 0);
        if (root.GetProperty("ok").GetBoolean())
        {
            root.GetProperty("error").ValueKind.Should().Be(JsonValueKind.Null);
        }
        else
        {
            root.GetProperty("error").GetProperty("kind").GetString().Should().NotBeNullOrEmpty();
            root.GetProperty("error").TryGetProperty("message", out _).Should().BeTrue();
        }

        return root;
    }
}
