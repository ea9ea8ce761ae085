using DescriptionAttribute = System.ComponentModel.DescriptionAttribute;
using System.Text.Json;
using Microsoft.Extensions.AI;

namespace CodeActSdk.Roslyn.Tests;

public class ToolTests : RoslynTestBase
{
    private static readonly AIFunction Add = AIFunctionFactory.Create(
        ([Description("First addend")] int a, [Description("Second addend")] int b) => a + b, "add", "Adds two integers.");

    private static readonly AIFunction Orders = AIFunctionFactory.Create(
        (string region, int limit = 10) => Enumerable.Range(1, Math.Min(limit, 3)).Select(i => new { Id = i, Region = region, Revenue = i * 100.5 }).ToArray(),
        "list_orders", "Lists orders of a region.");

    private static readonly AIFunction Slow = AIFunctionFactory.Create(async (int ms, CancellationToken token) =>
    {
        await Task.Delay(ms, token);
        return "done";
    }, "slow", "Waits, then answers.");

    private static readonly AIFunction Fails = AIFunctionFactory.Create(string (string why) => throw new InvalidOperationException("inventory service is down: " + why), "fails");

    private static readonly AIFunction Keywords = AIFunctionFactory.Create((string @class, bool @default, double ratio) => $"{@class}:{@default}:{ratio}", "get-label");

    private static SandboxOptions With(params AIFunction[] tools) => new() { Tools = tools };

    [Test]
    public async Task Tools_are_typed_methods_on_the_tools_global()
    {
        var result = await RunAsync("long sum = tools.Add(2, 40); sum * 2", With(Add));

        result.Status.Should().Be(ExecutionStatus.Completed, result.Error?.Message);
        result.Value!.Value.GetInt64().Should().Be(84);
    }

    [Test]
    public async Task Object_results_arrive_as_json_nodes()
    {
        var result = await RunAsync("var o = tools.ListOrders(\"EU\", 2)!; ((string)o[1][\"region\"]!, (double)o[1][\"revenue\"]! * 2, o.AsArray().Count)", With(Orders));

        result.Value!.Value.GetRawText().Should().Be("""{"Item1":"EU","Item2":402,"Item3":2}""");
    }

    [Test]
    public async Task Optional_parameters_may_be_left_out()
    {
        var result = await RunAsync("tools.ListOrders(\"US\")!.AsArray().Count", With(Orders));

        result.Value!.Value.GetInt32().Should().Be(3);
    }

    [Test]
    public async Task Parameter_names_that_are_keywords_and_names_with_dashes_work()
    {
        var result = await RunAsync("tools.GetLabel(@class: \"x\", @default: true, ratio: 0.5)", With(Keywords));

        result.Value!.Value.GetString().Should().Be("x:True:0.5");
    }

    [Test]
    public async Task Async_tools_are_awaited_on_the_codes_behalf()
    {
        var result = await RunAsync("var r = tools.Slow(20); \"tool said \" + r", With(Slow));

        result.Value!.Value.GetString().Should().Be("tool said done");
    }

    [Test]
    public async Task Tools_can_be_called_from_methods_and_later_executions()
    {
        await using var session = await Interpreter.CreateSessionAsync(With(Add));
        await session.ExecuteAsync("long Triple(long x) => tools.Add(tools.Add(x, x), x);");

        (await session.ExecuteAsync("Triple(5)")).Value!.Value.GetInt64().Should().Be(15);
    }

    [Test]
    public async Task Every_call_is_recorded_with_arguments_result_and_duration()
    {
        var result = await RunAsync("tools.Add(1, 2); tools.Add(3, 4);", With(Add));

        result.ToolCalls.Should().HaveCount(2);
        result.ToolCalls[1].Name.Should().Be("add");
        result.ToolCalls[1].Arguments.GetRawText().Should().Be("""{"a":3,"b":4}""");
        result.ToolCalls[1].Result!.Value.GetInt32().Should().Be(7);
        result.ToolCalls[1].Error.Should().BeNull();
        result.ToolCalls[1].Duration.Should().BePositive();
    }

    [Test]
    public async Task A_tool_exception_is_an_error_the_code_can_catch()
    {
        var result = await RunAsync("try { tools.Fails(\"now\"); } catch (Exception e) { Console.WriteLine(e.Message); }", With(Fails));

        result.Status.Should().Be(ExecutionStatus.Completed);
        result.Stdout.Should().Be("Tool 'fails' failed: inventory service is down: now\n");
        result.ToolCalls.Single().Error.Should().Contain("inventory service is down");
    }

    [Test]
    public async Task An_uncaught_tool_exception_fails_the_execution_with_its_message()
    {
        var result = await RunAsync("var x = 1;\ntools.Fails(\"x\");", With(Fails));

        result.Status.Should().Be(ExecutionStatus.RuntimeError);
        result.Error!.Kind.Value.Should().Be("ToolCallException");
        result.Error.Message.Should().Contain("inventory service is down: x");
        result.Error.Line.Should().Be(2);
    }

    [Test]
    public async Task Wrong_argument_types_are_compile_errors()
    {
        var result = await RunAsync("tools.Add(\"two\", 2)", With(Add));

        result.Status.Should().Be(ExecutionStatus.SyntaxError);
        result.Error!.Message.Should().Contain("CS1503").And.Contain("string").And.Contain("long");
    }

    [Test]
    public async Task An_unknown_tool_is_a_compile_error()
    {
        var result = await RunAsync("tools.Inventory()", With(Add));

        result.Status.Should().Be(ExecutionStatus.SyntaxError);
        result.Error!.Message.Should().Contain("Inventory");
    }

    [Test]
    public async Task A_tool_that_outlives_the_deadline_ends_as_timeout()
    {
        var result = await RunAsync("tools.Slow(10000)", new SandboxOptions { Tools = [Slow], Timeout = TimeSpan.FromMilliseconds(200) });

        result.Status.Should().Be(ExecutionStatus.Timeout);
        result.ToolCalls.Single().Error.Should().Contain("time limit");
    }

    [Test]
    public async Task Tools_that_would_share_a_csharp_name_are_refused_at_session_creation()
    {
        var twin = AIFunctionFactory.Create(() => 1, "list-orders");

        var act = async () => await Interpreter.CreateSessionAsync(With(Orders, twin));

        (await act.Should().ThrowAsync<ArgumentException>()).WithMessage("*list_orders*Rename one*");
    }

    [Test]
    public void Tools_are_documented_as_csharp_signatures_with_doc_comments()
    {
        var docs = Interpreter.DescribeTools([Add, Orders]);

        docs.Should().Contain("""
                /// <summary>Adds two integers.</summary>
                /// <param name="a">First addend</param>
                /// <param name="b">Second addend</param>
                public long Add(long a, long b);
            """.ReplaceLineEndings("\n"));
        docs.Should().Contain("public JsonNode? ListOrders(string region, long? limit = null);").And.Contain("tools.Add(");
        Interpreter.DescribeTools([]).Should().Contain("No tools");
    }

    [Test]
    public async Task Tool_results_can_be_returned_as_the_value()
    {
        var result = await RunAsync("tools.ListOrders(\"EU\", 1)![0]", With(Orders));

        result.Value!.Value.GetProperty("region").GetString().Should().Be("EU");
        result.Value.Value.GetProperty("id").ValueKind.Should().Be(JsonValueKind.Number);
    }
}
