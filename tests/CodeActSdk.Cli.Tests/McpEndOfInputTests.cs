using System.Text.Json;

namespace CodeActSdk.Cli.Tests;

/// <summary>
/// <c>codeact mcp</c> at the end of its input: what runs is cancelled, every request read is answered, and the server
/// exits, whether the client wrote its requests and closed at once or went away while code ran.
/// </summary>
public class McpEndOfInputTests
{
    private const string Initialize = """{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"test","version":"1"}}}""";
    private const string Initialized = """{"jsonrpc":"2.0","method":"notifications/initialized"}""";

    [TestCase("jint")]
    [TestCase("csharp")]
    public async Task Requests_followed_at_once_by_the_end_of_input_are_answered(string backend)
    {
        var run = await CodeActProcess.RunAsync(["mcp"], Lines(Initialize, Initialized, Call(2, backend, "1 + 1", timeoutMs: 10_000)));

        run.ExitCode.Should().Be(0, run.ToString());
        var responses = Responses(run);
        responses.Keys.Should().BeEquivalentTo([1, 2], run.ToString());
        responses[1].GetProperty("result").GetProperty("serverInfo").GetProperty("name").GetString().Should().Be("codeact");
        Status(responses[2]).Should().BeOneOf("Completed", "Cancelled");
    }

    [Test]
    public async Task Code_still_running_at_the_end_of_input_is_cancelled_and_answered_long_before_its_own_limit()
    {
        // The code's limit (10 minutes) is far past the test's safety net (2 minutes): only cancelling it lets the
        // server exit in time.
        var run = await CodeActProcess.RunAsync(
            ["mcp", "--max-timeout-ms", "600000"],
            Lines(Initialize, Initialized, Call(2, "jint", "while (true) {}", timeoutMs: 600_000), Call(3, "jint", "let x = 0; for (;;) { x++; }", timeoutMs: 600_000)));

        run.ExitCode.Should().Be(0, run.ToString());
        var responses = Responses(run);
        responses.Keys.Should().BeEquivalentTo([1, 2, 3], run.ToString());
        Status(responses[2]).Should().Be("Cancelled");
        Status(responses[3]).Should().Be("Cancelled");
    }

    [Test]
    public async Task A_request_the_client_cancelled_before_leaving_does_not_hold_the_server()
    {
        var run = await CodeActProcess.RunAsync(
            ["mcp", "--max-timeout-ms", "600000"],
            Lines(Initialize, Initialized, Call(2, "jint", "while (true) {}", timeoutMs: 600_000), """{"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":2,"reason":"gone"}}"""));

        run.ExitCode.Should().Be(0, run.ToString());
        Responses(run).Keys.Should().Contain(1, run.ToString());
    }

    private static string Call(int id, string backend, string code, int timeoutMs) => JsonSerializer.Serialize(new
    {
        jsonrpc = "2.0",
        id,
        method = "tools/call",
        @params = new { name = "execute_code", arguments = new { backend, code, timeout_ms = timeoutMs } },
    });

    private static string Lines(params string[] lines) => string.Join('\n', lines) + "\n";

    private static Dictionary<int, JsonElement> Responses(CliRun run) => run.Stdout
        .Split('\n', StringSplitOptions.RemoveEmptyEntries)
        .Select(line => JsonDocument.Parse(line).RootElement)
        .Where(message => message.TryGetProperty("id", out _))
        .ToDictionary(message => message.GetProperty("id").GetInt32());

    private static string? Status(JsonElement response) => response.GetProperty("result").GetProperty("structuredContent").GetProperty("status").GetString();
}
