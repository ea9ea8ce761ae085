using CodeActSdk.Jint;

namespace CodeActSdk.Mcp.Tests;

/// <summary>
/// Code mode against an MCP server built on the official MCP TypeScript SDK (tests/fixtures/mcp-client/shop-server.mjs):
/// the model reads each parameter's enum values, default and bounds; a tool that requires MCP tasks is left out with a
/// problem saying so; an image reaches the code with its data; a tool error is one message.
/// </summary>
[NonParallelizable]
public sealed class TypeScriptServerTests
{
    private McpToolSource _shop = null!;

    [OneTimeSetUp]
    public async Task ConnectAsync()
    {
        var folder = TypeScriptClientTests.FixtureFolder();
        _shop = await McpToolSource.ConnectAsync([McpServerConfig.Stdio("ts", "node", [Path.Combine(folder, "shop-server.mjs")])]);
        _shop.Servers.Should().Equal(["ts"], string.Join("\n", _shop.Problems));
    }

    [OneTimeTearDown]
    public async Task DisconnectAsync() => await _shop.DisposeAsync();

    [Test]
    public void A_tool_that_requires_tasks_is_left_out_and_said_so()
    {
        _shop.Tools.Select(t => t.Name).Should().Equal("ts_forecast", "ts_snapshot", "ts_reserve");
        _shop.Problems.Should().ContainSingle().Which.Should()
            .Contain("has tool 'restock' that can only be called as MCP tasks (execution.taskSupport \"required\")").And.EndWith("it is left out.");
    }

    [Test]
    public void The_jsdoc_shows_enum_values_defaults_and_bounds()
    {
        using var jint = new JintInterpreter();

        var js = jint.DescribeTools(_shop.Tools);

        js.Should().Contain("@param {string} city - The city.")
            .And.Contain("@param {string} [units=\"metric\"] - The units. One of \"metric\", \"imperial\".")
            .And.Contain("@param {number} [days=3] - How many days. From 1 to 14.");
    }

    [Test]
    public void The_csharp_documentation_shows_them_too()
    {
        using var roslyn = new CodeActSdk.Roslyn.RoslynInterpreter();

        var cs = roslyn.DescribeTools(_shop.Tools);

        cs.Should().Contain("/// <param name=\"units\">The units. One of \"metric\", \"imperial\". Default \"metric\".</param>")
            .And.Contain("/// <param name=\"days\">How many days. Default 3. From 1 to 14.</param>");
    }

    [Test]
    public async Task The_code_gets_the_image_data_and_one_clear_error_message()
    {
        using var jint = new JintInterpreter();
        await using var session = await jint.CreateSessionAsync(new SandboxOptions { Tools = _shop.Tools });

        var result = await session.ExecuteAsync("""
            var image = ts_snapshot();
            var message; try { ts_reserve('umbrella'); } catch (e) { message = e.message; }
            ({ type: image.type, mimeType: image.mimeType, data: image.data, message: message, forecast: ts_forecast({ city: 'Oslo' }) })
            """);

        result.Status.Should().Be(ExecutionStatus.Completed, result.Error?.Message);
        var value = result.Value!.Value;
        value.GetProperty("type").GetString().Should().Be("image");
        value.GetProperty("mimeType").GetString().Should().Be("image/png");
        value.GetProperty("data").GetString().Should().Be(CodeActSdk.Mcp.TestServer.TestServerTools.SnapshotPng, "shop-server.mjs returns the same 1×1 PNG");
        value.GetProperty("message").GetString().Should().Be("Tool 'ts_reserve' failed: the MCP tool 'reserve' of server 'ts' reported an error: umbrella is out of stock");
        value.GetProperty("forecast").GetString().Should().Be("Oslo: 3 days, metric", "the server applies its defaults");
    }
}
