using System.Text.Json;
using Microsoft.Extensions.AI;
using CodeActSdk.Tests.Shared;

namespace CodeActSdk.V8.Tests;

/// <summary>The shared JavaScript tool-bridge tests, plus what only modern JavaScript can do.</summary>
public class ToolBridgeTests : JavaScriptToolBridgeTests
{
    protected override ICodeInterpreter CreateInterpreter()
    {
        if (!V8Interpreter.IsAvailable(out var reason))
        {
            Assert.Fail("V8 is not available, so the V8 backend cannot be tested: " + reason);
        }

        return new V8Interpreter();
    }

    [Test]
    public async Task Tools_work_inside_async_code_and_modern_syntax()
    {
        var result = await RunAsync("""
            const regions = ['EU', 'US'];
            (async () => {
              const all = await Promise.all(regions.map(async r => orders({ region: r, limit: 2 })));
              const [{ revenue }] = all[1];
              return { count: all.flat().length, first: all[0][0].region, revenue, sum: add(...[20, 22]) };
            })()
            """, With(Orders, Add));

        result.Status.Should().Be(ExecutionStatus.Completed, result.Error?.Message);
        result.Value!.Value.GetRawText().Should().Be("""{"count":4,"first":"EU","revenue":100.5,"sum":42}""");
        result.ToolCalls.Should().HaveCount(3);
    }

    [Test]
    public async Task A_tool_error_is_a_real_error_object()
    {
        var result = await RunAsync("try { fails('x'); } catch (e) { [e instanceof Error, e.name, typeof e.stack] }", With(Fails));

        result.Value!.Value.GetRawText().Should().Be("""[true,"Error","string"]""");
    }

    [Test]
    public async Task Cancelling_during_a_tool_call_ends_as_cancelled()
    {
        await using var session = await Interpreter.CreateSessionAsync(new SandboxOptions { Tools = [Slow], Timeout = TimeSpan.FromMinutes(1) });
        using var cancellation = new CancellationTokenSource(TimeSpan.FromMilliseconds(100));

        var result = await session.ExecuteAsync("slow(60000)", cancellation.Token);

        result.Status.Should().Be(ExecutionStatus.Cancelled);
        result.ToolCalls.Single().Error.Should().Contain("cancelled");
    }

    [TestCase("console")]
    [TestCase("final_answer")]
    [TestCase("Array")]
    [TestCase("toString")]
    public async Task A_tool_may_not_replace_a_sandbox_global(string name)
    {
        var shadow = AIFunctionFactory.Create(() => 1, name);

        var act = async () => await Interpreter.CreateSessionAsync(With(shadow));

        (await act.Should().ThrowAsync<ArgumentException>()).WithMessage($"*'{name}' would hide the JavaScript global*");
    }

    [Test]
    public async Task Tools_are_plain_functions_that_cannot_be_constructed()
    {
        var result = await RunAsync("[typeof add, add.name, add.length, (() => { try { new add(1, 2); return 'constructed'; } catch (e) { return e.name; } })()]", With(Add));

        result.Value!.Value.GetRawText().Should().Be("""["function","add",2,"TypeError"]""");
    }

    [Test]
    public async Task Large_tool_results_arrive_intact()
    {
        var big = AIFunctionFactory.Create(() => Enumerable.Range(0, 20_000).Select(i => new { I = i, Name = "item " + i }).ToArray(), "big");

        var result = await RunAsync("const rows = big(); [rows.length, rows[19999].name]", With(big));

        result.Value!.Value.GetRawText().Should().Be("""[20000,"item 19999"]""");
    }
}
