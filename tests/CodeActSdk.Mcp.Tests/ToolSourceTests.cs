using CodeActSdk.Jint;
using CodeActSdk.Roslyn;
using CodeActSdk.Testing;
using CodeActSdk.Tests.Shared;
using CodeActSdk.V8;

namespace CodeActSdk.Mcp.Tests;

/// <summary>
/// "Code mode": the tools of a real MCP server (CodeActSdk.Mcp.TestServer, started over stdio) become functions the
/// sandboxed code calls, in every backend; every way a server can misbehave reaches the code or the host as a clear
/// message, and the agent goes on.
/// </summary>
[NonParallelizable]
public sealed class ToolSourceTests
{
    private static readonly string TestServer = ServerProcess.TestServerDll;

    private McpToolSource _shop = null!;

    private static McpServerConfig Shop(params string[] extra) => McpServerConfig.Stdio("shop", TestEnvironment.DotnetHost(), [TestServer, .. extra]);

    [OneTimeSetUp]
    public async Task ConnectAsync() => _shop = await McpToolSource.ConnectAsync([Shop()]);

    [OneTimeTearDown]
    public async Task DisconnectAsync() => await _shop.DisposeAsync();

    [Test]
    public void A_servers_tools_become_identifiers_prefixed_with_the_server()
    {
        _shop.Servers.Should().Equal("shop");
        _shop.Tools.Select(t => t.Name).Should().Contain(["shop_get_weather", "shop_add", "shop_list_orders", "shop_fail", "shop_big", "shop_crash", "shop_slow", "shop_weird_name_v2"]);
    }

    [Test]
    public void The_prompt_documents_the_tools_grouped_by_server_in_each_language()
    {
        using var jint = new JintInterpreter();
        using var csharp = new RoslynInterpreter();

        var js = jint.DescribeTools(_shop.Tools);
        var cs = csharp.DescribeTools(_shop.Tools);

        js.Should().Contain("// ---- tools of \"shop\" ----").And.Contain("function shop_get_weather(city)");
        cs.Should().Contain("// ---- tools of \"shop\" ----").And.Contain("ShopGetWeather(string city)");
    }

    [TestCase("jint")]
    [TestCase("v8")]
    [TestCase("csharp")]
    public async Task One_code_block_calls_many_tools_and_filters_their_results(string backend)
    {
        var interpreter = Create(backend);
        await using var owned = (IAsyncDisposable)interpreter;
        await using var session = await interpreter.CreateSessionAsync(new SandboxOptions { Tools = _shop.Tools });

        var result = await session.ExecuteAsync(backend == "csharp"
            ? """
              var orders = tools.ShopListOrders()["orders"].AsArray();
              var big = orders.Where(o => (double)o["total"] > 100).Select(o => (string)o["customer"]).OrderBy(c => c, StringComparer.Ordinal).ToArray();
              var warm = new[] { "Oslo", "Lisbon" }.Select(c => (long)tools.ShopGetWeather(c)["tempC"]).Max();
              new { count = orders.Count, big, warm, sum = tools.ShopAdd(2, 3) }
              """
            : """
              var orders = shop_list_orders().orders;
              var big = orders.filter(function (o) { return o.total > 100; }).map(function (o) { return o.customer; }).sort();
              var warm = Math.max(shop_get_weather('Oslo').tempC, shop_get_weather({ city: 'Lisbon' }).tempC);
              ({ count: orders.length, big: big, warm: warm, sum: shop_add(2, 3) })
              """);

        result.Status.Should().Be(ExecutionStatus.Completed, result.Error?.Message);
        var value = result.Value!.Value;
        value.GetProperty("count").GetInt32().Should().BeGreaterThan(0);
        value.GetProperty("sum").GetDouble().Should().Be(5);
        result.ToolCalls.Select(c => c.Name).Should().Contain("shop_list_orders").And.Contain("shop_get_weather");
    }

    [Test]
    public async Task A_tool_error_is_an_error_the_code_can_catch()
    {
        var result = await RunJintAsync(_shop, "var m; try { shop_fail('the warehouse is closed'); } catch (e) { m = e.message; } m");

        result.Value!.Value.GetString().Should().Contain("failed").And.Contain("the warehouse is closed");
    }

    [Test]
    public async Task A_tool_error_reaches_the_code_as_one_message_that_names_the_tool_once()
    {
        var result = await RunJintAsync(_shop, "var m; try { shop_fail('the warehouse is closed'); } catch (e) { m = e.message; } m");

        result.Value!.Value.GetString().Should().Be("Tool 'shop_fail' failed: the MCP tool 'fail' of server 'shop' reported an error: the warehouse is closed");
    }

    [Test]
    public void The_jsdoc_shows_enum_values_defaults_and_bounds_of_parameters()
    {
        using var jint = new JintInterpreter();

        var js = jint.DescribeTools(_shop.Tools);

        js.Should().Contain("@param {string} [units=\"metric\"] - The units. One of \"metric\", \"imperial\".")
            .And.Contain("@param {number} [days=3] - How many days. From 1 to 14.")
            .And.Contain("@param {string} city - The city.");
    }

    [Test]
    public void A_tool_that_requires_mcp_tasks_is_left_out_and_the_problem_says_so()
    {
        _shop.Tools.Select(t => t.Name).Should().NotContain("shop_long_job").And.Contain("shop_forecast");
        _shop.Problems.Should().Contain(p => p.Contains("'long_job'") && p.Contains("taskSupport \"required\"") && p.Contains("left out"));
    }

    [Test]
    public async Task An_image_result_gives_the_code_its_data_within_a_bound()
    {
        await using var tight = await McpToolSource.ConnectAsync([Shop()], new McpToolSourceOptions { MaxBinaryContentChars = 10 });

        var image = await RunJintAsync(_shop, "var i = shop_snapshot(); [i.type, i.mimeType, i.data]");
        var bounded = await RunJintAsync(tight, "var i = shop_snapshot(); [i.data === undefined, i.base64Length, i.note]");

        image.Value!.Value.EnumerateArray().Select(e => e.GetString()).Should().Equal("image", "image/png", CodeActSdk.Mcp.TestServer.TestServerTools.SnapshotPng);
        bounded.Value!.Value[0].GetBoolean().Should().BeTrue();
        bounded.Value!.Value[1].GetInt32().Should().Be(CodeActSdk.Mcp.TestServer.TestServerTools.SnapshotPng.Length);
        bounded.Value!.Value[2].GetString().Should().Contain("MaxBinaryContentChars");
    }

    [Test]
    public async Task An_oversized_result_is_an_error_not_a_flood()
    {
        await using var small = await McpToolSource.ConnectAsync([Shop()], new McpToolSourceOptions { MaxResultChars = 10_000 });

        var result = await RunJintAsync(small, "var m; try { shop_big(64); } catch (e) { m = e.message; } m");

        result.Value!.Value.GetString().Should().Contain("the limit is 10,000");
    }

    [Test]
    public async Task A_server_that_dies_mid_call_is_an_error_and_the_host_goes_on()
    {
        await using var doomed = await McpToolSource.ConnectAsync([Shop()]);

        var crash = await RunJintAsync(doomed, "var m; try { shop_crash(); } catch (e) { m = e.message; } m");
        var after = await RunJintAsync(doomed, "var m; try { shop_add(1, 2); } catch (e) { m = e.message; } m");

        crash.Value!.Value.GetString().Should().Contain("shop");
        after.Value!.Value.GetString().Should().Contain("could not run 'add'");
        (await RunJintAsync(_shop, "shop_add(1, 2)")).Value!.Value.GetDouble().Should().Be(3, "other servers and the host are unaffected");
    }

    [Test]
    public async Task A_server_that_does_not_start_is_reported_and_the_others_still_connect()
    {
        await using var source = await McpToolSource.ConnectAsync(
        [
            McpServerConfig.Stdio("broken", TestEnvironment.DotnetHost(), TestServer, "--fail-on-start"),
            McpServerConfig.Stdio("missing", "/no/such/mcp-server"),
            Shop(),
        ]);

        source.Servers.Should().Equal("shop");
        var servers = source.Problems.Where(p => p.StartsWith("The MCP server ", StringComparison.Ordinal) && p.Contains("could not be used", StringComparison.Ordinal)).ToArray();
        servers.Should().HaveCount(2);
        servers.Should().Contain(p => p.Contains("'broken'") && p.Contains("failing on start")).And.Contain(p => p.Contains("'missing'"));
        source.Tools.Should().OnlyContain(t => t.Name.StartsWith("shop_"));
    }

    [Test]
    public async Task A_tool_list_the_sdk_cannot_read_and_an_unreachable_http_server_are_reported_too()
    {
        await using var source = await McpToolSource.ConnectAsync(
        [
            McpServerConfig.Stdio("arrays", TestEnvironment.DotnetHost(), TestServer, "--array-schema"),
            McpServerConfig.Http("remote", new Uri("http://127.0.0.1:9/mcp")),
        ], new McpToolSourceOptions { ConnectTimeout = TimeSpan.FromSeconds(20) });

        source.Tools.Should().BeEmpty();
        source.Problems.Should().HaveCount(2);
        source.Problems.Should().Contain(p => p.Contains("'arrays'")).And.Contain(p => p.Contains("'remote' (http://127.0.0.1:9/mcp)"));
    }

    [Test]
    public async Task A_tool_with_a_malformed_schema_is_offered_undocumented_with_a_note()
    {
        var tool = _shop.Tools.Single(t => t.Name == "shop_bad_schema");

        tool.Description.Should().Contain("not documented");
        _shop.Problems.Should().ContainSingle(p => p.Contains("'bad_schema'") && p.Contains("malformed input schema"));
        (await RunJintAsync(_shop, "shop_bad_schema({})")).Value!.Value.GetString().Should().Be("ok");
    }

    [Test]
    public async Task An_agent_uses_the_tools_from_code_and_answers()
    {
        using var model = new ScriptedChatClient(
        [
            """
            Let me look at the open orders.
            ```js
            var open = shop_list_orders({ status: 'pending' }).orders;
            var total = 0;
            for (var i = 0; i < open.length; i++) { total = shop_add(total, open[i].total); }
            final_answer({ open: open.length, total: total });
            ```
            """,
        ]);
        await using var interpreter = new JintInterpreter();
        using var agent = new CodeActAgent(interpreter, new ChatClientCodeGenerator(model), new CodeActOptions(), _shop.Tools);

        var result = await agent.RunAsync("How much do the pending orders add up to?");

        result.Outcome.Should().Be(AgentOutcome.FinalAnswer);
        result.FinalAnswer!.Value.GetProperty("open").GetInt32().Should().BeGreaterThan(0);
    }

    [Test]
    public async Task Codeact_run_gives_the_code_the_tools_of_the_servers_named_with_mcp()
    {
        var script = Path.Combine(Path.GetTempPath(), $"mcp-script-{Guid.NewGuid():N}.md");
        await File.WriteAllTextAsync(script, "## turn\n```js\nfinal_answer(shop_list_orders({ status: 'shipped' }).orders.length);\n```\n");
        try
        {
            var run = await ServerProcess.RunCodeActAsync("run", "--script", script, "--mcp", $"shop=\"{TestEnvironment.DotnetHost()}\" \"{TestServer}\"", "--mcp", "gone=/no/such/server", "How many orders have shipped?");

            run.ExitCode.Should().Be(0, run.ToString());
            run.Stdout.Should().Contain("shop_list_orders").And.Contain("3");
            run.Stdout.Should().NotContain("tools: orders", "the demo tool is only offered when no MCP server is given").And.NotContain(", orders,").And.NotMatchRegex("orders\\s*$");
            run.Stderr.Should().Contain("warning: The MCP server 'gone'");
        }
        finally
        {
            File.Delete(script);
        }
    }

    [TestCase("weather=node weather.js --port 3", "node", "weather.js", "--port", "3")]
    [TestCase("shop=dotnet \"my server.dll\"", "dotnet", "my server.dll")]
    public void A_server_is_parsed_from_the_command_line(string text, string command, params string[] arguments)
    {
        var config = McpServerConfig.Parse(text);

        config.Command.Should().Be(command);
        config.Arguments.Should().Equal(arguments);
    }

    [Test]
    public void An_http_server_is_parsed_from_its_url_and_bad_text_says_what_is_expected()
    {
        McpServerConfig.Parse("docs=https://example.com/mcp").Url.Should().Be(new Uri("https://example.com/mcp"));
        FluentActions.Invoking(() => McpServerConfig.Parse("no-equals-sign")).Should().Throw<FormatException>().WithMessage("*NAME=COMMAND or NAME=URL*");
        FluentActions.Invoking(() => McpServerConfig.Parse("x=\"unclosed")).Should().Throw<FormatException>().WithMessage("*unclosed double quote*");
    }

    private static async Task<ExecutionResult> RunJintAsync(McpToolSource source, string code)
    {
        await using var interpreter = new JintInterpreter();
        await using var session = await interpreter.CreateSessionAsync(new SandboxOptions { Tools = source.Tools });
        var result = await session.ExecuteAsync(code);
        result.Status.Should().Be(ExecutionStatus.Completed, result.Error?.Message);
        return result;
    }

    private static ICodeInterpreter Create(string backend) => backend switch
    {
        "jint" => new JintInterpreter(),
        "v8" => V8Interpreter.IsAvailable(out var reason) ? new V8Interpreter() : throw new InvalidOperationException(reason),
        _ => new RoslynInterpreter(),
    };

}
