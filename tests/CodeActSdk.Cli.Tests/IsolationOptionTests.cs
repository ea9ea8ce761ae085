using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace CodeActSdk.Cli.Tests;

/// <summary><c>--isolation process</c>: the same commands, the same output, with the code run in a worker process.</summary>
[Parallelizable(ParallelScope.All)]
public sealed partial class IsolationOptionTests
{
    private const string Task = "What is the average gross margin across all orders?";

    private static readonly string[] ContractKeys = ["ok", "status", "stdout", "value", "error", "durationMs"];

    [TestCase("jint", "console.log('héllo'); var xs = [3, 1, 2]; xs.sort(); ({ n: xs.length, first: xs[0] })", 0)]
    [TestCase("jint", "console.log('before'); throw new RangeError('too far');", 1)]
    [TestCase("csharp", "var xs = new[] { 3, 1, 2 }.Select(x => x * x).OrderBy(x => x).ToArray();\nConsole.WriteLine(xs.Length);\nxs", 0)]
    [TestCase("csharp", "System.IO.File.ReadAllText(\"/etc/passwd\")", 1)]
    public async Task Exec_in_a_worker_process_prints_the_same_json_and_exit_code_as_in_process(string backend, string code, int exitCode)
    {
        // A generous limit: Roslyn's first compilation on a busy 2-core machine can pass the default, and the limit is not what is tested.
        var inProcess = await CodeActProcess.RunAsync(["exec", "--backend", backend, "--isolation", "inprocess", "--timeout-ms", "60000", "-"], code);
        var isolated = await CodeActProcess.RunAsync(["exec", "--backend", backend, "--isolation", "process", "--timeout-ms", "60000", "-"], code);

        isolated.ExitCode.Should().Be(exitCode, isolated.ToString());
        inProcess.ExitCode.Should().Be(exitCode, inProcess.ToString());
        var expected = WithoutDuration(inProcess);
        var actual = WithoutDuration(isolated);
        JsonNode.DeepEquals(actual, expected).Should().BeTrue($"the worker's result must read as the in-process one:\n{actual}\n{expected}");
    }

    [Test]
    public async Task Isolation_names_are_case_insensitive_and_inprocess_is_the_default()
    {
        var byDefault = await CodeActProcess.RunAsync(["exec", "--backend", "jint", "-"], "1 + 1");
        var upper = await CodeActProcess.RunAsync(["exec", "--backend", "jint", "--isolation", "Process", "-"], "1 + 1");

        byDefault.ExitCode.Should().Be(0, byDefault.ToString());
        upper.ExitCode.Should().Be(0, upper.ToString());
        WithoutDuration(upper)["value"]!.GetValue<int>().Should().Be(2);
    }

    [Test]
    public async Task The_scripted_demo_reaches_the_same_answer_in_a_worker_and_names_its_protections()
    {
        var script = Path.Combine(CodeActProcess.RepositoryRoot, "samples", "scripts", "gross-margin.md");

        var inProcess = await CodeActProcess.RunAsync("run", "--script", script, Task);
        var isolated = await CodeActProcess.RunAsync("run", "--isolation", "process", "--script", script, Task);

        isolated.ExitCode.Should().Be(0, isolated.ToString());
        // The header lists the protections this machine applies to the worker (they differ between machines).
        isolated.Stdout.Should().MatchRegex(@"(?m)^worker\s+\S.*; tools run here$");
        inProcess.Stdout.Should().NotMatchRegex(@"(?m)^worker\s");
        isolated.Stdout.Should().Contain("orders() → array of 47", "the tool runs in the host and its result crosses to the worker");
        FinalAnswer().Match(isolated.Stdout).Value.Should().Be(FinalAnswer().Match(inProcess.Stdout).Value).And.NotBeEmpty();
    }

    private static JsonObject WithoutDuration(CliRun run)
    {
        run.Stdout.TrimEnd('\n').Should().NotContain("\n", "the JSON object is on one line");
        var json = JsonNode.Parse(run.Stdout)!.AsObject();
        json.Select(p => p.Key).Take(ContractKeys.Length).Should().Equal(ContractKeys);
        json["durationMs"]!.GetValueKind().Should().Be(JsonValueKind.Number);
        json.Remove("durationMs");
        return json;
    }

    [GeneratedRegex(@"^Final answer: (\S+)$", RegexOptions.Multiline)]
    private static partial Regex FinalAnswer();
}
