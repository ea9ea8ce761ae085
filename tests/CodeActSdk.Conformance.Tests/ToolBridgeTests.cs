using Microsoft.Extensions.AI;

namespace CodeActSdk.Conformance.Tests;

/// <summary>Tools are called with the code's arguments, awaited when asynchronous, recorded, and their failures reach the code.</summary>
public class ToolBridgeTests(Backend backend) : ConformanceTest(backend)
{
    private static readonly AIFunction[] Tools =
    [
        AIFunctionFactory.Create((double a, double b) => a + b, "add", "Adds two numbers."),
        AIFunctionFactory.Create(async (string text) => { await Task.Delay(20); return text + "!"; }, "slow_echo", "Echoes the text after a short wait."),
        AIFunctionFactory.Create(string () => throw new InvalidOperationException("the warehouse is closed"), "fail", "Always fails."),
    ];

    private static SandboxOptions WithTools => new() { Tools = Tools };

    [Test]
    public async Task A_tool_gets_the_arguments_and_every_call_is_recorded()
    {
        var result = await RunAsync("add(2, 3) + add(10, 0.5)", "tools.Add(2, 3) + tools.Add(10, 0.5)", WithTools);

        Json(result).Should().Be("15.5");
        result.ToolCalls.Select(c => c.Name).Should().Equal("add", "add");
        result.ToolCalls[0].Arguments.GetRawText().Should().Be("""{"a":2,"b":3}""");
        result.ToolCalls.Should().OnlyContain(c => c.Error == null);
    }

    [Test]
    public async Task An_asynchronous_tool_is_awaited()
    {
        Json(await RunAsync("slow_echo('hi')", "tools.SlowEcho(\"hi\")", WithTools)).Should().Be("\"hi!\"");
    }

    [Test]
    public async Task A_failing_tool_is_an_error_the_code_can_catch()
    {
        var result = await RunAsync(
            "var message; try { fail(); } catch (e) { message = 'caught: ' + e.message; } message",
            "string message; try { tools.Fail(); message = \"no\"; } catch (Exception e) { message = \"caught: \" + e.Message; } message",
            WithTools);

        Json(result).Should().Contain("caught: ").And.Contain("the warehouse is closed");
        result.ToolCalls.Should().ContainSingle().Which.Error.Should().Contain("the warehouse is closed");
    }

    [Test]
    public async Task The_tools_are_documented_in_the_backends_language()
    {
        var docs = Interpreter.DescribeTools(Tools);

        docs.Should().Contain(Backend.IsCSharp ? "Add(double a, double b)" : "add(a, b)").And.Contain("Adds two numbers.");
    }
}
