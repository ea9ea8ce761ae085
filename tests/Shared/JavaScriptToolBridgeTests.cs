using System.Text.Json;
using Microsoft.Extensions.AI;
using DescriptionAttribute = System.ComponentModel.DescriptionAttribute;

namespace CodeActSdk.Tests.Shared;

/// <summary>
/// The tool-bridge behaviour every JavaScript backend must show, written once. Each backend's test project links
/// this file and runs it against its own interpreter by overriding <see cref="JavaScriptBackendTest.CreateInterpreter"/>.
/// </summary>
public abstract class JavaScriptToolBridgeTests : JavaScriptBackendTest
{
    protected static readonly AIFunction Add = AIFunctionFactory.Create(
        ([Description("First addend")] int a, [Description("Second addend")] int b) => a + b, "add", "Adds two integers.");

    protected static readonly AIFunction Orders = AIFunctionFactory.Create(
        (string region, int limit = 10) => Enumerable.Range(1, Math.Min(limit, 3)).Select(i => new { Id = i, Region = region, Revenue = i * 100.5 }).ToArray(),
        "orders", "Lists orders of a region.");

    protected static readonly AIFunction Slow = AIFunctionFactory.Create(async (int ms, CancellationToken token) =>
    {
        await Task.Delay(ms, token);
        return "done";
    }, "slow", "Waits, then answers.");

    protected static readonly AIFunction Fails = AIFunctionFactory.Create(string (string why) => throw new InvalidOperationException("inventory service is down: " + why), "fails");

    protected static SandboxOptions With(params AIFunction[] tools) => new() { Tools = tools };

    [Test]
    public async Task Tools_take_positional_arguments()
    {
        var result = await RunAsync("add(2, 40)", With(Add));

        result.Value!.Value.GetInt32().Should().Be(42);
    }

    [Test]
    public async Task Tools_take_one_object_of_named_arguments()
    {
        var result = await RunAsync("add({ b: 40, a: 2 })", With(Add));

        result.Value!.Value.GetInt32().Should().Be(42);
    }

    [Test]
    public async Task Tool_results_arrive_as_plain_javascript_data()
    {
        var result = await RunAsync("var o = orders('EU', 2); [o.length, o[1].region, o[1].revenue * 2, Array.isArray(o)]", With(Orders));

        result.Value!.Value.GetRawText().Should().Be("""[2,"EU",402,true]""");
    }

    [Test]
    public async Task Optional_parameters_may_be_left_out()
    {
        var result = await RunAsync("orders('US').length", With(Orders));

        result.Value!.Value.GetInt32().Should().Be(3);
    }

    [Test]
    public async Task Async_tools_are_awaited_on_the_codes_behalf()
    {
        var result = await RunAsync("var r = slow(20); 'tool said ' + r", With(Slow));

        result.Value!.Value.GetString().Should().Be("tool said done");
    }

    [Test]
    public async Task Every_call_is_recorded_with_arguments_result_and_duration()
    {
        var result = await RunAsync("add(1, 2); add({ a: 3, b: 4 });", With(Add));

        result.ToolCalls.Should().HaveCount(2);
        result.ToolCalls[1].Name.Should().Be("add");
        result.ToolCalls[1].Arguments.GetRawText().Should().Be("""{"a":3,"b":4}""");
        result.ToolCalls[1].Result!.Value.GetInt32().Should().Be(7);
        result.ToolCalls[1].Error.Should().BeNull();
        result.ToolCalls[1].Duration.Should().BePositive();
    }

    [Test]
    public async Task A_tool_exception_is_an_error_the_code_can_catch_with_the_tools_message()
    {
        var result = await RunAsync("try { fails('now'); } catch (e) { console.log(e.name + ': ' + e.message); }", With(Fails));

        result.Status.Should().Be(ExecutionStatus.Completed);
        result.Stdout.Should().Be("Error: Tool 'fails' failed: inventory service is down: now\n");
        result.ToolCalls.Single().Error.Should().Contain("inventory service is down");
    }

    [Test]
    public async Task An_uncaught_tool_exception_fails_the_execution_with_its_message()
    {
        var result = await RunAsync("fails('x');", With(Fails));

        result.Status.Should().Be(ExecutionStatus.RuntimeError);
        result.Error!.Message.Should().Contain("inventory service is down: x");
    }

    [Test]
    public async Task A_wrong_argument_type_names_the_tool_and_its_parameters()
    {
        var result = await RunAsync("add('two', 2)", With(Add));

        result.Status.Should().Be(ExecutionStatus.RuntimeError);
        result.Error!.Message.Should().Be("Tool 'add': argument 'a' must be an integer, not the string \"two\". Its parameters are add(a: integer, b: integer).");
    }

    [TestCase("add({ a: 1, c: 2 })", "Tool 'add' has no parameter 'c'. Its parameters are add(a: integer, b: integer).")]
    [TestCase("add(1)", "Tool 'add' needs the argument 'b'. Its parameters are add(a: integer, b: integer).")]
    [TestCase("add(1, 2, 3)", "Tool 'add' takes 2 argument(s) but was given 3. Its parameters are add(a: integer, b: integer).")]
    [TestCase("add(1.5, 2)", "Tool 'add': argument 'a' must be an integer, not the number 1.5. Its parameters are add(a: integer, b: integer).")]
    public async Task Arguments_that_do_not_fit_give_a_precise_error(string code, string message)
    {
        var result = await RunAsync(code, With(Add));

        result.Error!.Message.Should().Be(message);
    }

    [Test]
    public async Task An_unknown_tool_is_a_reference_error()
    {
        var result = await RunAsync("inventory()", With(Add));

        result.Error!.Kind.Should().Be(ErrorKind.ReferenceError);
        result.Error.Message.Should().Contain("inventory");
    }

    [Test]
    public async Task Cyclic_arguments_are_refused_before_the_tool_runs()
    {
        var result = await RunAsync("var a = {}; a.a = a; add(a, 1)", With(Add));

        result.Error!.Kind.Should().Be(ErrorKind.TypeError);
        result.Error.Message.Should().Contain("cyclic");
    }

    [Test]
    public async Task A_tool_that_outlives_the_deadline_ends_as_timeout()
    {
        var result = await RunAsync("slow(10000)", new SandboxOptions { Tools = [Slow], Timeout = TimeSpan.FromMilliseconds(200) });

        result.Status.Should().Be(ExecutionStatus.Timeout);
        result.ToolCalls.Single().Error.Should().Contain("time limit");
    }

    [Test]
    public async Task A_tool_named_like_a_javascript_global_is_refused_at_session_creation()
    {
        var shadow = AIFunctionFactory.Create(() => 1, "JSON");

        var act = async () => await Interpreter.CreateSessionAsync(With(shadow));

        (await act.Should().ThrowAsync<ArgumentException>()).WithMessage("*'JSON' would hide the JavaScript global*");
    }

    [Test]
    public void Tools_are_documented_as_jsdoc_signatures()
    {
        var docs = Interpreter.DescribeTools([Add, Orders]);

        docs.Should().Contain("""
            /**
             * Adds two integers.
             * @param {number} a - First addend
             * @param {number} b - Second addend
             * @returns {number}
             */
            function add(a, b) {}
            """.ReplaceLineEndings("\n"));
        docs.Should().Contain("@param {number} [limit=10]").And.NotContain("Default 10", "the signature shows the default").And.Contain("function orders(region, limit) {}");
    }

    [Test]
    public async Task Tool_results_can_be_returned_as_the_value()
    {
        var result = await RunAsync("orders('EU', 1)[0]", With(Orders));

        result.Value!.Value.GetProperty("region").GetString().Should().Be("EU");
        result.Value.Value.GetProperty("id").ValueKind.Should().Be(JsonValueKind.Number);
    }
}
