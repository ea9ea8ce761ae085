using System.Text.Json;

namespace CodeActSdk.Cli.Tests;

/// <summary><c>codeact bench</c> runs the task suite on the backends and reports rates and latencies.</summary>
public sealed class BenchCommandTests
{
    [Test]
    public async Task Every_task_of_the_suite_is_answered_correctly_on_every_backend()
    {
        var json = Path.Combine(Path.GetTempPath(), $"bench-{Guid.NewGuid():N}.json");
        try
        {
            var run = await CodeActProcess.RunAsync("bench", "--repeat", "1", "--json", json);

            run.ExitCode.Should().Be(0, run.ToString());
            run.Stdout.Should().Contain("backend").And.Contain("p95 ms");
            using var report = JsonDocument.Parse(await File.ReadAllTextAsync(json));
            var tasks = report.RootElement.GetProperty("tasks").GetInt32();
            tasks.Should().BeGreaterThanOrEqualTo(40);
            var backends = report.RootElement.GetProperty("backends").EnumerateArray().ToArray();
            backends.Select(b => b.GetProperty("backend").GetString()).Should().Equal("jint", "v8", "csharp");
            foreach (var backend in backends)
            {
                backend.GetProperty("correctRate").GetDouble().Should().Be(1, backend.GetProperty("backend").GetString());
                backend.GetProperty("runs").GetArrayLength().Should().Be(tasks);
            }
        }
        finally
        {
            File.Delete(json);
        }
    }

    [Test]
    public async Task A_wrong_answer_is_reported_with_what_was_expected_and_exits_1()
    {
        var folder = Directory.CreateTempSubdirectory("bench-tasks-");
        try
        {
            await File.WriteAllTextAsync(Path.Combine(folder.FullName, "01-sum.md"), Task("[1, 2, 3]", "6", "final_answer(JSON.parse(input).length);", "final_answer(JsonSerializer.Deserialize<int[]>(input).Sum());"));

            var run = await CodeActProcess.RunAsync("bench", "--tasks", folder.FullName, "--backend", "jint", "--backend", "csharp", "--repeat", "2");

            run.ExitCode.Should().Be(1, run.ToString());
            run.Stdout.Should().MatchRegex(@"jint +1/1 +100% +0/1 +0%").And.Contain("jint 01-sum: answered 3, expected 6");
            run.Stdout.Should().MatchRegex(@"csharp +1/1 +100% +1/1 +100%");
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    [Test]
    public async Task A_malformed_task_file_is_a_usage_error_naming_the_file()
    {
        var folder = Directory.CreateTempSubdirectory("bench-tasks-");
        try
        {
            await File.WriteAllTextAsync(Path.Combine(folder.FullName, "07-broken.md"), "# Broken\n\n## input\n\n```json\n[1,\n```\n");

            var run = await CodeActProcess.RunAsync("bench", "--tasks", folder.FullName);

            run.ExitCode.Should().Be(2, run.ToString());
            run.Stderr.Should().Contain("07-broken.md").And.Contain("## expected");
            run.Stdout.Should().BeEmpty();
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    private static string Task(string input, string expected, string js, string cs) => $"""
        # A task

        What the test needs.

        - category: arithmetic

        ## input

        ```json
        {input}
        ```

        ## expected

        ```json
        {expected}
        ```

        ## javascript

        ```js
        {js}
        ```

        ## csharp

        ```cs
        {cs}
        ```
        """;
}
