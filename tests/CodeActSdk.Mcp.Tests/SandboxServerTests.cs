using System.Collections.Concurrent;
using System.Text.Json;
using CodeActSdk.Jint;
using CodeActSdk.Mcp.Server;
using CodeActSdk.Mcp.TestServer;
using CodeActSdk.V8;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;
using static CodeActSdk.Mcp.Tests.ServerProcess;

namespace CodeActSdk.Mcp.Tests;

/// <summary>
/// <c>codeact mcp</c> as an MCP host sees it: one server process, driven over stdio by the SDK's client, runs code in
/// every backend, keeps named sessions apart, survives runaway code and explains bad requests.
/// </summary>
[NonParallelizable]
public sealed class SandboxServerTests
{
    private readonly ConcurrentQueue<string> _stderr = new();
    private McpClient _client = null!;

    [OneTimeSetUp]
    public async Task StartAsync() => _client = await StartCodeActMcpAsync([], _stderr.Enqueue);

    [OneTimeTearDown]
    public async Task StopAsync() => await _client.DisposeAsync();

    [Test]
    public async Task Lists_execute_code_list_sessions_and_close_session_with_their_schemas()
    {
        var tools = await _client.ListToolsAsync();

        _client.ServerInfo?.Name.Should().Be("codeact");
        tools.Select(t => t.Name).Should().Equal("execute_code", "list_sessions", "close_session", "upload_file");
        var execute = tools[0].ProtocolTool;
        execute.InputSchema.GetProperty("required").EnumerateArray().Select(e => e.GetString()).Should().Equal("backend", "code");
        execute.InputSchema.GetProperty("properties").EnumerateObject().Select(p => p.Name)
            .Should().BeEquivalentTo("backend", "code", "session_id", "timeout_ms", "memory_mb");
        execute.OutputSchema.Should().NotBeNull();
        execute.Description.Should().Contain("jint").And.Contain("csharp").And.Contain("v8")
            .And.Contain("timeout_ms default 5,000, at most 60,000").And.Contain("memory_mb default 64, at most 512")
            .And.Contain("Sessions unused for 10 minutes are closed");
        tools[2].ProtocolTool.InputSchema.GetProperty("required")[0].GetString().Should().Be("session_id");
    }

    [TestCase("jint", "var a = 20;\na * 2 + 2")]
    [TestCase("v8", "const a = 20;\na * 2 + 2")]
    [TestCase("csharp", "var a = 20;\na * 2 + 2")]
    public async Task Execute_code_returns_the_value_of_the_last_expression(string backend, string code)
    {
        var result = await ExecuteAsync(new() { ["backend"] = backend, ["code"] = code });

        if (backend == "v8" && !V8Interpreter.IsAvailable(out _))
        {
            // Without ClearScript's native V8 library the server does not offer v8, and says so.
            result.IsError.Should().BeTrue();
            Text(result).Should().Contain("v8 backend is not available");
            return;
        }

        result.IsError.Should().NotBe(true, Text(result));
        var json = Structured(result);
        json.GetProperty("ok").GetBoolean().Should().BeTrue(Text(result));
        json.GetProperty("status").GetString().Should().Be("Completed");
        json.GetProperty("value").GetInt32().Should().Be(42);
        json.GetProperty("error").ValueKind.Should().Be(JsonValueKind.Null);
        json.TryGetProperty("session_id", out _).Should().BeFalse("no session was named");
        JsonDocument.Parse(Text(result)).RootElement.GetRawText().Should().Be(json.GetRawText(), "the text is the same JSON");
    }

    [Test]
    public async Task A_named_session_keeps_its_variables_and_another_session_does_not_see_them()
    {
        var first = Unique("counter");
        var second = Unique("other");

        (await ValueAsync(first, "var x = 41;")).ValueKind.Should().Be(JsonValueKind.Null);
        var answer = await ExecuteAsync(new() { ["backend"] = "jint", ["code"] = "x + 1", ["session_id"] = first });
        var other = await ValueAsync(second, "typeof x");

        Structured(answer).GetProperty("value").GetInt32().Should().Be(42);
        Structured(answer).GetProperty("session_id").GetString().Should().Be(first);
        other.GetString().Should().Be("undefined");
    }

    [Test]
    public async Task List_sessions_shows_open_sessions_and_close_session_discards_one_whose_id_then_starts_fresh()
    {
        var id = Unique("listed");
        await ValueAsync(id, "var y = 1;");
        await ValueAsync(id, "y = y + 1;");

        var listed = Structured(await _client.CallToolAsync("list_sessions", new Dictionary<string, object?>()));
        var closed = await _client.CallToolAsync("close_session", new Dictionary<string, object?> { ["session_id"] = id });
        var closedAgain = await _client.CallToolAsync("close_session", new Dictionary<string, object?> { ["session_id"] = id });
        var afterClose = Structured(await _client.CallToolAsync("list_sessions", new Dictionary<string, object?>()));
        var reused = await ValueAsync(id, "typeof y");

        var entry = listed.GetProperty("sessions").EnumerateArray().Single(s => s.GetProperty("session_id").GetString() == id);
        entry.GetProperty("backend").GetString().Should().Be("jint");
        entry.GetProperty("executions").GetInt32().Should().Be(2);
        entry.GetProperty("timeoutMs").GetInt32().Should().Be(5000);
        DateTimeOffset.Parse(entry.GetProperty("lastUsedAt").GetString()!, System.Globalization.CultureInfo.InvariantCulture)
            .Should().BeOnOrAfter(DateTimeOffset.Parse(entry.GetProperty("createdAt").GetString()!, System.Globalization.CultureInfo.InvariantCulture));
        closed.IsError.Should().NotBe(true, Text(closed));
        Structured(closed).GetProperty("closed").GetBoolean().Should().BeTrue();
        Structured(closed).GetProperty("executions").GetInt32().Should().Be(2);
        closedAgain.IsError.Should().BeTrue();
        Text(closedAgain).Should().Contain($"No open session '{id}'");
        afterClose.GetProperty("sessions").EnumerateArray().Select(s => s.GetProperty("session_id").GetString()).Should().NotContain(id);
        reused.GetString().Should().Be("undefined", "a closed id starts a fresh session");
    }

    [Test]
    public async Task Runaway_code_times_out_and_the_server_goes_on()
    {
        var runaway = await ExecuteAsync(new() { ["backend"] = "jint", ["code"] = "while (true) {}", ["timeout_ms"] = 200 });
        var next = await ExecuteAsync(new() { ["backend"] = "jint", ["code"] = "1 + 1" });

        runaway.IsError.Should().BeTrue("code that did not complete is a failed tool call, and its result still says why");
        Structured(runaway).GetProperty("ok").GetBoolean().Should().BeFalse();
        Structured(runaway).GetProperty("status").GetString().Should().Be("Timeout");
        Structured(runaway).GetProperty("error").GetProperty("kind").GetString().Should().Be("Timeout");
        Structured(next).GetProperty("value").GetInt32().Should().Be(2);
    }

    [Test]
    public async Task A_session_created_with_a_short_timeout_times_out_and_keeps_its_state()
    {
        var id = Unique("short");
        await ExecuteAsync(new() { ["backend"] = "jint", ["code"] = "var kept = 7;", ["session_id"] = id, ["timeout_ms"] = 200 });

        var runaway = await ExecuteAsync(new() { ["backend"] = "jint", ["code"] = "while (true) {}", ["session_id"] = id });
        var after = await ValueAsync(id, "kept");

        Structured(runaway).GetProperty("status").GetString().Should().Be("Timeout");
        after.GetInt32().Should().Be(7);
    }

    [Test]
    public async Task A_session_keeps_the_limits_it_was_created_with()
    {
        var id = Unique("limits");
        await ValueAsync(id, "var kept = 7;");

        var changed = await ExecuteAsync(new() { ["backend"] = "jint", ["code"] = "kept", ["session_id"] = id, ["timeout_ms"] = 200 });
        var repeated = await ExecuteAsync(new() { ["backend"] = "jint", ["code"] = "kept", ["session_id"] = id, ["timeout_ms"] = 5000 });

        changed.IsError.Should().BeTrue();
        Text(changed).Should().Be($"Session '{id}' was created with timeout_ms 5000, and a session's limits cannot change; leave timeout_ms out (or pass 5000), or use another session_id.");
        Structured(repeated).GetProperty("value").GetInt32().Should().Be(7);
    }

    [TestCase("python", "1", "'backend' must be one of \"jint\", \"v8\", \"csharp\" (exactly as written), but was \"python\".")]
    [TestCase("JINT", "1", "'backend' must be one of \"jint\", \"v8\", \"csharp\" (exactly as written), but was \"JINT\".")]
    public async Task A_bad_request_is_an_error_result_that_names_the_problem(string backend, string code, string expected)
    {
        var result = await ExecuteAsync(new() { ["backend"] = backend, ["code"] = code });

        result.IsError.Should().BeTrue();
        Text(result).Should().Be(expected);
    }

    [TestCase("")]
    [TestCase("   ")]
    public async Task Empty_code_is_allowed_by_the_schema_and_runs(string code)
    {
        var result = await ExecuteAsync(new() { ["backend"] = "jint", ["code"] = code });

        result.IsError.Should().NotBe(true, Text(result));
        Structured(result).GetProperty("status").GetString().Should().Be("Completed");
    }

    [TestCase("timeout_ms", -5, "'timeout_ms' must be at least 1, but was -5; leave it out for the default.")]
    [TestCase("timeout_ms", "soon", "'timeout_ms' must be a whole number (a JSON number, not a string) of at least 1, but was \"soon\".")]
    [TestCase("timeout_ms", "500", "'timeout_ms' must be a whole number (a JSON number, not a string) of at least 1, but was \"500\".")]
    [TestCase("memory_mb", 1.5, "'memory_mb' must be a whole number (a JSON number, not a string) of at least 1, but was 1.5.")]
    [TestCase("memory_gb", 1, "Unknown argument 'memory_gb' for execute_code; it takes backend, code, session_id, timeout_ms, memory_mb.")]
    [TestCase("session_id", "", "'session_id' is empty; it must be at least 1 character long, or left out when it is optional.")]
    public async Task A_bad_limit_or_an_unknown_argument_is_an_error_result(string name, object value, string expected)
    {
        var result = await ExecuteAsync(new() { ["backend"] = "jint", ["code"] = "1", [name] = value });

        result.IsError.Should().BeTrue();
        Text(result).Should().Be(expected);
    }

    [Test]
    public async Task A_session_keeps_its_backend()
    {
        var id = Unique("js-only");
        await ValueAsync(id, "var z = 1;");

        var result = await ExecuteAsync(new() { ["backend"] = "csharp", ["code"] = "1", ["session_id"] = id });

        result.IsError.Should().BeTrue();
        Text(result).Should().Contain($"Session '{id}' runs the jint backend, not csharp");
    }

    [TestCase("--idle-minutes", "0", "--idle-minutes must be positive")]
    [TestCase("--max-timeout-ms", "abc", "--max-timeout-ms must be a whole number, but was 'abc'")]
    [TestCase("--max-memory-mb", "-1", "--max-memory-mb must be positive")]
    [TestCase("--max-concurrency", "0", "--max-concurrency must be positive")]
    [TestCase("--max-code-chars", "100001", "--max-code-chars")]
    [TestCase("stray", null, "'stray'")]
    public async Task A_bad_command_line_exits_2_with_one_line_on_stderr_and_nothing_on_stdout(string option, string? value, string expected)
    {
        var run = await RunCodeActAsync(value is null ? ["mcp", option] : ["mcp", option, value]);

        run.ExitCode.Should().Be(2, run.ToString());
        run.Stdout.Should().BeEmpty();
        run.Stderr.TrimEnd().Should().NotContain("\n").And.Contain(expected).And.StartWith("codeact mcp:");
    }

    [Test]
    public async Task The_server_exits_0_when_standard_input_closes()
    {
        var run = await RunCodeActAsync("mcp", "--idle-minutes", "1", "--max-timeout-ms", "1000", "--max-memory-mb", "32");

        run.ExitCode.Should().Be(0, run.ToString());
        run.Stdout.Should().BeEmpty();
    }

    private static string Unique(string name) => $"{name}-{Guid.NewGuid():N}";

    private Task<CallToolResult> ExecuteAsync(Dictionary<string, object?> arguments) =>
        _client.CallToolAsync("execute_code", arguments).AsTask();

    private async Task<JsonElement> ValueAsync(string sessionId, string code)
    {
        var result = await ExecuteAsync(new() { ["backend"] = "jint", ["code"] = code, ["session_id"] = sessionId });
        result.IsError.Should().NotBe(true, Text(result));
        var json = Structured(result);
        json.GetProperty("ok").GetBoolean().Should().BeTrue(Text(result) + string.Join('\n', _stderr));
        return json.GetProperty("value").Clone();
    }
}

/// <summary>
/// The library class behind <c>codeact mcp</c>, in process: idle sessions are swept, busy ones are not, limits are
/// clamped, concurrent calls share one session safely, and disposal stops everything.
/// </summary>
public sealed class SandboxServerLibraryTests
{
    [Test]
    public async Task The_timer_closes_a_session_left_idle_past_the_idle_timeout()
    {
        await using var server = Create(new SandboxMcpServerOptions { SessionIdleTimeout = TimeSpan.FromMilliseconds(200) });
        await server.ExecuteAsync(Request("idle", "var z = 1;"));
        server.ListSessions().Should().ContainSingle();

        // Polls: the sweep runs on a timer; the deadline is a safety net, not a timing assertion.
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (server.ListSessions().Count > 0 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(25);
        }

        server.ListSessions().Should().BeEmpty();
        (await server.ExecuteAsync(Request("idle", "typeof z"))).Value!.Value.GetString().Should().Be("undefined");
    }

    [Test]
    public async Task The_sweep_closes_only_sessions_idle_for_the_whole_timeout()
    {
        var clock = new ManualClock();
        await using var server = Create(new SandboxMcpServerOptions { SessionIdleTimeout = TimeSpan.FromMinutes(10), TimeProvider = clock });
        await server.ExecuteAsync(Request("old", "1"));
        await server.ExecuteAsync(Request("recent", "1"));

        clock.Advance(TimeSpan.FromMinutes(6));
        await server.ExecuteAsync(Request("recent", "2"));
        clock.Advance(TimeSpan.FromMinutes(5));
        var closed = await server.CloseIdleSessionsAsync();

        closed.Should().Be(1);
        server.ListSessions().Select(s => s.SessionId).Should().Equal("recent");
        server.ListSessions()[0].Executions.Should().Be(2);
    }

    [Test]
    public async Task A_session_running_code_is_not_closed_for_idleness()
    {
        var clock = new ManualClock();
        await using var server = Create(new SandboxMcpServerOptions { SessionIdleTimeout = TimeSpan.FromMinutes(1), TimeProvider = clock });

        var running = server.ExecuteAsync(Request("busy", "while (true) {}") with { Timeout = TimeSpan.FromMilliseconds(300) });
        clock.Advance(TimeSpan.FromHours(1));
        var closed = await server.CloseIdleSessionsAsync();
        var result = await running;

        closed.Should().Be(0);
        result.Status.Should().Be(ExecutionStatus.Timeout);
        server.ListSessions().Select(s => s.SessionId).Should().Equal("busy");
    }

    [Test]
    public async Task Limits_are_lowered_to_the_maxima_and_a_session_keeps_its_own()
    {
        await using var server = Create(new SandboxMcpServerOptions
        {
            Sandbox = new SandboxOptions { Timeout = TimeSpan.FromMilliseconds(100) },
            MaxTimeout = TimeSpan.FromMilliseconds(200),
        });

        var result = await server.ExecuteAsync(Request(null, "while (true) {}") with { Timeout = TimeSpan.FromHours(1) });
        await server.ExecuteAsync(Request("s", "1") with { Timeout = TimeSpan.FromMinutes(5) });
        var same = await server.ExecuteAsync(Request("s", "2") with { Timeout = TimeSpan.FromMinutes(10) });
        var different = () => server.ExecuteAsync(Request("s", "3") with { Timeout = TimeSpan.FromMilliseconds(150) });

        result.Status.Should().Be(ExecutionStatus.Timeout);
        same.Value!.Value.GetInt32().Should().Be(2, "both ask for more than the maximum, so both get the maximum");
        server.ListSessions().Single().Timeout.Should().Be(TimeSpan.FromMilliseconds(200));
        await different.Should().ThrowAsync<SandboxRequestException>().WithMessage("*created with timeout_ms 200*leave timeout_ms out*");
    }

    [Test]
    public async Task Past_the_session_limit_a_new_id_is_refused_but_fresh_sessions_still_run()
    {
        await using var server = Create(new SandboxMcpServerOptions { MaxSessions = 2 });
        await server.ExecuteAsync(Request("a", "1"));
        await server.ExecuteAsync(Request("b", "1"));

        var third = () => server.ExecuteAsync(Request("c", "1"));
        var fresh = await server.ExecuteAsync(Request(null, "6 * 7"));

        await third.Should().ThrowAsync<SandboxRequestException>().WithMessage("Cannot open session 'c': 2 sessions are open*close_session*");
        fresh.Value!.Value.GetInt32().Should().Be(42);
    }

    [Test]
    public async Task Concurrent_calls_with_a_new_id_share_one_session_and_run_one_at_a_time()
    {
        await using var server = Create(new SandboxMcpServerOptions());

        var results = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(() =>
            server.ExecuteAsync(Request("shared", "var n = (typeof n === 'undefined') ? 1 : n + 1; n")))));

        results.Select(r => r.Value!.Value.GetInt32()).Should().BeEquivalentTo(Enumerable.Range(1, 8));
        server.ListSessions().Should().ContainSingle().Which.Executions.Should().Be(8);
    }

    [Test]
    public async Task Closing_a_session_cancels_the_code_running_in_it()
    {
        await using var server = Create(new SandboxMcpServerOptions());
        var running = server.ExecuteAsync(Request("loop", "while (true) {}") with { Timeout = TimeSpan.FromSeconds(30) });

        var closed = await server.CloseSessionAsync("loop");
        var result = await running;

        closed!.SessionId.Should().Be("loop");
        result.Status.Should().Be(ExecutionStatus.Cancelled);
        server.ListSessions().Should().BeEmpty();
        (await server.CloseSessionAsync("loop")).Should().BeNull();
    }

    [Test]
    public async Task Disposal_cancels_running_code_and_closes_every_session()
    {
        var server = Create(new SandboxMcpServerOptions { MaxTimeout = TimeSpan.FromMinutes(1) });
        await server.ExecuteAsync(Request("kept", "1"));
        var running = server.ExecuteAsync(Request("looping", "while (true) {}") with { Timeout = TimeSpan.FromMinutes(1) });
        await Task.Delay(100);

        await server.DisposeAsync();
        var result = await running;

        result.Status.Should().Be(ExecutionStatus.Cancelled);
        var after = () => server.ExecuteAsync(Request("kept", "1"));
        await after.Should().ThrowAsync<ObjectDisposedException>();
    }

    [Test]
    public async Task An_unavailable_backend_is_described_but_refused_with_its_reason()
    {
        await using var server = new SandboxMcpServer(
        [
            new SandboxBackend("jint", "JavaScript (ES2023)", () => new JintInterpreter()),
            SandboxBackend.Unavailable("v8", "Modern JavaScript", "ClearScript's native V8 library for linux-x64 could not be loaded."),
        ]);

        var description = server.Tools.Single(t => t.ProtocolTool.Name == "execute_code").ProtocolTool.Description;
        var request = () => server.ExecuteAsync(new SandboxExecutionRequest { Backend = "V8", Code = "1" });

        description.Should().Contain("- v8: Modern JavaScript NOT AVAILABLE on this server: ClearScript's native V8 library for linux-x64 could not be loaded.");
        await request.Should().ThrowAsync<SandboxRequestException>()
            .WithMessage("The v8 backend is not available on this server: ClearScript's native V8 library for linux-x64 could not be loaded. Use one of jint.");
    }

    private static SandboxMcpServer Create(SandboxMcpServerOptions options) =>
        new([new SandboxBackend("jint", "JavaScript (ES2023)", () => new JintInterpreter())], options);

    private static SandboxExecutionRequest Request(string? sessionId, string code) => new() { Backend = "jint", Code = code, SessionId = sessionId };

    /// <summary>A clock the test moves by hand; timers still run on real time (the tests sweep explicitly).</summary>
    private sealed class ManualClock : TimeProvider
    {
        private DateTimeOffset _now = new(2026, 1, 1, 12, 0, 0, TimeSpan.Zero);

        public override DateTimeOffset GetUtcNow() => _now;

        public void Advance(TimeSpan time) => _now += time;
    }
}

/// <summary>The test server the client-side tests rely on: it lists its tools, answers them, and fails on start when asked.</summary>
public sealed class TestServerTests
{
    [Test]
    public async Task Fail_on_start_makes_connecting_fail()
    {
        var connect = () => StartTestServerAsync(TestServerTools.FailOnStartFlag);

        await connect.Should().ThrowAsync<Exception>();
    }

    [Test]
    public async Task It_lists_its_tools_and_answers_them()
    {
        await using var client = await StartTestServerAsync();

        var tools = await client.ListToolsAsync();
        var weather = await client.CallToolAsync("get_weather", new Dictionary<string, object?> { ["city"] = "Paris" });
        var sum = await client.CallToolAsync("add", new Dictionary<string, object?> { ["a"] = 2, ["b"] = 3 });
        var shipped = await client.CallToolAsync("list_orders", new Dictionary<string, object?> { ["status"] = "shipped" });
        var failure = await client.CallToolAsync("fail", new Dictionary<string, object?> { ["message"] = "out of stock" });
        var big = await client.CallToolAsync("big", new Dictionary<string, object?> { ["kilobytes"] = 3 });
        var weird = await client.CallToolAsync("weird-name.v2", new Dictionary<string, object?>());

        client.ServerInfo?.Name.Should().Be(TestServerTools.ServerName);
        tools.Select(t => t.Name).Should().Equal(TestServerTools.Names);
        tools.Single(t => t.Name == "get_weather").ProtocolTool.OutputSchema.Should().NotBeNull();
        tools.Single(t => t.Name == "bad_schema").ProtocolTool.InputSchema.GetRawText().Should().Be(TestServerTools.MalformedInputSchema);
        Structured(weather).GetRawText().Should().Be("""{"city":"Paris","tempC":18,"conditions":"cloudy"}""");
        Text(weather).Should().Be(Structured(weather).GetRawText());
        Text(sum).Should().Be("5");
        Structured(shipped).GetProperty("orders").EnumerateArray().Select(o => o.GetProperty("id").GetString()).Should().Equal("A-1001", "A-1003", "A-1006");
        failure.IsError.Should().BeTrue();
        Text(failure).Should().Be("out of stock");
        Text(big).Length.Should().Be(3 * 1024);
        Text(weird).Should().Be("ok");
    }
}

/// <summary>The .NET API of <see cref="SandboxMcpServer"/> for what issue #19 added: progress with output, the bounded queue, uploads.</summary>
[NonParallelizable]
public sealed class SandboxServerApiTests
{
    [TestCase("jint", "console.log('first line'); var x = 0; while (true) { x++; }")]
    [TestCase("csharp", "Console.WriteLine(\"first line\"); var x = 0L; while (true) { x++; }")]
    [TestCase("v8", "console.log('first line'); let x = 0; while (true) { x++; }")]
    public async Task Progress_reports_start_and_carry_what_the_code_printed(string backend, string code)
    {
        if (backend == "v8" && !V8Interpreter.IsAvailable(out var reason))
        {
            Assert.Ignore($"V8 cannot run here: {reason}");
        }

        await using var server = Create(new SandboxMcpServerOptions { ProgressInterval = TimeSpan.FromMilliseconds(50), Sandbox = new SandboxOptions { MaxOperations = long.MaxValue / 2 } });
        var reports = new ConcurrentQueue<SandboxExecutionProgress>();
        var sawOutput = new TaskCompletionSource();
        var progress = new Reporter(p =>
        {
            reports.Enqueue(p);
            if (p.Output.Contains("first line", StringComparison.Ordinal))
            {
                sawOutput.TrySetResult();
            }
        });

        using var stop = new CancellationTokenSource();
        var running = server.ExecuteAsync(new SandboxExecutionRequest { Backend = backend, Code = code, Timeout = TimeSpan.FromMinutes(1) }, progress, stop.Token);
        await sawOutput.Task.WaitAsync(TimeSpan.FromMinutes(1));
        await stop.CancelAsync();
        var result = await running;

        result.Status.Should().Be(ExecutionStatus.Cancelled);
        result.Stdout.Should().Contain("first line", "the output still reaches the result");
        reports.First().Stage.Should().Be(SandboxExecutionStage.Running);
        reports.First().Elapsed.Should().Be(TimeSpan.Zero);
        reports.Should().OnlyContain(r => r.Timeout == TimeSpan.FromMinutes(1));
    }

    [Test]
    public async Task Past_the_queue_a_call_is_refused_as_busy_and_the_queued_one_runs_later()
    {
        await using var server = Create(new SandboxMcpServerOptions { MaxConcurrentExecutions = 1, MaxQueuedExecutions = 1, Sandbox = new SandboxOptions { MaxOperations = long.MaxValue / 2 } });
        var queued = new TaskCompletionSource();
        var first = server.ExecuteAsync(new SandboxExecutionRequest { Backend = "jint", Code = "while (true) {}", SessionId = "busy", Timeout = TimeSpan.FromMinutes(1) });
        while (server.RunningExecutions == 0)
        {
            await Task.Delay(10);
        }

        var second = server.ExecuteAsync(new SandboxExecutionRequest { Backend = "jint", Code = "'second'" }, new Reporter(p => queued.TrySetResult()));
        await queued.Task.WaitAsync(TimeSpan.FromMinutes(1));
        var third = () => server.ExecuteAsync(new SandboxExecutionRequest { Backend = "jint", Code = "'third'" });

        await third.Should().ThrowAsync<SandboxRequestException>().WithMessage("The server is busy: 1 execution is running and 1 is waiting*Nothing ran*");
        server.QueuedExecutions.Should().Be(1);
        await server.CloseSessionAsync("busy");
        (await first).Status.Should().Be(ExecutionStatus.Cancelled);
        (await second).Value!.Value.GetString().Should().Be("second");
    }

    [Test]
    public async Task An_uploaded_file_is_read_by_the_code_and_bad_uploads_say_why()
    {
        await using var server = Create(new SandboxMcpServerOptions { MaxUploadBytes = 16 });

        var added = await server.UploadFileAsync("data", "jint", "in/n.txt", "41"u8.ToArray());
        var read = await server.ExecuteAsync(new SandboxExecutionRequest { Backend = "jint", Code = "Number(files.readText('in/n.txt')) + 1", SessionId = "data" });
        var tooBig = () => server.UploadFileAsync("data", null, "big.txt", new byte[17]);
        var noSession = () => server.UploadFileAsync("nobody", null, "a.txt", "a"u8.ToArray());
        var intoOut = () => server.UploadFileAsync("data", null, "out/a.txt", "a"u8.ToArray());

        added.Path.Should().Be("in/n.txt");
        added.Size.Should().Be(2);
        read.Value!.Value.GetInt32().Should().Be(42);
        await tooBig.Should().ThrowAsync<SandboxRequestException>().WithMessage("The file is 17 bytes; upload_file accepts at most 16*");
        await noSession.Should().ThrowAsync<SandboxRequestException>().WithMessage("No open session 'nobody'. Pass backend*");
        await intoOut.Should().ThrowAsync<SandboxRequestException>().WithMessage("The file was not added to session 'data': *");
    }

    [Test]
    public async Task Code_longer_than_the_limit_is_refused_by_the_dotnet_api_too()
    {
        await using var server = Create(new SandboxMcpServerOptions { MaxCodeChars = 10 });

        var tooLong = () => server.ExecuteAsync(new SandboxExecutionRequest { Backend = "jint", Code = "1 + 1 + 1 + 1" });
        var emoji = await server.ExecuteAsync(new SandboxExecutionRequest { Backend = "jint", Code = "'😀😀😀😀😀😀'" });

        await tooLong.Should().ThrowAsync<SandboxRequestException>().WithMessage("'code' is 13 characters long; this server accepts at most 10 (SandboxMcpServerOptions.MaxCodeChars*");
        emoji.Status.Should().Be(ExecutionStatus.Completed, "8 characters, though 14 UTF-16 code units");
    }

    private static SandboxMcpServer Create(SandboxMcpServerOptions options) =>
        new(
            [
                new SandboxBackend("jint", "JavaScript (ES2023)", () => new JintInterpreter()),
                new SandboxBackend("csharp", "C#", () => new CodeActSdk.Roslyn.RoslynInterpreter()),
                V8Interpreter.IsAvailable(out var reason) ? new SandboxBackend("v8", "JavaScript", () => new V8Interpreter()) : SandboxBackend.Unavailable("v8", "JavaScript", reason ?? "unavailable"),
            ],
            options);

    /// <summary>An <see cref="IProgress{T}"/> that calls back at once, on the reporting thread.</summary>
    private sealed class Reporter(Action<SandboxExecutionProgress> report) : IProgress<SandboxExecutionProgress>
    {
        public void Report(SandboxExecutionProgress value) => report(value);
    }
}
